"""Planned reminders and their way into the outbox."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import aiosqlite

from storage.rows import fetchall, from_iso, iso


async def plan(
    conn: aiosqlite.Connection,
    signup_id: int,
    starts_at: datetime,
    offsets: Sequence[timedelta],
    now: datetime,
) -> int:
    """One row per offset still ahead of us; an existing plan for the offset is kept."""
    rows = [
        (signup_id, int(offset.total_seconds() // 60), iso(starts_at - offset), iso(now))
        for offset in offsets
        if starts_at - offset > now
    ]
    await conn.executemany(
        "INSERT INTO reminders (signup_id, offset_minutes, due_at, updated_at)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (signup_id, offset_minutes) DO UPDATE SET"
        " due_at = excluded.due_at, state = 'planned', reason = NULL,"
        " updated_at = excluded.updated_at",
        rows,
    )
    return len(rows)


async def drop(conn: aiosqlite.Connection, signup_id: int, reason: str, now: datetime) -> None:
    await conn.execute(
        "UPDATE reminders SET state = 'dropped', reason = ?, updated_at = ?"
        " WHERE signup_id = ? AND state = 'planned'",
        (reason, iso(now), signup_id),
    )


async def due(conn: aiosqlite.Connection, now: datetime, limit: int) -> list[aiosqlite.Row]:
    """Planned reminders due by now, with what is needed to write them."""
    return await fetchall(
        conn,
        "SELECT r.id, r.due_at, s.activity_id, v.telegram_id, v.reminders_muted,"
        " a.title, a.starts_at, a.ends_at, a.place, a.state AS activity_state, s.status"
        " FROM reminders r JOIN signups s ON s.id = r.signup_id"
        " JOIN activities a ON a.id = s.activity_id JOIN volunteers v ON v.id = s.volunteer_id"
        " WHERE r.state = 'planned' AND r.due_at <= ? ORDER BY r.due_at, r.id LIMIT ?",
        (iso(now), limit),
    )


async def settle(
    conn: aiosqlite.Connection, reminder_id: int, state: str, reason: str | None, now: datetime
) -> None:
    await conn.execute(
        "UPDATE reminders SET state = ?, reason = ?, updated_at = ? WHERE id = ?",
        (state, reason, iso(now), reminder_id),
    )


async def states(conn: aiosqlite.Connection, signup_id: int) -> dict[int, tuple[str, datetime]]:
    rows = await fetchall(
        conn,
        "SELECT offset_minutes, state, due_at FROM reminders WHERE signup_id = ?",
        (signup_id,),
    )
    return {row["offset_minutes"]: (row["state"], from_iso(row["due_at"])) for row in rows}


async def set_muted(conn: aiosqlite.Connection, volunteer_id: int, muted: bool) -> None:
    await conn.execute(
        "UPDATE volunteers SET reminders_muted = ? WHERE id = ?", (int(muted), volunteer_id)
    )


async def is_muted(conn: aiosqlite.Connection, volunteer_id: int) -> bool:
    rows = await fetchall(
        conn, "SELECT reminders_muted FROM volunteers WHERE id = ?", (volunteer_id,)
    )
    return bool(rows and rows[0]["reminders_muted"])

"""Broadcasts and who they reach."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.domain.models import Broadcast, Recipient
from storage.rows import fetchall, fetchone, from_iso, iso

_COLUMNS = (
    "id, author_telegram_id, audience, body, state, progress_chat_id, progress_message_id,"
    " created_at, reported_at"
)


def _broadcast(row: aiosqlite.Row) -> Broadcast:
    return Broadcast(
        row["id"],
        row["author_telegram_id"],
        row["audience"],
        row["body"],
        row["state"],
        row["progress_chat_id"],
        row["progress_message_id"],
        from_iso(row["created_at"]),
        row["reported_at"] is not None,
    )


async def recipients(conn: aiosqlite.Connection, team_id: int | None) -> list[Recipient]:
    """Registered volunteers in chat (of one team, or all), with their language choice."""
    scope = "JOIN memberships m ON m.volunteer_id = v.id AND m.team_id = ?" if team_id else ""
    rows = await fetchall(
        conn,
        "SELECT DISTINCT v.telegram_id, a.language, a.telegram_language, a.unreachable_since"
        f" FROM volunteers v {scope}"
        " LEFT JOIN accounts a ON a.telegram_id = v.telegram_id"
        " WHERE v.telegram_id IS NOT NULL AND v.forgotten_at IS NULL ORDER BY v.id",
        (team_id,) if team_id else (),
    )
    return [
        Recipient(
            row["telegram_id"],
            row["language"],
            row["telegram_language"],
            row["unreachable_since"] is not None,
        )
        for row in rows
    ]


async def confirmed_of_activity(conn: aiosqlite.Connection, activity_id: int) -> list[Recipient]:
    """The confirmed volunteers of one activity, with their language choice."""
    rows = await fetchall(
        conn,
        "SELECT v.telegram_id, a.language, a.telegram_language, a.unreachable_since"
        " FROM signups s JOIN volunteers v ON v.id = s.volunteer_id"
        " LEFT JOIN accounts a ON a.telegram_id = v.telegram_id"
        " WHERE s.activity_id = ? AND s.status = 'confirmed' AND v.telegram_id IS NOT NULL"
        " ORDER BY s.id",
        (activity_id,),
    )
    return [
        Recipient(
            row["telegram_id"],
            row["language"],
            row["telegram_language"],
            row["unreachable_since"] is not None,
        )
        for row in rows
    ]


async def insert(
    conn: aiosqlite.Connection, author: int, audience: str, body: str, chat_id: int, now: datetime
) -> int:
    cursor = await conn.execute(
        "INSERT INTO broadcasts (author_telegram_id, audience, body, progress_chat_id, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (author, audience, body, chat_id, iso(now)),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


async def get(conn: aiosqlite.Connection, broadcast_id: int) -> Broadcast | None:
    row = await fetchone(conn, f"SELECT {_COLUMNS} FROM broadcasts WHERE id = ?", (broadcast_id,))
    return _broadcast(row) if row else None


async def running(conn: aiosqlite.Connection) -> list[Broadcast]:
    rows = await fetchall(
        conn, f"SELECT {_COLUMNS} FROM broadcasts WHERE state = 'running' ORDER BY id"
    )
    return [_broadcast(row) for row in rows]


async def unreported(conn: aiosqlite.Connection) -> list[Broadcast]:
    """Running broadcasts, and ended ones whose final report is not given yet."""
    rows = await fetchall(
        conn, f"SELECT {_COLUMNS} FROM broadcasts WHERE reported_at IS NULL ORDER BY id"
    )
    return [_broadcast(row) for row in rows]


async def mark_reported(conn: aiosqlite.Connection, broadcast_id: int, now: datetime) -> bool:
    """Record that an ended broadcast's final report was given; False if it already was."""
    cursor = await conn.execute(
        "UPDATE broadcasts SET reported_at = ?"
        " WHERE id = ? AND reported_at IS NULL AND state != 'running'",
        (iso(now), broadcast_id),
    )
    return cursor.rowcount == 1


async def set_progress_message(
    conn: aiosqlite.Connection, broadcast_id: int, message_id: int
) -> None:
    await conn.execute(
        "UPDATE broadcasts SET progress_message_id = ? WHERE id = ?", (message_id, broadcast_id)
    )


async def end(conn: aiosqlite.Connection, broadcast_id: int, state: str, now: datetime) -> bool:
    """Move a running broadcast to done or stopped; False if it had already ended."""
    cursor = await conn.execute(
        "UPDATE broadcasts SET state = ?, finished_at = ? WHERE id = ? AND state = 'running'",
        (state, iso(now), broadcast_id),
    )
    return cursor.rowcount == 1

"""Check-ins (by location, code or the lead's hand), their presence signals and check-outs, and
the check-in codes leads show on site."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.domain.hours import CheckIn
from storage.rows import fetchall, fetchone, from_iso, iso


def _checkin(row: aiosqlite.Row) -> CheckIn:
    return CheckIn(
        row["activity_id"],
        row["volunteer_id"],
        row["method"],
        from_iso(row["checked_in_at"]),
        from_iso(row["checked_out_at"]) if row["checked_out_at"] else None,
        row["distance_m"],
        from_iso(row["last_seen_at"]) if row["last_seen_at"] else None,
    )


async def checkin(
    conn: aiosqlite.Connection, activity_id: int, volunteer_id: int
) -> CheckIn | None:
    row = await fetchone(
        conn,
        "SELECT * FROM checkins WHERE activity_id = ? AND volunteer_id = ?",
        (activity_id, volunteer_id),
    )
    return _checkin(row) if row else None


async def insert_checkin(
    conn: aiosqlite.Connection,
    activity_id: int,
    volunteer_id: int,
    method: str,
    at: datetime,
    distance_m: float | None = None,
    marked_by: int | None = None,
) -> bool:
    """False if this person already checked in to this activity (the first one stands)."""
    cursor = await conn.execute(
        "INSERT INTO checkins (activity_id, volunteer_id, method, distance_m, marked_by,"
        " checked_in_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (activity_id, volunteer_id, method, distance_m, marked_by, iso(at)),
    )
    return cursor.rowcount == 1


async def remove_checkin(conn: aiosqlite.Connection, activity_id: int, volunteer_id: int) -> bool:
    """A presence marked by hand by mistake (only before the attendance sheet exists)."""
    cursor = await conn.execute(
        "DELETE FROM checkins WHERE activity_id = ? AND volunteer_id = ? AND method = 'lead'",
        (activity_id, volunteer_id),
    )
    return cursor.rowcount == 1


async def checkout(
    conn: aiosqlite.Connection, activity_id: int, volunteer_id: int, at: datetime
) -> bool:
    cursor = await conn.execute(
        "UPDATE checkins SET checked_out_at = MAX(?, checked_in_at)"
        " WHERE activity_id = ? AND volunteer_id = ? AND checked_out_at IS NULL",
        (iso(at), activity_id, volunteer_id),
    )
    return cursor.rowcount == 1


async def touch_checkin(
    conn: aiosqlite.Connection, activity_id: int, volunteer_id: int, at: datetime
) -> bool:
    """A presence signal (a code scanned again, a live location updated) on an open check-in:
    a forgotten check-out is credited up to the last one."""
    cursor = await conn.execute(
        "UPDATE checkins SET last_seen_at = MAX(COALESCE(last_seen_at, checked_in_at), ?)"
        " WHERE activity_id = ? AND volunteer_id = ? AND checked_out_at IS NULL",
        (iso(at), activity_id, volunteer_id),
    )
    return cursor.rowcount == 1


async def open_checkins_overlapping(
    conn: aiosqlite.Connection,
    volunteer_id: int,
    starts_at: datetime,
    ends_at: datetime,
    excluding_activity: int,
) -> list[str]:
    """Titles of other activities, overlapping the span, where the person is checked in and
    not yet out (before their attendance sheet)."""
    rows = await fetchall(
        conn,
        "SELECT a.title FROM checkins c JOIN activities a ON a.id = c.activity_id"
        " WHERE c.volunteer_id = ? AND c.checked_out_at IS NULL AND c.activity_id != ?"
        " AND a.starts_at < ? AND a.ends_at > ?"
        " AND NOT EXISTS (SELECT 1 FROM attendance_sheets s WHERE s.activity_id = a.id)"
        " ORDER BY a.starts_at",
        (volunteer_id, excluding_activity, iso(ends_at), iso(starts_at)),
    )
    return [row["title"] for row in rows]


async def open_checkins(conn: aiosqlite.Connection, volunteer_id: int) -> list[CheckIn]:
    """Check-ins not yet closed whose activity has no attendance sheet yet."""
    rows = await fetchall(
        conn,
        "SELECT c.* FROM checkins c WHERE c.volunteer_id = ? AND c.checked_out_at IS NULL"
        " AND NOT EXISTS (SELECT 1 FROM attendance_sheets s WHERE s.activity_id = c.activity_id)"
        " ORDER BY c.checked_in_at",
        (volunteer_id,),
    )
    return [_checkin(row) for row in rows]


async def checkins_of_activity(conn: aiosqlite.Connection, activity_id: int) -> list[CheckIn]:
    rows = await fetchall(conn, "SELECT * FROM checkins WHERE activity_id = ?", (activity_id,))
    return [_checkin(row) for row in rows]


async def insert_code(
    conn: aiosqlite.Connection,
    token: str,
    activity_id: int,
    issued_by: int,
    at: datetime,
    expires_at: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO checkin_codes (token, activity_id, issued_by, issued_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (token, activity_id, issued_by, iso(at), iso(expires_at)),
    )


async def code(conn: aiosqlite.Connection, token: str) -> tuple[int, datetime] | None:
    """The activity a code belongs to and when it expires."""
    row = await fetchone(
        conn, "SELECT activity_id, expires_at FROM checkin_codes WHERE token = ?", (token,)
    )
    return (row["activity_id"], from_iso(row["expires_at"])) if row else None

"""Attendance sheets: made once an activity has ended, approved by a lead, with when its leads
were reminded and the admins told."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.rows import fetchall, fetchone, from_iso, iso


async def ended_without_sheet(
    conn: aiosqlite.Connection, ended_before: datetime, limit: int
) -> list[int]:
    rows = await fetchall(
        conn,
        "SELECT a.id FROM activities a WHERE a.state = 'published' AND a.ends_at <= ?"
        " AND NOT EXISTS (SELECT 1 FROM attendance_sheets s WHERE s.activity_id = a.id)"
        " ORDER BY a.ends_at LIMIT ?",
        (iso(ended_before), limit),
    )
    return [int(row["id"]) for row in rows]


async def insert_sheet(conn: aiosqlite.Connection, activity_id: int, at: datetime) -> bool:
    cursor = await conn.execute(
        "INSERT INTO attendance_sheets (activity_id, created_at) VALUES (?, ?)"
        " ON CONFLICT DO NOTHING",
        (activity_id, iso(at)),
    )
    return cursor.rowcount == 1


async def sheet(
    conn: aiosqlite.Connection, activity_id: int
) -> tuple[datetime, datetime | None] | None:
    """When the sheet was made and when it was approved, or None if there is none yet."""
    row = await fetchone(
        conn,
        "SELECT created_at, approved_at FROM attendance_sheets WHERE activity_id = ?",
        (activity_id,),
    )
    if row is None:
        return None
    return from_iso(row["created_at"]), (
        from_iso(row["approved_at"]) if row["approved_at"] else None
    )


async def approve_sheet(
    conn: aiosqlite.Connection, activity_id: int, by: int, at: datetime
) -> bool:
    cursor = await conn.execute(
        "UPDATE attendance_sheets SET approved_at = ?, approved_by = ?"
        " WHERE activity_id = ? AND approved_at IS NULL",
        (iso(at), by, activity_id),
    )
    return cursor.rowcount == 1


async def sheets_waiting(
    conn: aiosqlite.Connection, made_before: datetime, column: str
) -> list[int]:
    """Unapproved sheets made before a moment whose `column` (reminded_at or escalated_at)
    is not yet set."""
    assert column in ("reminded_at", "escalated_at")
    rows = await fetchall(
        conn,
        f"SELECT activity_id FROM attendance_sheets WHERE approved_at IS NULL"
        f" AND created_at <= ? AND {column} IS NULL ORDER BY created_at",
        (iso(made_before),),
    )
    return [int(row["activity_id"]) for row in rows]


async def mark_sheet(
    conn: aiosqlite.Connection, activity_id: int, column: str, at: datetime
) -> None:
    assert column in ("reminded_at", "escalated_at")
    await conn.execute(
        f"UPDATE attendance_sheets SET {column} = ? WHERE activity_id = ?",
        (iso(at), activity_id),
    )

"""Lead messages that show a rotating check-in code: kept so that the rotation survives a
restart."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.domain.hours import CodeDisplay
from storage.rows import fetchall, iso


async def save(conn: aiosqlite.Connection, display: CodeDisplay, at: datetime) -> None:
    """The newest display of a chat and activity replaces the one before."""
    await conn.execute(
        "INSERT INTO code_displays (chat_id, activity_id, message_id, lead_telegram_id,"
        " created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (chat_id, activity_id) DO UPDATE SET"
        " message_id = excluded.message_id, lead_telegram_id = excluded.lead_telegram_id,"
        " created_at = excluded.created_at",
        (display.chat, display.activity, display.message, display.lead, iso(at)),
    )


async def drop(conn: aiosqlite.Connection, chat_id: int, activity_id: int) -> None:
    await conn.execute(
        "DELETE FROM code_displays WHERE chat_id = ? AND activity_id = ?", (chat_id, activity_id)
    )


async def in_progress(conn: aiosqlite.Connection, now: datetime) -> list[CodeDisplay]:
    """Displays of published activities that have not ended yet."""
    rows = await fetchall(
        conn,
        "SELECT d.chat_id, d.message_id, d.activity_id, d.lead_telegram_id"
        " FROM code_displays d JOIN activities a ON a.id = d.activity_id"
        " WHERE a.state = 'published' AND a.ends_at > ? ORDER BY d.created_at",
        (iso(now),),
    )
    return [
        CodeDisplay(row["chat_id"], row["message_id"], row["activity_id"], row["lead_telegram_id"])
        for row in rows
    ]


async def drop_ended(conn: aiosqlite.Connection, now: datetime) -> int:
    """Displays of activities that ended or were cancelled: nothing left to rotate."""
    cursor = await conn.execute(
        "DELETE FROM code_displays WHERE activity_id IN (SELECT id FROM activities"
        " WHERE state != 'published' OR ends_at <= ?)",
        (iso(now),),
    )
    return cursor.rowcount

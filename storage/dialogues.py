"""The step each person is at in a multi-step dialogue."""

from __future__ import annotations

import json
from datetime import datetime

import aiosqlite

from bot.domain.models import Dialogue
from storage.rows import fetchone, iso


async def get(conn: aiosqlite.Connection, telegram_id: int) -> Dialogue | None:
    row = await fetchone(
        conn, "SELECT flow, step, data FROM dialogues WHERE telegram_id = ?", (telegram_id,)
    )
    return Dialogue(row["flow"], row["step"], json.loads(row["data"])) if row else None


async def put(
    conn: aiosqlite.Connection, telegram_id: int, dialogue: Dialogue, now: datetime
) -> None:
    await conn.execute(
        "INSERT INTO dialogues (telegram_id, flow, step, data, updated_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (telegram_id) DO UPDATE SET flow = excluded.flow, step = excluded.step,"
        " data = excluded.data, updated_at = excluded.updated_at",
        (telegram_id, dialogue.flow, dialogue.step, json.dumps(dialogue.data), iso(now)),
    )


async def delete(conn: aiosqlite.Connection, telegram_id: int) -> bool:
    cursor = await conn.execute("DELETE FROM dialogues WHERE telegram_id = ?", (telegram_id,))
    return cursor.rowcount == 1


async def delete_older_than(conn: aiosqlite.Connection, cutoff: datetime) -> int:
    cursor = await conn.execute("DELETE FROM dialogues WHERE updated_at < ?", (iso(cutoff),))
    return cursor.rowcount

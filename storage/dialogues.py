"""The step each person is at in a multi-step dialogue."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.domain.dialogues import D, Dialogue, DialogueData, read_dialogue
from storage.rows import fetchone, iso


async def get(conn: aiosqlite.Connection, telegram_id: int) -> Dialogue[DialogueData] | None:
    """The person's dialogue; UnreadableDialogue if its row no longer fits its flow's model."""
    row = await fetchone(
        conn, "SELECT flow, step, data FROM dialogues WHERE telegram_id = ?", (telegram_id,)
    )
    return read_dialogue(row["flow"], row["step"], row["data"]) if row else None


async def put(
    conn: aiosqlite.Connection, telegram_id: int, dialogue: Dialogue[D], now: datetime
) -> None:
    await conn.execute(
        "INSERT INTO dialogues (telegram_id, flow, step, data, updated_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (telegram_id) DO UPDATE SET flow = excluded.flow, step = excluded.step,"
        " data = excluded.data, updated_at = excluded.updated_at",
        (telegram_id, dialogue.flow, dialogue.step, dialogue.data.model_dump_json(), iso(now)),
    )


async def delete(conn: aiosqlite.Connection, telegram_id: int) -> bool:
    cursor = await conn.execute("DELETE FROM dialogues WHERE telegram_id = ?", (telegram_id,))
    return cursor.rowcount == 1


async def delete_older_than(conn: aiosqlite.Connection, cutoff: datetime) -> int:
    cursor = await conn.execute("DELETE FROM dialogues WHERE updated_at < ?", (iso(cutoff),))
    return cursor.rowcount

"""Chat accounts: every person who has written to the bot, and their language choice."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.domain.models import Account, Language
from storage.rows import fetchone, iso


def _account(row: aiosqlite.Row) -> Account:
    return Account(
        row["telegram_id"],
        row["language"],
        row["telegram_language"],
        row["unreachable_since"] is not None,
    )


async def get(conn: aiosqlite.Connection, telegram_id: int) -> Account | None:
    row = await fetchone(
        conn,
        "SELECT telegram_id, language, telegram_language, unreachable_since FROM accounts"
        " WHERE telegram_id = ?",
        (telegram_id,),
    )
    return _account(row) if row else None


async def upsert_seen(
    conn: aiosqlite.Connection, telegram_id: int, telegram_language: str | None, now: datetime
) -> None:
    await conn.execute(
        "INSERT INTO accounts (telegram_id, telegram_language, first_seen, last_seen)"
        " VALUES (?, ?, ?, ?)"
        " ON CONFLICT (telegram_id) DO UPDATE SET telegram_language = excluded.telegram_language,"
        " last_seen = excluded.last_seen, unreachable_since = NULL",
        (telegram_id, telegram_language, iso(now), iso(now)),
    )


async def set_language(
    conn: aiosqlite.Connection, telegram_id: int, language: Language, now: datetime
) -> None:
    await conn.execute(
        "INSERT INTO accounts (telegram_id, language, first_seen, last_seen) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (telegram_id) DO UPDATE SET language = excluded.language,"
        " last_seen = excluded.last_seen",
        (telegram_id, language, iso(now), iso(now)),
    )


async def set_unreachable(
    conn: aiosqlite.Connection, telegram_id: int, since: datetime | None, now: datetime
) -> None:
    """Mark (or, with since=None, clear) that the person cannot be written to."""
    await conn.execute(
        "INSERT INTO accounts (telegram_id, unreachable_since, first_seen, last_seen)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (telegram_id) DO UPDATE SET"
        " unreachable_since = excluded.unreachable_since",
        (telegram_id, iso(since) if since else None, iso(now), iso(now)),
    )

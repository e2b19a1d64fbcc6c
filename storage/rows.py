"""Small helpers shared by the storage modules."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import aiosqlite


def iso(moment: datetime) -> str:
    return moment.isoformat()


def from_iso(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def fetchone(
    conn: aiosqlite.Connection, sql: str, params: Iterable[Any] = ()
) -> aiosqlite.Row | None:
    async with conn.execute(sql, tuple(params)) as cursor:
        return await cursor.fetchone()


async def fetchall(
    conn: aiosqlite.Connection, sql: str, params: Iterable[Any] = ()
) -> list[aiosqlite.Row]:
    async with conn.execute(sql, tuple(params)) as cursor:
        return list(await cursor.fetchall())


def like_pattern(fragment: str) -> str:
    """A LIKE pattern matching the fragment literally anywhere (escape char is backslash)."""
    escaped = fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"

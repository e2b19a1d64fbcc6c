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


async def fetchall(
    conn: aiosqlite.Connection, sql: str, params: Iterable[Any] = ()
) -> list[aiosqlite.Row]:
    # One trip to the connection's thread instead of three (execute, fetch, close).
    return list(await conn.execute_fetchall(sql, tuple(params)))


async def fetchone(
    conn: aiosqlite.Connection, sql: str, params: Iterable[Any] = ()
) -> aiosqlite.Row | None:
    rows = await fetchall(conn, sql, params)
    return rows[0] if rows else None


def like_pattern(fragment: str) -> str:
    """A LIKE pattern matching the fragment literally anywhere (escape char is backslash)."""
    escaped = fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"

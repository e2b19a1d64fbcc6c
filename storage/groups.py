"""Group chats linked to teams."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.rows import fetchone, iso


async def link(
    conn: aiosqlite.Connection,
    chat_id: int,
    team_id: int,
    title: str | None,
    actor: int,
    now: datetime,
) -> None:
    """Link the group to the team; a team has one group and a group serves one team."""
    await conn.execute(
        "DELETE FROM team_groups WHERE team_id = ? OR chat_id = ?", (team_id, chat_id)
    )
    await conn.execute(
        "INSERT INTO team_groups (chat_id, team_id, title, linked_by, linked_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (chat_id, team_id, title, actor, iso(now)),
    )


async def unlink(conn: aiosqlite.Connection, chat_id: int) -> bool:
    cursor = await conn.execute("DELETE FROM team_groups WHERE chat_id = ?", (chat_id,))
    return cursor.rowcount == 1


async def move(conn: aiosqlite.Connection, old: int, new: int) -> None:
    await conn.execute("UPDATE team_groups SET chat_id = ? WHERE chat_id = ?", (new, old))


async def chat_of_team(conn: aiosqlite.Connection, team_id: int) -> int | None:
    row = await fetchone(conn, "SELECT chat_id FROM team_groups WHERE team_id = ?", (team_id,))
    return int(row["chat_id"]) if row else None


async def team_of_chat(conn: aiosqlite.Connection, chat_id: int) -> int | None:
    row = await fetchone(conn, "SELECT team_id FROM team_groups WHERE chat_id = ?", (chat_id,))
    return int(row["team_id"]) if row else None

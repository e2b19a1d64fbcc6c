"""Who leads which team, and the append-only log of role changes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import aiosqlite

from bot.domain.models import LeadAssignment, Team
from storage.rows import fetchall, iso


async def team_keys_led_by(conn: aiosqlite.Connection, volunteer_id: int) -> frozenset[str]:
    rows = await fetchall(
        conn,
        "SELECT t.key FROM team_leads l JOIN teams t ON t.id = l.team_id WHERE l.volunteer_id = ?",
        (volunteer_id,),
    )
    return frozenset(row["key"] for row in rows)


async def add(
    conn: aiosqlite.Connection, volunteer_id: int, team_id: int, actor: int, now: datetime
) -> bool:
    """Make the volunteer a lead of the team; False if they already were."""
    cursor = await conn.execute(
        "INSERT OR IGNORE INTO team_leads (volunteer_id, team_id, appointed_by, appointed_at)"
        " VALUES (?, ?, ?, ?)",
        (volunteer_id, team_id, actor, iso(now)),
    )
    return cursor.rowcount == 1


async def remove(conn: aiosqlite.Connection, volunteer_id: int, team_id: int) -> bool:
    """Remove the lead role; False if they did not hold it."""
    cursor = await conn.execute(
        "DELETE FROM team_leads WHERE volunteer_id = ? AND team_id = ?", (volunteer_id, team_id)
    )
    return cursor.rowcount == 1


async def all_assignments(conn: aiosqlite.Connection) -> list[LeadAssignment]:
    rows = await fetchall(
        conn,
        "SELECT v.id, v.name, t.id AS team_id, t.key, t.name_zh, t.name_en"
        " FROM team_leads l JOIN volunteers v ON v.id = l.volunteer_id"
        " JOIN teams t ON t.id = l.team_id ORDER BY t.id, v.name",
    )
    return [
        LeadAssignment(
            row["id"], row["name"], Team(row["team_id"], row["key"], row["name_zh"], row["name_en"])
        )
        for row in rows
    ]


async def telegram_ids_of_team(conn: aiosqlite.Connection, team_key: str) -> list[int]:
    """The Telegram ids of a team's leads (those still reachable by an id)."""
    rows = await fetchall(
        conn,
        "SELECT v.telegram_id FROM team_leads l JOIN volunteers v ON v.id = l.volunteer_id"
        " JOIN teams t ON t.id = l.team_id WHERE t.key = ? AND v.telegram_id IS NOT NULL"
        " ORDER BY v.id",
        (team_key,),
    )
    return [int(row["telegram_id"]) for row in rows]


async def log_change(
    conn: aiosqlite.Connection,
    actor: int,
    action: Literal["promote", "demote", "add_team"],
    team_id: int,
    volunteer_id: int | None,
    now: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO role_changes (at, actor_telegram_id, action, volunteer_id, team_id)"
        " VALUES (?, ?, ?, ?, ?)",
        (iso(now), actor, action, volunteer_id, team_id),
    )

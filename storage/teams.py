"""Teams and who belongs to them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import aiosqlite

from bot.domain.models import Team, TeamOverview
from storage.rows import fetchall, fetchone, iso

_COLUMNS = "id, key, name_zh, name_en"


def _team(row: aiosqlite.Row) -> Team:
    return Team(row["id"], row["key"], row["name_zh"], row["name_en"])


async def all_teams(conn: aiosqlite.Connection) -> list[Team]:
    return [_team(row) for row in await fetchall(conn, f"SELECT {_COLUMNS} FROM teams ORDER BY id")]


async def by_key(conn: aiosqlite.Connection, key: str) -> Team | None:
    row = await fetchone(conn, f"SELECT {_COLUMNS} FROM teams WHERE key = ?", (key,))
    return _team(row) if row else None


async def by_id(conn: aiosqlite.Connection, team_id: int) -> Team | None:
    row = await fetchone(conn, f"SELECT {_COLUMNS} FROM teams WHERE id = ?", (team_id,))
    return _team(row) if row else None


async def upsert(
    conn: aiosqlite.Connection, key: str, name_zh: str, name_en: str, now: datetime
) -> Team:
    """Insert the team, or update its names if the key exists."""
    row = await fetchone(
        conn,
        "INSERT INTO teams (key, name_zh, name_en, created_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (key) DO UPDATE SET name_zh = excluded.name_zh, name_en = excluded.name_en"
        f" RETURNING {_COLUMNS}",
        (key, name_zh, name_en, iso(now)),
    )
    assert row is not None
    return _team(row)


async def insert_new(
    conn: aiosqlite.Connection, key: str, name_zh: str, name_en: str, now: datetime
) -> Team | None:
    """Insert the team; None if the key is taken."""
    row = await fetchone(
        conn,
        "INSERT INTO teams (key, name_zh, name_en, created_at) VALUES (?, ?, ?, ?)"
        f" ON CONFLICT (key) DO NOTHING RETURNING {_COLUMNS}",
        (key, name_zh, name_en, iso(now)),
    )
    return _team(row) if row else None


async def overview(conn: aiosqlite.Connection) -> list[TeamOverview]:
    """Every team with its member count and its leads' names."""
    teams = await all_teams(conn)
    counts = {
        row["team_id"]: row["members"]
        for row in await fetchall(
            conn, "SELECT team_id, COUNT(*) AS members FROM memberships GROUP BY team_id"
        )
    }
    leads: dict[int, list[str]] = {}
    for row in await fetchall(
        conn,
        "SELECT l.team_id, v.name FROM team_leads l JOIN volunteers v ON v.id = l.volunteer_id"
        " ORDER BY l.appointed_at, v.id",
    ):
        leads.setdefault(row["team_id"], []).append(row["name"])
    return [
        TeamOverview(team, counts.get(team.id, 0), tuple(leads.get(team.id, ()))) for team in teams
    ]


async def set_memberships(
    conn: aiosqlite.Connection, volunteer_id: int, team_ids: Sequence[int], now: datetime
) -> None:
    """Make the volunteer a member of exactly these teams, keeping join dates of the rest."""
    placeholders = ",".join("?" * len(team_ids))
    await conn.execute(
        f"DELETE FROM memberships WHERE volunteer_id = ? AND team_id NOT IN ({placeholders})",
        (volunteer_id, *team_ids),
    )
    await conn.executemany(
        "INSERT OR IGNORE INTO memberships (volunteer_id, team_id, joined_at) VALUES (?, ?, ?)",
        [(volunteer_id, team_id, iso(now)) for team_id in team_ids],
    )


async def add_memberships(
    conn: aiosqlite.Connection, volunteer_id: int, team_ids: Sequence[int], now: datetime
) -> None:
    """Add these memberships, keeping the others."""
    await conn.executemany(
        "INSERT OR IGNORE INTO memberships (volunteer_id, team_id, joined_at) VALUES (?, ?, ?)",
        [(volunteer_id, team_id, iso(now)) for team_id in team_ids],
    )


async def add_memberships_of_many(
    conn: aiosqlite.Connection, memberships: Sequence[tuple[int, int]], now: datetime
) -> None:
    """Add these (volunteer id, team id) memberships, keeping the others."""
    await conn.executemany(
        "INSERT OR IGNORE INTO memberships (volunteer_id, team_id, joined_at) VALUES (?, ?, ?)",
        [(volunteer_id, team_id, iso(now)) for volunteer_id, team_id in memberships],
    )

"""Coverage of the households: how many each team and community has, visited since a day, due
and overdue; households visited per month. Read from the figures migration 016's triggers keep
(each household's last counted visit, the households visited per team and month), so a city of
20,000 households is read from one index and a few hundred summary rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import aiosqlite

from storage.rows import fetchall


@dataclass(frozen=True)
class CoverageRow:
    team_id: int
    community: str | None  # None: the team as a whole
    households: int
    visited: int  # visited on or after the day asked
    due: int  # due by the day asked (overdue ones included)
    overdue: int  # due before the overdue day asked


def _scope(team_ids: Sequence[int] | None, column: str) -> tuple[str, tuple[int, ...]]:
    if team_ids is None:
        return "", ()
    return f" WHERE {column} IN ({', '.join('?' for _ in team_ids) or 'NULL'})", tuple(team_ids)


async def _grouped(
    conn: aiosqlite.Connection,
    team_ids: Sequence[int] | None,
    by_community: bool,
    visited_since: date,
    today: date,
    overdue_before: date,
) -> list[CoverageRow]:
    where, params = _scope(team_ids, "team_id")
    group = "team_id, community" if by_community else "team_id"
    rows = await fetchall(
        conn,
        f"SELECT team_id, {'community' if by_community else 'NULL'} AS community,"
        " COUNT(*) AS households, COALESCE(SUM(last_visited_on >= ?), 0) AS visited,"
        " COALESCE(SUM(due_on <= ?), 0) AS due, COALESCE(SUM(due_on < ?), 0) AS overdue"
        f" FROM households{where} GROUP BY {group} ORDER BY {group}",
        (visited_since.isoformat(), today.isoformat(), overdue_before.isoformat(), *params),
    )
    return [
        CoverageRow(
            row["team_id"],
            row["community"],
            row["households"],
            row["visited"],
            row["due"],
            row["overdue"],
        )
        for row in rows
    ]


async def by_community(
    conn: aiosqlite.Connection,
    team_ids: Sequence[int] | None,
    visited_since: date,
    today: date,
    overdue_before: date,
) -> list[CoverageRow]:
    """One row per team and community (None: every team): households, visited since a day,
    due by a day, due before the overdue day."""
    return await _grouped(conn, team_ids, True, visited_since, today, overdue_before)


async def by_team(
    conn: aiosqlite.Connection,
    team_ids: Sequence[int] | None,
    visited_since: date,
    today: date,
    overdue_before: date,
) -> list[CoverageRow]:
    """The same figures, one row per team (city-wide: a hundred rows, not thousands)."""
    return await _grouped(conn, team_ids, False, visited_since, today, overdue_before)


async def visited_by_month(
    conn: aiosqlite.Connection, team_ids: Sequence[int] | None, first_month: date
) -> dict[str, int]:
    """Households visited in each month ('YYYY-MM') from `first_month` on."""
    where, params = _scope(team_ids, "team_id")
    joiner = " AND" if where else " WHERE"
    rows = await fetchall(
        conn,
        f"SELECT month, SUM(households) AS n FROM team_visit_months{where}{joiner} month >= ?"
        " GROUP BY month",
        (*params, first_month.isoformat()[:7]),
    )
    return {row["month"]: int(row["n"]) for row in rows}


async def registered_by_month(
    conn: aiosqlite.Connection, team_ids: Sequence[int] | None
) -> dict[str, int]:
    """Households registered in each month ('YYYY-MM'), every month."""
    where, params = _scope(team_ids, "team_id")
    rows = await fetchall(
        conn,
        f"SELECT substr(created_on, 1, 7) AS month, COUNT(*) AS n FROM households{where}"
        " GROUP BY month",
        params,
    )
    return {row["month"]: int(row["n"]) for row in rows}


async def visited_in_month(conn: aiosqlite.Connection, month: date) -> dict[tuple[int, str], int]:
    """Households visited in the month, per team id and community (for the monthly report)."""
    rows = await fetchall(
        conn,
        "SELECT h.team_id, h.community, COUNT(*) AS n FROM household_months m"
        " JOIN households h ON h.id = m.household_id WHERE m.month = ?"
        " GROUP BY h.team_id, h.community",
        (month.isoformat()[:7],),
    )
    return {(row["team_id"], row["community"]): int(row["n"]) for row in rows}

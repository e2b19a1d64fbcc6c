"""Read side of service hours: leaderboards, the honor roll, reports, statistics and exports.
Periods are [start, end) of org-local dates (`served_on`)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import aiosqlite

from storage.records import PERSON_IN_CHARGE
from storage.rows import fetchall, fetchone, iso
from storage.volunteers import RELEASED


@dataclass(frozen=True)
class MemberTotal:
    volunteer_id: int
    name: str | None  # None once the person erased their data
    anonymous: bool
    minutes: int


@dataclass(frozen=True)
class TeamTotal:
    team_id: int
    key: str
    name_zh: str
    name_en: str
    minutes: int
    active: int  # volunteers with approved minutes in the period


@dataclass(frozen=True)
class ReportLine:
    """One volunteer's (or one team's) figures in a period."""

    id: int
    label: str | None
    approved: int
    pending: int
    no_shows: int
    records: int


async def team_totals(
    conn: aiosqlite.Connection, team_id: int, start: date, end: date
) -> list[MemberTotal]:
    """Approved minutes per volunteer for the team's records in the period (only those with
    minutes), most first."""
    rows = await fetchall(
        conn,
        "SELECT t.volunteer_id, v.name, v.anonymous, t.minutes FROM ("
        "  SELECT volunteer_id, SUM(minutes) AS minutes FROM service_records"
        "  WHERE team_id = ? AND state = 'approved' AND served_on >= ? AND served_on < ?"
        "  GROUP BY volunteer_id HAVING SUM(minutes) > 0) t"
        " JOIN volunteers v ON v.id = t.volunteer_id ORDER BY t.minutes DESC, t.volunteer_id",
        (team_id, start.isoformat(), end.isoformat()),
    )
    return [
        MemberTotal(row["volunteer_id"], row["name"], bool(row["anonymous"]), row["minutes"])
        for row in rows
    ]


async def honor_roll(conn: aiosqlite.Connection, start: date, end: date) -> list[TeamTotal]:
    rows = await fetchall(
        conn,
        "SELECT t.id, t.key, t.name_zh, t.name_en, s.minutes, s.active FROM ("
        "  SELECT team_id, SUM(minutes) AS minutes, COUNT(DISTINCT volunteer_id) AS active"
        "  FROM service_records WHERE state = 'approved' AND served_on >= ? AND served_on < ?"
        "  AND minutes > 0 GROUP BY team_id) s JOIN teams t ON t.id = s.team_id"
        " ORDER BY s.minutes DESC, t.id",
        (start.isoformat(), end.isoformat()),
    )
    return [
        TeamTotal(
            row["id"], row["key"], row["name_zh"], row["name_en"], row["minutes"], row["active"]
        )
        for row in rows
    ]


_FIGURES = (
    "SUM(CASE WHEN r.state = 'approved' THEN r.minutes ELSE 0 END) AS approved,"
    " SUM(CASE WHEN r.state IN ('pending', 'review', 'disputed') THEN r.minutes ELSE 0 END)"
    " AS pending,"
    " SUM(r.state = 'no_show') AS no_shows, COUNT(*) AS records"
)


def _line(row: aiosqlite.Row) -> ReportLine:
    return ReportLine(
        row["id"], row["label"], row["approved"], row["pending"], row["no_shows"], row["records"]
    )


async def by_volunteer(
    conn: aiosqlite.Connection,
    team_ids: list[int] | None,
    start: date,
    end: date,
    limit: int,
    offset: int,
) -> tuple[list[ReportLine], int]:
    """Per volunteer, most approved first (records of these teams; None: all teams)."""
    where, params = _scope(team_ids, start, end)
    # Aggregate and page first, then name only the page's volunteers.
    rows = await fetchall(
        conn,
        f"SELECT s.*, v.name AS label FROM (SELECT r.volunteer_id AS id, {_FIGURES},"
        f" COUNT(*) OVER () AS total FROM service_records r WHERE {where}"
        " GROUP BY r.volunteer_id ORDER BY approved DESC, r.volunteer_id LIMIT ? OFFSET ?) s"
        " JOIN volunteers v ON v.id = s.id ORDER BY s.approved DESC, s.id",
        (*params, limit, offset),
    )
    return [_line(row) for row in rows], int(rows[0]["total"]) if rows else 0


_STATE_SUMS = (
    "SUM(CASE WHEN state = 'approved' THEN minutes ELSE 0 END) AS approved,"
    " SUM(CASE WHEN state IN ('pending', 'review', 'disputed') THEN minutes ELSE 0 END)"
    " AS pending"
)


async def by_team(
    conn: aiosqlite.Connection, team_ids: list[int] | None, start: date, end: date
) -> list[ReportLine]:
    """Per team, most approved first; the label is the team's key. Whole months come from
    the monthly totals the triggers keep; the days before and after them from the records."""
    first_full = start if start.day == 1 else _next_month(start)
    after_full = end.replace(day=1)
    teams_only = ""
    if team_ids is not None:
        teams_only = f" AND team_id IN ({', '.join('?' for _ in team_ids) or 'NULL'})"
    parts: list[tuple[str, tuple[object, ...]]] = []
    if first_full < after_full:
        parts.append(
            (
                "SELECT team_id, SUM(approved) AS approved, SUM(pending) AS pending,"
                " SUM(no_shows) AS no_shows, SUM(records) AS records FROM team_month_totals"
                f" WHERE month >= ? AND month < ?{teams_only} GROUP BY team_id",
                (f"{first_full:%Y-%m}", f"{after_full:%Y-%m}", *(team_ids or ())),
            )
        )
        edges = [(start, first_full), (after_full, end)]
    else:
        edges = [(start, end)]
    for edge_start, edge_end in edges:
        if edge_start < edge_end:
            parts.append(
                (
                    f"SELECT team_id, {_STATE_SUMS}, SUM(state = 'no_show') AS no_shows,"
                    " COUNT(*) AS records FROM service_records"
                    f" WHERE served_on >= ? AND served_on < ?{teams_only} GROUP BY team_id",
                    (edge_start.isoformat(), edge_end.isoformat(), *(team_ids or ())),
                )
            )
    if not parts:
        return []
    union = " UNION ALL ".join(sql for sql, _ in parts)
    rows = await fetchall(
        conn,
        "SELECT p.team_id AS id, t.key AS label, SUM(p.approved) AS approved,"
        " SUM(p.pending) AS pending, SUM(p.no_shows) AS no_shows, SUM(p.records) AS records"
        f" FROM ({union}) p JOIN teams t ON t.id = p.team_id GROUP BY p.team_id"
        " HAVING SUM(p.records) > 0 ORDER BY approved DESC, p.team_id",
        tuple(value for _, params in parts for value in params),
    )
    return [_line(row) for row in rows]


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


async def of_volunteer(
    conn: aiosqlite.Connection,
    volunteer_id: int,
    team_ids: list[int] | None,
    start: date,
    end: date,
) -> ReportLine:
    where, params = _scope(team_ids, start, end)
    row = await fetchone(
        conn,
        f"SELECT ? AS id, NULL AS label, {_FIGURES} FROM service_records r"
        f" WHERE r.volunteer_id = ? AND {where}",
        (volunteer_id, volunteer_id, *params),
    )
    assert row is not None
    return ReportLine(
        volunteer_id,
        None,
        row["approved"] or 0,
        row["pending"] or 0,
        row["no_shows"] or 0,
        row["records"],
    )


def _scope(team_ids: list[int] | None, start: date, end: date) -> tuple[str, tuple[object, ...]]:
    where = "r.served_on >= ? AND r.served_on < ?"
    params: tuple[object, ...] = (start.isoformat(), end.isoformat())
    if team_ids is not None:
        marks = ", ".join("?" for _ in team_ids) or "NULL"
        where += f" AND r.team_id IN ({marks})"
        params += tuple(team_ids)
    return where, params


async def stats(
    conn: aiosqlite.Connection,
    month: tuple[date, date],
    year: tuple[date, date],
    since: date,
    month_moments: tuple[datetime, datetime],
    year_moments: tuple[datetime, datetime],
) -> dict[str, object]:
    """City-wide figures for /stats."""
    volunteers = await fetchone(
        conn, "SELECT COUNT(*) AS n FROM volunteers WHERE forgotten_at IS NULL"
    )
    active = await fetchone(
        conn,
        "SELECT COUNT(DISTINCT volunteer_id) AS n FROM service_records"
        " WHERE served_on >= ? AND state IN ('approved', 'pending', 'review', 'disputed')",
        (since.isoformat(),),
    )
    figures: dict[str, object] = {
        "volunteers": volunteers["n"] if volunteers else 0,
        "active": active["n"] if active else 0,
    }
    for name, (start, end), (first, after) in (
        ("month", month, month_moments),
        ("year", year, year_moments),
    ):
        activities = await fetchone(
            conn,
            "SELECT COUNT(*) AS n FROM activities WHERE state = 'published'"
            " AND starts_at >= ? AND starts_at < ?",
            (iso(first), iso(after)),
        )
        hours = await fetchone(
            conn,
            "SELECT COALESCE(SUM(minutes), 0) AS minutes, SUM(state = 'no_show') AS no_shows,"
            " SUM(state IN ('approved', 'no_show') AND activity_id IS NOT NULL) AS decided"
            " FROM service_records WHERE served_on >= ? AND served_on < ?"
            " AND state IN ('approved', 'no_show')",
            (start.isoformat(), end.isoformat()),
        )
        figures[f"activities_{name}"] = activities["n"] if activities else 0
        figures[f"minutes_{name}"] = hours["minutes"] if hours else 0
        figures[f"no_shows_{name}"] = (hours["no_shows"] or 0) if hours else 0
        figures[f"decided_{name}"] = (hours["decided"] or 0) if hours else 0
    categories = await fetchall(
        conn,
        "SELECT category, SUM(minutes) AS minutes FROM service_records"
        " WHERE state = 'approved' AND served_on >= ? AND served_on < ?"
        " GROUP BY category ORDER BY minutes DESC LIMIT 5",
        (year[0].isoformat(), year[1].isoformat()),
    )
    figures["top_categories"] = [(row["category"], row["minutes"]) for row in categories]
    return figures


EXPORT_COLUMNS = (
    "record_id",
    "volunteer",
    "phone",
    "phone_verified",
    "activity",
    "date",
    "place",
    "content",
    "hours",
    "team",
    "person_in_charge",
    "state",
    "source",
)


def export_rows(
    conn: sqlite3.Connection, team_ids: list[int] | None, start: date, end: date, batch: int
) -> Iterator[list[sqlite3.Row]]:
    """The service records of a period (and teams), oldest first, a batch at a time, with
    the columns of EXPORT_COLUMNS (minutes instead of hours). Blocking, on a connection of
    its own (`storage.db.read_connection`): the read lasts as long as the file's writing."""
    where, params = _scope(team_ids, start, end)
    sql = (
        "WITH charge AS (SELECT l.team_id, MIN(lv.name) AS name FROM team_leads l"
        "   JOIN volunteers lv ON lv.id = l.volunteer_id GROUP BY l.team_id)"
        " SELECT r.id AS record_id, v.name AS volunteer,"
        f" CASE WHEN v.phone LIKE '{RELEASED}%' THEN NULL ELSE v.phone END AS phone,"
        " v.phone_verified, r.title AS activity,"
        " r.served_on AS date, r.place, r.content, r.minutes, t.name_zh AS team,"
        f" {PERSON_IN_CHARGE.replace(' AS lead', ' AS person_in_charge')}, r.state, r.source"
        " FROM service_records r JOIN volunteers v ON v.id = r.volunteer_id"
        " JOIN teams t ON t.id = r.team_id LEFT JOIN charge ON charge.team_id = r.team_id"
        f" WHERE {where} ORDER BY r.served_on, r.id"
    )
    cursor = conn.execute(sql, params)
    while rows := cursor.fetchmany(batch):
        yield rows


async def claim_digest(
    conn: aiosqlite.Connection, kind: str, period: date, target: int, now: datetime
) -> bool:
    """True the first time a digest is queued for this period and target."""
    cursor = await conn.execute(
        "INSERT INTO digests (kind, period, target, queued_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT DO NOTHING",
        (kind, period.isoformat(), target, iso(now)),
    )
    return cursor.rowcount == 1


async def digests_of(conn: aiosqlite.Connection, period: date) -> set[tuple[str, int]]:
    """(kind, target) of the digests already queued for this period."""
    rows = await fetchall(
        conn, "SELECT kind, target FROM digests WHERE period = ?", (period.isoformat(),)
    )
    return {(row["kind"], row["target"]) for row in rows}

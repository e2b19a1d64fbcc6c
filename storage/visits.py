"""Visits to households: each one beside the service record that credits it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import aiosqlite

from bot.domain.households import Visit
from storage.rows import fetchall, fetchone, from_iso, iso

_SELECT = (
    "SELECT v.id, v.household_id, v.volunteer_id, v.record_id, v.served_on, v.visited_at,"
    " v.distance_m, v.done, v.note, v.photo_file_id FROM visits v"
)


@dataclass(frozen=True)
class PendingVisit:
    """A visit waiting for its lead: which household, by whom, the minutes proposed."""

    visit: Visit
    code: str
    volunteer_name: str
    minutes: int


def _visit(row: aiosqlite.Row) -> Visit:
    return Visit(
        id=row["id"],
        household_id=row["household_id"],
        volunteer_id=row["volunteer_id"],
        record_id=row["record_id"],
        served_on=date.fromisoformat(row["served_on"]),
        visited_at=from_iso(row["visited_at"]),
        distance_m=row["distance_m"],
        done=tuple(row["done"].split()),
        note=row["note"],
        photo_file_id=row["photo_file_id"],
    )


async def insert(
    conn: aiosqlite.Connection,
    household_id: int,
    volunteer_id: int,
    record_id: int,
    served_on: date,
    at: datetime,
    distance_m: float | None,
    done: Sequence[str],
    note: str,
    photo_file_id: str | None,
) -> int:
    row = await fetchone(
        conn,
        "INSERT INTO visits (household_id, volunteer_id, record_id, served_on, visited_at,"
        " distance_m, done, note, photo_file_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " RETURNING id",
        (
            household_id,
            volunteer_id,
            record_id,
            served_on.isoformat(),
            iso(at),
            distance_m,
            " ".join(done),
            note,
            photo_file_id,
        ),
    )
    assert row is not None
    return int(row["id"])


async def logged_on(
    conn: aiosqlite.Connection, household_id: int, volunteer_id: int, day: date
) -> bool:
    row = await fetchone(
        conn,
        "SELECT 1 FROM visits WHERE household_id = ? AND volunteer_id = ? AND served_on = ?",
        (household_id, volunteer_id, day.isoformat()),
    )
    return row is not None


async def of_record(conn: aiosqlite.Connection, record_id: int) -> Visit | None:
    row = await fetchone(conn, f"{_SELECT} WHERE v.record_id = ?", (record_id,))
    return _visit(row) if row else None


async def pending(
    conn: aiosqlite.Connection, team_ids: Sequence[int] | None, limit: int
) -> list[PendingVisit]:
    """Visits of these teams' households (None: every team) whose record waits for the lead,
    the oldest first."""
    scope = "" if team_ids is None else f" AND h.team_id IN ({', '.join('?' for _ in team_ids)})"
    rows = await fetchall(
        conn,
        "SELECT v.id, v.household_id, v.volunteer_id, v.record_id, v.served_on, v.visited_at,"
        " v.distance_m, v.done, v.note, v.photo_file_id, h.code, p.name, r.minutes"
        " FROM visits v JOIN service_records r ON r.id = v.record_id"
        " JOIN households h ON h.id = v.household_id JOIN volunteers p ON p.id = v.volunteer_id"
        f" WHERE r.state = 'pending'{scope} ORDER BY v.id LIMIT ?",
        (*(team_ids or ()), limit),
    )
    return [
        PendingVisit(_visit(row), row["code"], row["name"] or "", row["minutes"]) for row in rows
    ]


async def own_notes(conn: aiosqlite.Connection, volunteer_id: int) -> list[str]:
    """What the person wrote about their visits (to be cut out of messages quoting it)."""
    rows = await fetchall(
        conn,
        "SELECT note FROM visits WHERE volunteer_id = ? AND note IS NOT NULL AND note != ''",
        (volunteer_id,),
    )
    return [str(row["note"]) for row in rows]

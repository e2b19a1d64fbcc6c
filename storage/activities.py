"""Activities."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.domain.models import Activity
from storage.rows import fetchall, fetchone, from_iso, iso

_COLUMNS = (
    "a.id, t.key AS team_key, a.title, a.category, a.starts_at, a.ends_at, a.place,"
    " a.capacity, a.state, a.latitude, a.longitude, a.description"
)
_FROM = " FROM activities a JOIN teams t ON t.id = a.team_id"
_SELECT = f"SELECT {_COLUMNS}{_FROM}"


_COUNTS = (
    "(SELECT COUNT(*) FROM signups s WHERE s.activity_id = a.id AND s.status = 'confirmed')"
    " AS confirmed,"
    " (SELECT COUNT(*) FROM signups s WHERE s.activity_id = a.id AND s.status = 'waitlisted')"
    " AS waiting"
)


def _activity(row: aiosqlite.Row) -> Activity:
    return Activity(
        id=row["id"],
        team_key=row["team_key"],
        title=row["title"],
        category=row["category"],
        starts_at=from_iso(row["starts_at"]),
        ends_at=from_iso(row["ends_at"]),
        place=row["place"],
        capacity=row["capacity"],
        state=row["state"],
        latitude=row["latitude"],
        longitude=row["longitude"],
        description=row["description"],
    )


async def insert(
    conn: aiosqlite.Connection,
    team_id: int,
    draft: Activity,
    created_by: int,
    now: datetime,
) -> Activity:
    row = await fetchone(
        conn,
        "INSERT INTO activities (team_id, title, category, starts_at, ends_at, place, latitude,"
        " longitude, capacity, description, created_by, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (
            team_id,
            draft.title,
            draft.category,
            iso(draft.starts_at),
            iso(draft.ends_at),
            draft.place,
            draft.latitude,
            draft.longitude,
            draft.capacity,
            draft.description,
            created_by,
            iso(now),
            iso(now),
        ),
    )
    assert row is not None
    created = await get(conn, int(row["id"]))
    assert created is not None
    return created


async def get(conn: aiosqlite.Connection, activity_id: int) -> Activity | None:
    row = await fetchone(conn, f"{_SELECT} WHERE a.id = ?", (activity_id,))
    return _activity(row) if row else None


async def confirmed_of(
    conn: aiosqlite.Connection, volunteer_id: int, starts_at: datetime, ends_at: datetime
) -> list[Activity]:
    """Published activities the volunteer is confirmed or waitlisted for, overlapping a span."""
    rows = await fetchall(
        conn,
        f"{_SELECT} JOIN signups s ON s.activity_id = a.id"
        " WHERE s.volunteer_id = ? AND s.status != 'cancelled' AND a.state = 'published'"
        " AND a.starts_at < ? AND a.ends_at > ? ORDER BY a.starts_at",
        (volunteer_id, iso(ends_at), iso(starts_at)),
    )
    return [_activity(row) for row in rows]


async def clashes_of_roster(
    conn: aiosqlite.Connection, activity_id: int, starts_at: datetime, ends_at: datetime
) -> tuple[int, Activity | None]:
    """How many volunteers signed up for the activity (confirmed or waiting: the waiting may be
    promoted) are signed up for another published activity overlapping the span, and the
    earliest such activity."""
    where = (
        " JOIN signups other ON other.activity_id = a.id AND other.status != 'cancelled'"
        " JOIN signups mine ON mine.volunteer_id = other.volunteer_id"
        "  AND mine.activity_id = ? AND mine.status != 'cancelled'"
        " WHERE a.id != ? AND a.state = 'published' AND a.starts_at < ? AND a.ends_at > ?"
    )
    params = (activity_id, activity_id, iso(ends_at), iso(starts_at))
    count = await fetchone(
        conn, f"SELECT COUNT(DISTINCT other.volunteer_id) FROM activities a{where}", params
    )
    first = await fetchone(conn, f"{_SELECT}{where} ORDER BY a.starts_at LIMIT 1", params)
    return (int(count[0]) if count else 0), (_activity(first) if first else None)


async def upcoming(
    conn: aiosqlite.Connection,
    now: datetime,
    limit: int,
    offset: int,
    team_id: int | None = None,
    category: str | None = None,
) -> tuple[list[tuple[Activity, int, int]], int]:
    """Published activities not yet started (of one team, of one category, if given),
    soonest first, with (confirmed, waitlisted) counts; and how many there are in all."""
    where = (
        " WHERE a.state = 'published' AND a.starts_at > ?"
        " AND (? IS NULL OR a.team_id = ?) AND (? IS NULL OR a.category = ?)"
    )
    params = (iso(now), team_id, team_id, category, category)
    # One round trip: the page, its counts, and the total via a window function.
    rows = await fetchall(
        conn,
        f"SELECT {_COLUMNS}, {_COUNTS}, COUNT(*) OVER () AS total{_FROM}{where}"
        " ORDER BY a.starts_at, a.id LIMIT ? OFFSET ?",
        (*params, limit, offset),
    )
    if rows:
        total = int(rows[0]["total"])
    else:
        counted = await fetchone(conn, f"SELECT COUNT(*) AS n FROM activities a{where}", params)
        total = int(counted["n"]) if counted else 0
    return [(_activity(row), int(row["confirmed"]), int(row["waiting"])) for row in rows], total


async def of_volunteer(
    conn: aiosqlite.Connection, volunteer_id: int, now: datetime, past_limit: int
) -> tuple[list[tuple[Activity, str]], list[Activity]]:
    """The volunteer's sign-ups not yet ended (with their status), soonest first; and the
    most recent ended ones they were confirmed for."""
    rows = await fetchall(
        conn,
        f"SELECT {_COLUMNS}, s.status{_FROM} JOIN signups s ON s.activity_id = a.id"
        " WHERE s.volunteer_id = ? AND s.status != 'cancelled' AND a.ends_at > ?"
        " ORDER BY a.starts_at, a.id",
        (volunteer_id, iso(now)),
    )
    past = await fetchall(
        conn,
        f"SELECT {_COLUMNS}{_FROM} JOIN signups s ON s.activity_id = a.id"
        " WHERE s.volunteer_id = ? AND s.status = 'confirmed' AND a.ends_at <= ?"
        " ORDER BY a.starts_at DESC LIMIT ?",
        (volunteer_id, iso(now), past_limit),
    )
    return [(_activity(row), str(row["status"])) for row in rows], [_activity(r) for r in past]


async def of_teams(
    conn: aiosqlite.Connection, team_keys: frozenset[str] | None, now: datetime, limit: int
) -> list[Activity]:
    """Activities of these teams (None: all teams) not yet ended, or ended with an attendance
    sheet still to approve; soonest first."""
    rows = await fetchall(
        conn,
        f"{_SELECT} WHERE a.ends_at > ? OR EXISTS (SELECT 1 FROM attendance_sheets s"
        " WHERE s.activity_id = a.id AND s.approved_at IS NULL) ORDER BY a.starts_at, a.id",
        (iso(now),),
    )
    found = [_activity(row) for row in rows]
    return [a for a in found if team_keys is None or a.team_key in team_keys][:limit]


async def cancel(conn: aiosqlite.Connection, activity_id: int, reason: str, now: datetime) -> bool:
    cursor = await conn.execute(
        "UPDATE activities SET state = 'cancelled', cancel_reason = ?, updated_at = ?"
        " WHERE id = ? AND state = 'published'",
        (reason, iso(now), activity_id),
    )
    return cursor.rowcount == 1


async def update(
    conn: aiosqlite.Connection,
    activity_id: int,
    now: datetime,
    *,
    place: str | None = None,
    capacity: int | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
) -> None:
    """Change the given fields of a published activity (the capacity trigger still applies)."""
    await conn.execute(
        "UPDATE activities SET place = coalesce(?, place), capacity = coalesce(?, capacity),"
        " starts_at = coalesce(?, starts_at), ends_at = coalesce(?, ends_at), updated_at = ?"
        " WHERE id = ? AND state = 'published'",
        (
            place,
            capacity,
            iso(starts_at) if starts_at else None,
            iso(ends_at) if ends_at else None,
            iso(now),
            activity_id,
        ),
    )

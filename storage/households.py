"""Households, the volunteers paired with them, and the nudges of due households. The private
contact note is read only by `household_file` (for the team's leads and admins)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import aiosqlite

from bot.domain.households import Household, HouseholdFile, Pairing
from storage.rows import fetchall, fetchone, from_iso, iso

_COLUMNS = (
    "h.id, h.code, t.key AS team_key, h.community, h.needs, h.cadence_days, h.created_on,"
    " h.last_visited_on, h.latitude, h.longitude, h.radius_m"
)
_FROM = " FROM households h JOIN teams t ON t.id = h.team_id"
_SELECT = f"SELECT {_COLUMNS}{_FROM}"


@dataclass(frozen=True)
class NewHousehold:
    code: str
    team_id: int
    community: str
    needs: tuple[str, ...]
    cadence_days: int
    contact_note: str
    latitude: float | None = None
    longitude: float | None = None
    radius_m: int | None = None


@dataclass(frozen=True)
class DueNudge:
    """A volunteer to nudge about a due household of theirs."""

    household: Household
    volunteer_id: int
    telegram_id: int
    nudged_on: date | None


def _household(row: aiosqlite.Row) -> Household:
    return Household(
        id=row["id"],
        code=row["code"],
        team_key=row["team_key"],
        community=row["community"],
        needs=tuple(row["needs"].split()),
        cadence_days=row["cadence_days"],
        created_on=date.fromisoformat(row["created_on"]),
        last_visited_on=(
            date.fromisoformat(row["last_visited_on"]) if row["last_visited_on"] else None
        ),
        latitude=row["latitude"],
        longitude=row["longitude"],
        radius_m=row["radius_m"],
    )


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" for _ in values) or "NULL"


async def insert_many(
    conn: aiosqlite.Connection,
    households: Sequence[NewHousehold],
    by: int,
    day: date,
    now: datetime,
) -> int:
    """Insert households whose code is not taken (a taken one is left as it is); how many
    were new."""
    before = conn.total_changes
    await conn.executemany(
        "INSERT INTO households (code, team_id, community, needs, cadence_days, latitude,"
        " longitude, radius_m, contact_note, created_by, created_on, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO NOTHING",
        [
            (
                h.code,
                h.team_id,
                h.community,
                " ".join(h.needs),
                h.cadence_days,
                h.latitude,
                h.longitude,
                h.radius_m,
                h.contact_note,
                by,
                day.isoformat(),
                iso(now),
                iso(now),
            )
            for h in households
        ],
    )
    return conn.total_changes - before


async def insert(
    conn: aiosqlite.Connection, household: NewHousehold, by: int, day: date, now: datetime
) -> int | None:
    """The new household's id; None if its code is taken."""
    if not await insert_many(conn, [household], by, day, now):
        return None
    found = await by_code(conn, household.code)
    assert found is not None
    return found.id


async def teams_of_codes(conn: aiosqlite.Connection, codes: Sequence[str]) -> dict[str, int]:
    """The team id of each of these codes that is taken."""
    found: dict[str, int] = {}
    for first in range(0, len(codes), 500):
        part = codes[first : first + 500]
        rows = await fetchall(
            conn, f"SELECT code, team_id FROM households WHERE code IN ({_marks(part)})", part
        )
        found |= {row["code"]: row["team_id"] for row in rows}
    return found


async def by_id(conn: aiosqlite.Connection, household_id: int) -> Household | None:
    row = await fetchone(conn, f"{_SELECT} WHERE h.id = ?", (household_id,))
    return _household(row) if row else None


async def by_code(conn: aiosqlite.Connection, code: str) -> Household | None:
    row = await fetchone(conn, f"{_SELECT} WHERE h.code = ?", (code,))
    return _household(row) if row else None


async def household_file(conn: aiosqlite.Connection, household_id: int) -> HouseholdFile | None:
    """The household with its private contact note and its pairings: for the team's leads
    and admins only."""
    household = await by_id(conn, household_id)
    if household is None:
        return None
    note = await fetchone(conn, "SELECT contact_note FROM households WHERE id = ?", (household_id,))
    assert note is not None
    return HouseholdFile(household, note["contact_note"], tuple(await pairings(conn, household_id)))


async def pairings(conn: aiosqlite.Connection, household_id: int) -> list[Pairing]:
    rows = await fetchall(
        conn,
        "SELECT p.volunteer_id, v.name, p.paired_at FROM pairings p"
        " JOIN volunteers v ON v.id = p.volunteer_id WHERE p.household_id = ?"
        " ORDER BY p.paired_at, p.volunteer_id",
        (household_id,),
    )
    return [
        Pairing(row["volunteer_id"], row["name"] or "", from_iso(row["paired_at"])) for row in rows
    ]


async def of_teams(
    conn: aiosqlite.Connection, team_ids: Sequence[int] | None, limit: int, offset: int
) -> tuple[list[Household], int]:
    """Households of these teams (None: every team), the most overdue first, a page at a
    time; and how many there are."""
    where = "" if team_ids is None else f" WHERE h.team_id IN ({_marks(team_ids)})"
    params = tuple(team_ids or ())
    rows = await fetchall(
        conn,
        f"{_SELECT}{where} ORDER BY h.due_on, h.code LIMIT ? OFFSET ?",
        (*params, limit, offset),
    )
    count = await fetchone(conn, f"SELECT COUNT(*) FROM households h{where}", params)
    assert count is not None
    return [_household(row) for row in rows], int(count[0])


async def of_volunteer(conn: aiosqlite.Connection, volunteer_id: int) -> list[Household]:
    """The households paired with a volunteer, the soonest due first."""
    rows = await fetchall(
        conn,
        f"{_SELECT} JOIN pairings p ON p.household_id = h.id WHERE p.volunteer_id = ?"
        " ORDER BY h.due_on, h.code",
        (volunteer_id,),
    )
    return [_household(row) for row in rows]


async def is_paired(conn: aiosqlite.Connection, household_id: int, volunteer_id: int) -> bool:
    row = await fetchone(
        conn,
        "SELECT 1 FROM pairings WHERE household_id = ? AND volunteer_id = ?",
        (household_id, volunteer_id),
    )
    return row is not None


async def pair(
    conn: aiosqlite.Connection,
    household_id: int,
    volunteer_id: int,
    by: int,
    now: datetime,
    most: int,
) -> bool:
    """Pair them unless the volunteer already has `most` households (one statement, inside
    the caller's write transaction: two pairings at once cannot both pass the count)."""
    cursor = await conn.execute(
        "INSERT INTO pairings (household_id, volunteer_id, paired_by, paired_at)"
        " SELECT ?, ?, ?, ? WHERE (SELECT COUNT(*) FROM pairings WHERE volunteer_id = ?) < ?"
        " ON CONFLICT DO NOTHING",
        (household_id, volunteer_id, by, iso(now), volunteer_id, most),
    )
    return cursor.rowcount == 1


async def unpair(conn: aiosqlite.Connection, household_id: int, volunteer_id: int) -> bool:
    cursor = await conn.execute(
        "DELETE FROM pairings WHERE household_id = ? AND volunteer_id = ?",
        (household_id, volunteer_id),
    )
    return cursor.rowcount == 1


async def unpair_outside(
    conn: aiosqlite.Connection, volunteer_id: int, team_ids: Sequence[int]
) -> list[Household]:
    """Take the volunteer's pairings with households of teams other than these away; the
    households they were paired with."""
    outside = f"h.team_id NOT IN ({_marks(team_ids)})" if team_ids else "1"
    rows = await fetchall(
        conn,
        f"{_SELECT} JOIN pairings p ON p.household_id = h.id"
        f" WHERE p.volunteer_id = ? AND {outside} ORDER BY h.code",
        (volunteer_id, *team_ids),
    )
    released = [_household(row) for row in rows]
    await conn.executemany(
        "DELETE FROM pairings WHERE household_id = ? AND volunteer_id = ?",
        [(household.id, volunteer_id) for household in released],
    )
    return released


async def set_pin(
    conn: aiosqlite.Connection,
    household_id: int,
    latitude: float | None,
    longitude: float | None,
    radius_m: int | None,
    now: datetime,
) -> None:
    await conn.execute(
        "UPDATE households SET latitude = ?, longitude = ?, radius_m = ?, updated_at = ?"
        " WHERE id = ?",
        (latitude, longitude, radius_m, iso(now), household_id),
    )


async def set_details(
    conn: aiosqlite.Connection,
    household_id: int,
    community: str,
    needs: Sequence[str],
    cadence_days: int,
    contact_note: str,
    now: datetime,
) -> None:
    await conn.execute(
        "UPDATE households SET community = ?, needs = ?, cadence_days = ?, contact_note = ?,"
        " updated_at = ? WHERE id = ?",
        (community, " ".join(needs), cadence_days, contact_note, iso(now), household_id),
    )


async def due_nudges(
    conn: aiosqlite.Connection, today: date, every_days: int, limit: int
) -> list[DueNudge]:
    """Paired volunteers (who can be reached) of households due by today, not nudged since
    the household fell due, or not for `every_days` (bot.domain.households.needs_nudge, which
    the caller applies as well)."""
    rows = await fetchall(
        conn,
        f"SELECT p.volunteer_id, v.telegram_id, p.nudged_on, {_COLUMNS}{_FROM}"
        " JOIN pairings p ON p.household_id = h.id JOIN volunteers v ON v.id = p.volunteer_id"
        " WHERE h.due_on <= ? AND v.telegram_id IS NOT NULL"
        " AND (p.nudged_on IS NULL OR p.nudged_on < h.due_on OR p.nudged_on <= ?)"
        " ORDER BY h.due_on, h.id LIMIT ?",
        (today.isoformat(), date.fromordinal(today.toordinal() - every_days).isoformat(), limit),
    )
    return [
        DueNudge(
            _household(row),
            row["volunteer_id"],
            row["telegram_id"],
            date.fromisoformat(row["nudged_on"]) if row["nudged_on"] else None,
        )
        for row in rows
    ]


async def mark_nudged(
    conn: aiosqlite.Connection, nudged: Sequence[tuple[int, int]], today: date
) -> None:
    """(household id, volunteer id) pairs nudged today."""
    await conn.executemany(
        "UPDATE pairings SET nudged_on = ? WHERE household_id = ? AND volunteer_id = ?",
        [(today.isoformat(), household_id, volunteer_id) for household_id, volunteer_id in nudged],
    )


async def forget_volunteer(conn: aiosqlite.Connection, volunteer_id: int, now: datetime) -> int:
    """/forget_me: the person's pairings are released, and their words and photos on their
    visits redacted (the visits stay, as their service records do, under the row id); how
    many pairings were released."""
    cursor = await conn.execute("DELETE FROM pairings WHERE volunteer_id = ?", (volunteer_id,))
    released = cursor.rowcount
    await conn.execute(
        "UPDATE visits SET note = NULL, photo_file_id = NULL, redacted_at = ?"
        " WHERE volunteer_id = ? AND redacted_at IS NULL",
        (iso(now), volunteer_id),
    )
    return released

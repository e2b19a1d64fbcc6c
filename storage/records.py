"""Service records: one per person and activity (or added by hand), the minutes credited and
the state decided; the day sums and overlaps the rules need; and the star level each person was
last told, with their choice of anonymity."""

from __future__ import annotations

from datetime import date, datetime

import aiosqlite

from bot.domain.hours import Mark, RecordState, ServiceRecord
from storage.rows import fetchall, fetchone, from_iso, iso

SELECT_RECORD = (
    "SELECT r.*, t.key AS team_key FROM service_records r JOIN teams t ON t.id = r.team_id"
)

# The person in charge of a record: whoever published its activity, while they are still a
# registered volunteer; otherwise (an admin who is not one, or hours added by hand) the team's
# first lead. The query needs the team's first lead under the alias `charge`.
PERSON_IN_CHARGE = (
    "COALESCE((SELECT cv.name FROM activities ca JOIN volunteers cv"
    " ON cv.telegram_id = ca.created_by WHERE ca.id = r.activity_id), charge.name) AS lead"
)


def _optional_time(text: str | None) -> datetime | None:
    return from_iso(text) if text else None


def record_from_row(row: aiosqlite.Row) -> ServiceRecord:
    return ServiceRecord(
        id=row["id"],
        volunteer_id=row["volunteer_id"],
        activity_id=row["activity_id"],
        team_key=row["team_key"],
        category=row["category"],
        title=row["title"],
        place=row["place"],
        content=row["content"],
        served_on=date.fromisoformat(row["served_on"]),
        starts_at=_optional_time(row["starts_at"]),
        ends_at=_optional_time(row["ends_at"]),
        checked_in_at=_optional_time(row["checked_in_at"]),
        checked_out_at=_optional_time(row["checked_out_at"]),
        proposed_minutes=row["proposed_minutes"],
        minutes=row["minutes"],
        mark=Mark(row["mark"]),
        state=RecordState(row["state"]),
        flags=frozenset(row["flags"].split()),
        source=row["source"],
        last_seen_at=_optional_time(row["last_seen_at"]),
    )


async def insert_record(
    conn: aiosqlite.Connection, record: ServiceRecord, team_id: int, now: datetime
) -> int:
    row = await fetchone(
        conn,
        "INSERT INTO service_records (volunteer_id, activity_id, team_id, category, title, place,"
        " content, served_on, starts_at, ends_at, checked_in_at, checked_out_at,"
        " proposed_minutes, minutes, mark, state, flags, source, created_at, updated_at,"
        " last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " RETURNING id",
        (
            record.volunteer_id,
            record.activity_id,
            team_id,
            record.category,
            record.title,
            record.place,
            record.content,
            record.served_on.isoformat(),
            iso(record.starts_at) if record.starts_at else None,
            iso(record.ends_at) if record.ends_at else None,
            iso(record.checked_in_at) if record.checked_in_at else None,
            iso(record.checked_out_at) if record.checked_out_at else None,
            record.proposed_minutes,
            record.minutes,
            record.mark.value,
            record.state.value,
            " ".join(sorted(record.flags)),
            record.source,
            iso(now),
            iso(now),
            iso(record.last_seen_at) if record.last_seen_at else None,
        ),
    )
    assert row is not None
    return int(row["id"])


async def record(conn: aiosqlite.Connection, record_id: int) -> ServiceRecord | None:
    row = await fetchone(conn, f"{SELECT_RECORD} WHERE r.id = ?", (record_id,))
    return record_from_row(row) if row else None


async def update_record(conn: aiosqlite.Connection, record: ServiceRecord, now: datetime) -> None:
    await conn.execute(
        "UPDATE service_records SET minutes = ?, mark = ?, state = ?, flags = ?, updated_at = ?"
        " WHERE id = ?",
        (
            record.minutes,
            record.mark.value,
            record.state.value,
            " ".join(sorted(record.flags)),
            iso(now),
            record.id,
        ),
    )


async def records_of_activity(
    conn: aiosqlite.Connection, activity_id: int
) -> list[tuple[ServiceRecord, str | None]]:
    """The activity's records with each volunteer's name (None once they erased their data),
    in the order of their names."""
    rows = await fetchall(
        conn,
        f"{SELECT_RECORD.replace('SELECT r.*', 'SELECT r.*, v.name AS volunteer_name')}"
        " JOIN volunteers v ON v.id = r.volunteer_id WHERE r.activity_id = ?"
        " ORDER BY v.name IS NULL, v.name, r.id",
        (activity_id,),
    )
    return [(record_from_row(row), row["volunteer_name"]) for row in rows]


async def records_of_volunteer(
    conn: aiosqlite.Connection, volunteer_id: int, limit: int, offset: int
) -> tuple[list[ServiceRecord], int]:
    """Newest first, one page; and how many in all."""
    rows = await fetchall(
        conn,
        f"{SELECT_RECORD.replace('SELECT r.*', 'SELECT r.*, COUNT(*) OVER () AS total')}"
        " WHERE r.volunteer_id = ? ORDER BY r.served_on DESC, r.id DESC LIMIT ? OFFSET ?",
        (volunteer_id, limit, offset),
    )
    total = rows[0]["total"] if rows else 0
    if not rows and offset:
        row = await fetchone(
            conn,
            "SELECT COUNT(*) AS n FROM service_records WHERE volunteer_id = ?",
            (volunteer_id,),
        )
        total = row["n"] if row else 0
    return [record_from_row(row) for row in rows], int(total)


async def _minutes_on_day(
    conn: aiosqlite.Connection,
    volunteer_id: int,
    served_on: date,
    excluding: int,
    states: tuple[str, ...],
) -> int:
    marks = ", ".join("?" for _ in states)
    row = await fetchone(
        conn,
        "SELECT COALESCE(SUM(minutes), 0) AS n FROM service_records WHERE volunteer_id = ?"
        f" AND served_on = ? AND id != ? AND state IN ({marks})",
        (volunteer_id, served_on.isoformat(), excluding, *states),
    )
    return int(row["n"]) if row else 0


async def minutes_on_day(
    conn: aiosqlite.Connection, volunteer_id: int, served_on: date, excluding: int
) -> int:
    """Minutes approved or in review for this person on this day, other records than one."""
    return await _minutes_on_day(
        conn, volunteer_id, served_on, excluding, ("approved", "review", "disputed")
    )


async def credited_on_day(
    conn: aiosqlite.Connection, volunteer_id: int, served_on: date, excluding: int = 0
) -> int:
    """Minutes of every record of this person on this day that is not a no-show, whatever its
    state (pending ones included), other records than one."""
    return await _minutes_on_day(
        conn, volunteer_id, served_on, excluding, ("pending", "approved", "review", "disputed")
    )


async def records_overlapping(
    conn: aiosqlite.Connection,
    volunteer_id: int,
    starts_at: datetime,
    ends_at: datetime,
    excluding: int,
) -> list[ServiceRecord]:
    """The person's other activity records, not no-shows, whose schedule overlaps the span."""
    rows = await fetchall(
        conn,
        f"{SELECT_RECORD} WHERE r.volunteer_id = ? AND r.id != ? AND r.state != 'no_show'"
        " AND r.starts_at < ? AND r.ends_at > ? ORDER BY r.starts_at",
        (volunteer_id, excluding, iso(ends_at), iso(starts_at)),
    )
    return [record_from_row(row) for row in rows]


async def approved_minutes(conn: aiosqlite.Connection, volunteer_id: int) -> int:
    row = await fetchone(
        conn,
        "SELECT COALESCE(SUM(minutes), 0) AS n FROM service_records"
        " WHERE volunteer_id = ? AND state = 'approved'",
        (volunteer_id,),
    )
    return int(row["n"]) if row else 0


async def summary_rows(
    conn: aiosqlite.Connection, volunteer_id: int, year_start: date
) -> list[aiosqlite.Row]:
    """Minutes and counts grouped by state, category, team and whether in this year."""
    return await fetchall(
        conn,
        "SELECT r.state, r.category, t.key AS team_key, r.served_on >= ? AS this_year,"
        " SUM(r.minutes) AS minutes, COUNT(*) AS n"
        " FROM service_records r JOIN teams t ON t.id = r.team_id WHERE r.volunteer_id = ?"
        " GROUP BY r.state, r.category, t.key, this_year",
        (year_start.isoformat(), volunteer_id),
    )


# ---------------------------------------------------------------- stars and anonymity


async def stars(conn: aiosqlite.Connection, volunteer_id: int) -> tuple[int, bool]:
    """The star level last congratulated, and whether the person chose anonymity."""
    row = await fetchone(
        conn, "SELECT stars, anonymous FROM volunteers WHERE id = ?", (volunteer_id,)
    )
    return (int(row["stars"]), bool(row["anonymous"])) if row else (0, False)


async def set_stars(conn: aiosqlite.Connection, volunteer_id: int, level: int) -> None:
    await conn.execute("UPDATE volunteers SET stars = ? WHERE id = ?", (level, volunteer_id))


async def set_anonymous(conn: aiosqlite.Connection, telegram_id: int, anonymous: bool) -> bool:
    cursor = await conn.execute(
        "UPDATE volunteers SET anonymous = ? WHERE telegram_id = ?", (int(anonymous), telegram_id)
    )
    return cursor.rowcount == 1

"""Check-ins, check-in codes, service records with their audit trail, disputes, attendance
sheets and certificates."""

from __future__ import annotations

import json
from datetime import date, datetime

import aiosqlite

from bot.domain.hours import AuditEntry, CheckIn, Mark, RecordState, ServiceRecord
from storage.rows import fetchall, fetchone, from_iso, iso

# ---------------------------------------------------------------- check-ins


def _checkin(row: aiosqlite.Row) -> CheckIn:
    return CheckIn(
        row["activity_id"],
        row["volunteer_id"],
        row["method"],
        from_iso(row["checked_in_at"]),
        from_iso(row["checked_out_at"]) if row["checked_out_at"] else None,
        row["distance_m"],
        from_iso(row["last_seen_at"]) if row["last_seen_at"] else None,
    )


async def checkin(
    conn: aiosqlite.Connection, activity_id: int, volunteer_id: int
) -> CheckIn | None:
    row = await fetchone(
        conn,
        "SELECT * FROM checkins WHERE activity_id = ? AND volunteer_id = ?",
        (activity_id, volunteer_id),
    )
    return _checkin(row) if row else None


async def insert_checkin(
    conn: aiosqlite.Connection,
    activity_id: int,
    volunteer_id: int,
    method: str,
    at: datetime,
    distance_m: float | None = None,
    marked_by: int | None = None,
) -> bool:
    """False if this person already checked in to this activity (the first one stands)."""
    cursor = await conn.execute(
        "INSERT INTO checkins (activity_id, volunteer_id, method, distance_m, marked_by,"
        " checked_in_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (activity_id, volunteer_id, method, distance_m, marked_by, iso(at)),
    )
    return cursor.rowcount == 1


async def remove_checkin(conn: aiosqlite.Connection, activity_id: int, volunteer_id: int) -> bool:
    """A presence marked by hand by mistake (only before the attendance sheet exists)."""
    cursor = await conn.execute(
        "DELETE FROM checkins WHERE activity_id = ? AND volunteer_id = ? AND method = 'lead'",
        (activity_id, volunteer_id),
    )
    return cursor.rowcount == 1


async def checkout(
    conn: aiosqlite.Connection, activity_id: int, volunteer_id: int, at: datetime
) -> bool:
    cursor = await conn.execute(
        "UPDATE checkins SET checked_out_at = MAX(?, checked_in_at)"
        " WHERE activity_id = ? AND volunteer_id = ? AND checked_out_at IS NULL",
        (iso(at), activity_id, volunteer_id),
    )
    return cursor.rowcount == 1


async def touch_checkin(
    conn: aiosqlite.Connection, activity_id: int, volunteer_id: int, at: datetime
) -> bool:
    """A presence signal (a code scanned again, a live location updated) on an open check-in:
    a forgotten check-out is credited up to the last one."""
    cursor = await conn.execute(
        "UPDATE checkins SET last_seen_at = MAX(COALESCE(last_seen_at, checked_in_at), ?)"
        " WHERE activity_id = ? AND volunteer_id = ? AND checked_out_at IS NULL",
        (iso(at), activity_id, volunteer_id),
    )
    return cursor.rowcount == 1


async def open_checkins_overlapping(
    conn: aiosqlite.Connection,
    volunteer_id: int,
    starts_at: datetime,
    ends_at: datetime,
    excluding_activity: int,
) -> list[str]:
    """Titles of other activities, overlapping the span, where the person is checked in and
    not yet out (before their attendance sheet)."""
    rows = await fetchall(
        conn,
        "SELECT a.title FROM checkins c JOIN activities a ON a.id = c.activity_id"
        " WHERE c.volunteer_id = ? AND c.checked_out_at IS NULL AND c.activity_id != ?"
        " AND a.starts_at < ? AND a.ends_at > ?"
        " AND NOT EXISTS (SELECT 1 FROM attendance_sheets s WHERE s.activity_id = a.id)"
        " ORDER BY a.starts_at",
        (volunteer_id, excluding_activity, iso(ends_at), iso(starts_at)),
    )
    return [row["title"] for row in rows]


async def open_checkins(conn: aiosqlite.Connection, volunteer_id: int) -> list[CheckIn]:
    """Check-ins not yet closed whose activity has no attendance sheet yet."""
    rows = await fetchall(
        conn,
        "SELECT c.* FROM checkins c WHERE c.volunteer_id = ? AND c.checked_out_at IS NULL"
        " AND NOT EXISTS (SELECT 1 FROM attendance_sheets s WHERE s.activity_id = c.activity_id)"
        " ORDER BY c.checked_in_at",
        (volunteer_id,),
    )
    return [_checkin(row) for row in rows]


async def checkins_of_activity(conn: aiosqlite.Connection, activity_id: int) -> list[CheckIn]:
    rows = await fetchall(conn, "SELECT * FROM checkins WHERE activity_id = ?", (activity_id,))
    return [_checkin(row) for row in rows]


async def insert_code(
    conn: aiosqlite.Connection,
    token: str,
    activity_id: int,
    issued_by: int,
    at: datetime,
    expires_at: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO checkin_codes (token, activity_id, issued_by, issued_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (token, activity_id, issued_by, iso(at), iso(expires_at)),
    )


async def code(conn: aiosqlite.Connection, token: str) -> tuple[int, datetime] | None:
    """The activity a code belongs to and when it expires."""
    row = await fetchone(
        conn, "SELECT activity_id, expires_at FROM checkin_codes WHERE token = ?", (token,)
    )
    return (row["activity_id"], from_iso(row["expires_at"])) if row else None


# ---------------------------------------------------------------- service records

_RECORD = "SELECT r.*, t.key AS team_key FROM service_records r JOIN teams t ON t.id = r.team_id"

# The person in charge of a record: whoever published its activity, while they are still a
# registered volunteer; otherwise (an admin who is not one, or hours added by hand) the team's
# first lead. The query needs the team's first lead under the alias `charge`.
PERSON_IN_CHARGE = (
    "COALESCE((SELECT cv.name FROM activities ca JOIN volunteers cv"
    " ON cv.telegram_id = ca.created_by WHERE ca.id = r.activity_id), charge.name) AS lead"
)


def _optional_time(text: str | None) -> datetime | None:
    return from_iso(text) if text else None


def _record(row: aiosqlite.Row) -> ServiceRecord:
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
    row = await fetchone(conn, f"{_RECORD} WHERE r.id = ?", (record_id,))
    return _record(row) if row else None


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
        f"{_RECORD.replace('SELECT r.*', 'SELECT r.*, v.name AS volunteer_name')}"
        " JOIN volunteers v ON v.id = r.volunteer_id WHERE r.activity_id = ?"
        " ORDER BY v.name IS NULL, v.name, r.id",
        (activity_id,),
    )
    return [(_record(row), row["volunteer_name"]) for row in rows]


async def records_of_volunteer(
    conn: aiosqlite.Connection, volunteer_id: int, limit: int, offset: int
) -> tuple[list[ServiceRecord], int]:
    """Newest first, one page; and how many in all."""
    rows = await fetchall(
        conn,
        f"{_RECORD.replace('SELECT r.*', 'SELECT r.*, COUNT(*) OVER () AS total')}"
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
    return [_record(row) for row in rows], int(total)


async def approved_for_certificate(
    conn: aiosqlite.Connection, volunteer_id: int
) -> list[tuple[ServiceRecord, str, str, str | None]]:
    """Approved records with minutes, oldest first, each with its team's names and the person
    in charge (see PERSON_IN_CHARGE)."""
    rows = await fetchall(
        conn,
        _RECORD.replace("SELECT r.*", f"SELECT r.*, t.name_zh, t.name_en, {PERSON_IN_CHARGE}")
        + " LEFT JOIN (SELECT tl.team_id, MIN(v.name) AS name FROM team_leads tl"
        "   JOIN volunteers v ON v.id = tl.volunteer_id GROUP BY tl.team_id) charge"
        "   ON charge.team_id = r.team_id"
        " WHERE r.volunteer_id = ? AND r.state = 'approved' AND r.minutes > 0"
        " ORDER BY r.served_on, r.id",
        (volunteer_id,),
    )
    return [(_record(row), row["name_zh"], row["name_en"], row["lead"]) for row in rows]


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
        f"{_RECORD} WHERE r.volunteer_id = ? AND r.id != ? AND r.state != 'no_show'"
        " AND r.starts_at < ? AND r.ends_at > ? ORDER BY r.starts_at",
        (volunteer_id, excluding, iso(ends_at), iso(starts_at)),
    )
    return [_record(row) for row in rows]


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


# ---------------------------------------------------------------- audit


def _snapshot(record: ServiceRecord) -> str:
    return json.dumps(
        {"state": record.state.value, "minutes": record.minutes, "mark": record.mark.value},
        sort_keys=True,
    )


async def audit(
    conn: aiosqlite.Connection,
    record_id: int,
    at: datetime,
    actor: int | None,
    action: str,
    before: ServiceRecord | None,
    after: ServiceRecord,
    reason: str | None = None,
) -> None:
    """Append an audit row. The append-only row holds neither free text nor a Telegram id:
    the reason goes to `record_notes` and the actor to `audit_actors` (a pseudonymous key),
    which erasure can redact (see storage/privacy.py)."""
    actor_id = None
    if actor is not None:
        row = await fetchone(
            conn,
            "INSERT INTO audit_actors (telegram_id) VALUES (?) ON CONFLICT (telegram_id)"
            " DO UPDATE SET telegram_id = excluded.telegram_id RETURNING id",
            (actor,),
        )
        assert row is not None
        actor_id = int(row["id"])
    note_id = None
    if reason is not None:
        row = await fetchone(
            conn,
            "INSERT INTO record_notes (record_id, text) VALUES (?, ?) RETURNING id",
            (record_id, reason),
        )
        assert row is not None
        note_id = int(row["id"])
    await conn.execute(
        "INSERT INTO record_audit (record_id, at, actor_id, action, before, after, note_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            record_id,
            iso(at),
            actor_id,
            action,
            _snapshot(before) if before else None,
            _snapshot(after),
            note_id,
        ),
    )


async def history(conn: aiosqlite.Connection, record_id: int) -> list[AuditEntry]:
    """The record's audit rows, oldest first, with each actor's Telegram id and each note's
    text (None once the person erased their data: see AuditEntry.actor_erased)."""
    rows = await fetchall(
        conn,
        "SELECT au.*, ac.telegram_id AS actor_telegram_id, n.text AS reason"
        " FROM record_audit au LEFT JOIN audit_actors ac ON ac.id = au.actor_id"
        " LEFT JOIN record_notes n ON n.id = au.note_id"
        " WHERE au.record_id = ? ORDER BY au.id",
        (record_id,),
    )
    return [
        AuditEntry(
            from_iso(row["at"]),
            row["actor_telegram_id"],
            row["action"],
            json.loads(row["before"]) if row["before"] else None,
            json.loads(row["after"]),
            row["reason"],
            actor_erased=row["actor_id"] is not None and row["actor_telegram_id"] is None,
        )
        for row in rows
    ]


# ---------------------------------------------------------------- disputes


async def open_dispute(conn: aiosqlite.Connection, record_id: int, text: str, at: datetime) -> bool:
    cursor = await conn.execute(
        "INSERT INTO disputes (record_id, text, opened_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        (record_id, text, iso(at)),
    )
    return cursor.rowcount == 1


async def dispute_text(conn: aiosqlite.Connection, record_id: int) -> str | None:
    row = await fetchone(
        conn,
        "SELECT text FROM disputes WHERE record_id = ? AND resolved_at IS NULL",
        (record_id,),
    )
    return str(row["text"]) if row else None


async def resolve_dispute(
    conn: aiosqlite.Connection,
    record_id: int,
    by: int,
    outcome: str,
    reason: str,
    at: datetime,
) -> bool:
    cursor = await conn.execute(
        "UPDATE disputes SET resolved_at = ?, resolved_by = ?, outcome = ?, reason = ?"
        " WHERE record_id = ? AND resolved_at IS NULL",
        (iso(at), by, outcome, reason, record_id),
    )
    return cursor.rowcount == 1


# ---------------------------------------------------------------- attendance sheets


async def ended_without_sheet(
    conn: aiosqlite.Connection, ended_before: datetime, limit: int
) -> list[int]:
    rows = await fetchall(
        conn,
        "SELECT a.id FROM activities a WHERE a.state = 'published' AND a.ends_at <= ?"
        " AND NOT EXISTS (SELECT 1 FROM attendance_sheets s WHERE s.activity_id = a.id)"
        " ORDER BY a.ends_at LIMIT ?",
        (iso(ended_before), limit),
    )
    return [int(row["id"]) for row in rows]


async def insert_sheet(conn: aiosqlite.Connection, activity_id: int, at: datetime) -> bool:
    cursor = await conn.execute(
        "INSERT INTO attendance_sheets (activity_id, created_at) VALUES (?, ?)"
        " ON CONFLICT DO NOTHING",
        (activity_id, iso(at)),
    )
    return cursor.rowcount == 1


async def sheet(
    conn: aiosqlite.Connection, activity_id: int
) -> tuple[datetime, datetime | None] | None:
    """When the sheet was made and when it was approved, or None if there is none yet."""
    row = await fetchone(
        conn,
        "SELECT created_at, approved_at FROM attendance_sheets WHERE activity_id = ?",
        (activity_id,),
    )
    if row is None:
        return None
    return from_iso(row["created_at"]), _optional_time(row["approved_at"])


async def approve_sheet(
    conn: aiosqlite.Connection, activity_id: int, by: int, at: datetime
) -> bool:
    cursor = await conn.execute(
        "UPDATE attendance_sheets SET approved_at = ?, approved_by = ?"
        " WHERE activity_id = ? AND approved_at IS NULL",
        (iso(at), by, activity_id),
    )
    return cursor.rowcount == 1


async def sheets_waiting(
    conn: aiosqlite.Connection, made_before: datetime, column: str
) -> list[int]:
    """Unapproved sheets made before a moment whose `column` (reminded_at or escalated_at)
    is not yet set."""
    assert column in ("reminded_at", "escalated_at")
    rows = await fetchall(
        conn,
        f"SELECT activity_id FROM attendance_sheets WHERE approved_at IS NULL"
        f" AND created_at <= ? AND {column} IS NULL ORDER BY created_at",
        (iso(made_before),),
    )
    return [int(row["activity_id"]) for row in rows]


async def mark_sheet(
    conn: aiosqlite.Connection, activity_id: int, column: str, at: datetime
) -> None:
    assert column in ("reminded_at", "escalated_at")
    await conn.execute(
        f"UPDATE attendance_sheets SET {column} = ? WHERE activity_id = ?",
        (iso(at), activity_id),
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


# ---------------------------------------------------------------- certificates


async def insert_certificate(
    conn: aiosqlite.Connection,
    code_text: str,
    volunteer_id: int,
    holder: str,
    total_minutes: int,
    records: int,
    at: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO certificates (code, volunteer_id, holder, total_minutes, records, issued_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (code_text, volunteer_id, holder, total_minutes, records, iso(at)),
    )


async def certificate(
    conn: aiosqlite.Connection, code_text: str
) -> tuple[str, int, int, datetime] | None:
    """Holder, total minutes, number of records and when it was issued."""
    row = await fetchone(
        conn,
        "SELECT holder, total_minutes, records, issued_at FROM certificates WHERE code = ?",
        (code_text,),
    )
    if row is None:
        return None
    return row["holder"], row["total_minutes"], row["records"], from_iso(row["issued_at"])


async def forget_holder(conn: aiosqlite.Connection, volunteer_id: int) -> None:
    """The person erased their data: their certificates still verify, without the name."""
    await conn.execute(
        "UPDATE certificates SET holder = '' WHERE volunteer_id = ?", (volunteer_id,)
    )

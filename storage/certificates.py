"""Certificates: the approved records they list, and the codes that verify them."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.domain.hours import ServiceRecord
from storage.records import PERSON_IN_CHARGE, SELECT_RECORD, record_from_row
from storage.rows import fetchall, fetchone, from_iso, iso


async def approved_for_certificate(
    conn: aiosqlite.Connection, volunteer_id: int
) -> list[tuple[ServiceRecord, str, str, str | None]]:
    """Approved records with minutes, oldest first, each with its team's names and the person
    in charge (see PERSON_IN_CHARGE)."""
    rows = await fetchall(
        conn,
        SELECT_RECORD.replace("SELECT r.*", f"SELECT r.*, t.name_zh, t.name_en, {PERSON_IN_CHARGE}")
        + " LEFT JOIN (SELECT tl.team_id, MIN(v.name) AS name FROM team_leads tl"
        "   JOIN volunteers v ON v.id = tl.volunteer_id GROUP BY tl.team_id) charge"
        "   ON charge.team_id = r.team_id"
        " WHERE r.volunteer_id = ? AND r.state = 'approved' AND r.minutes > 0"
        " ORDER BY r.served_on, r.id",
        (volunteer_id,),
    )
    return [(record_from_row(row), row["name_zh"], row["name_en"], row["lead"]) for row in rows]


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

"""The audit trail of service records: an append-only row per change, with the actor as a
pseudonymous key and the reason as a note, both of which erasure can redact."""

from __future__ import annotations

import json
from datetime import datetime

import aiosqlite

from bot.domain.hours import AuditEntry, ServiceRecord
from storage.rows import fetchall, fetchone, from_iso, iso


def _snapshot(record: ServiceRecord) -> str:
    return json.dumps(
        {"state": record.state.value, "minutes": record.minutes, "mark": record.mark.value},
        sort_keys=True,
    )


async def append(
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

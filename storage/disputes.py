"""Disputes: a volunteer's text against a decided record, and how a lead or admin resolved it."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.rows import fetchone, iso


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

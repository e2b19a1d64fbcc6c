"""Erasure of one person's data (/forget_me) and retention of messages and broadcast bodies.

Which rows are deleted, redacted or kept under a pseudonymous key is documented in the README's
privacy section; tests/service/test_privacy.py scans every column of every table after erasure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage import households, identities
from storage.rows import fetchall, iso

# Written where a Telegram id column cannot be NULL and the person erased their data (an
# activity's author, a code's issuer, a sheet's approver, a broadcast's author...).
ERASED_TELEGRAM_ID = 0
# What a name, a phone number or a Telegram id is replaced with inside free text.
REDACTED = "***"

# Where a name may stand in someone else's words: notes, disputes, broadcast bodies, and the
# outbox rows of kinds whose text lists people or quotes a lead's free text. A name can also be
# an ordinary word (a person may be called 交通), so names are never replaced in records,
# activities or template notices: those that name a person carry `about_volunteer_id` and are
# blanked whole instead.
_NAME_COLUMNS = (
    ("record_notes", "text", ""),
    ("disputes", "text", ""),
    ("disputes", "reason", ""),
    ("broadcasts", "body", ""),
    ("outbox", "text", " AND kind IN ('broadcast', 'leaderboard', 'honor_roll')"),
    ("wishes", "private_note", ""),
    ("wishes", "story", ""),
    ("wishes", "delivery_note", ""),
    ("wishes", "sent_back_reason", ""),
)
# Where a phone number or a Telegram id (long digit strings, which no word matches) may stand.
_DIGIT_COLUMNS = (
    ("outbox", "text", ""),
    ("outbox", "buttons", ""),
    ("outbox", "last_error", ""),
    ("record_notes", "text", ""),
    ("disputes", "text", ""),
    ("disputes", "reason", ""),
    ("broadcasts", "body", ""),
    ("activities", "title", ""),
    ("activities", "place", ""),
    ("activities", "description", ""),
    ("activities", "cancel_reason", ""),
    ("service_records", "title", ""),
    ("service_records", "place", ""),
    ("service_records", "content", ""),
    ("wishes", "title", ""),
    ("wishes", "story", ""),
    ("wishes", "private_note", ""),
    ("wishes", "delivery_note", ""),
    ("wishes", "sent_back_reason", ""),
    ("wish_communities", "name", ""),
    ("team_groups", "title", ""),
    ("households", "contact_note", ""),
    ("visits", "note", ""),
)

# Columns holding the Telegram id of whoever did something (never the subject of the row).
_ACTOR_COLUMNS = (
    ("activities", "created_by"),
    ("checkin_codes", "issued_by"),
    ("checkins", "marked_by"),
    ("attendance_sheets", "approved_by"),
    ("disputes", "resolved_by"),
    ("team_leads", "appointed_by"),
    ("team_groups", "linked_by"),
    ("broadcasts", "author_telegram_id"),
    ("households", "created_by"),
    ("pairings", "paired_by"),
)


@dataclass(frozen=True)
class Erased:
    outbox_deleted: int
    outbox_redacted: int
    notes_redacted: int
    broadcasts_redacted: int
    running_broadcasts: tuple[int, ...]  # stopped by the erasure: the sender must drop them


async def _ids(conn: aiosqlite.Connection, sql: str, params: Sequence[object]) -> list[int]:
    return [int(row[0]) for row in await fetchall(conn, sql, params)]


async def own_texts(conn: aiosqlite.Connection, volunteer_id: int) -> list[str]:
    """What the person wrote about their own records, or was written about them: their dispute
    texts, the notes on their records and on their visits (to be cut out of messages that
    quoted them)."""
    rows = await fetchall(
        conn,
        "SELECT d.text FROM disputes d JOIN service_records r ON r.id = d.record_id"
        " WHERE r.volunteer_id = ? AND d.text != ''"
        " UNION SELECT d.reason FROM disputes d JOIN service_records r ON r.id = d.record_id"
        " WHERE r.volunteer_id = ? AND d.reason IS NOT NULL AND d.reason != ''"
        " UNION SELECT n.text FROM record_notes n JOIN service_records r ON r.id = n.record_id"
        " WHERE r.volunteer_id = ? AND n.text IS NOT NULL AND n.text != ''"
        " UNION SELECT note FROM visits WHERE volunteer_id = ? AND note IS NOT NULL AND note != ''",
        (volunteer_id, volunteer_id, volunteer_id, volunteer_id),
    )
    return [str(row[0]) for row in rows]


async def team_ids_of(conn: aiosqlite.Connection, volunteer_id: int) -> list[int]:
    """Teams the person belongs to or served in: the boards that may show their name."""
    return await _ids(
        conn,
        "SELECT team_id FROM memberships WHERE volunteer_id = ?"
        " UNION SELECT team_id FROM team_leads WHERE volunteer_id = ?"
        " UNION SELECT DISTINCT team_id FROM service_records WHERE volunteer_id = ?",
        (volunteer_id, volunteer_id, volunteer_id),
    )


async def erase(
    conn: aiosqlite.Connection,
    volunteer_id: int,
    telegram_id: int,
    names: Sequence[str],
    digits: Sequence[str],
    quotes: Sequence[str],
    now: datetime,
    keep_actor: bool = False,
) -> Erased:
    """Inside the caller's transaction, before the volunteers row is stripped: remove or
    redact every row that names or addresses the person. Messages about them (by key) are
    blanked; `names` are replaced where free words of others may name them (_NAME_COLUMNS),
    `digits` (phone number spellings, Telegram id) in every free text (_DIGIT_COLUMNS); `quotes`
    (their dispute texts and the notes on their records) are cut out of messages quoting them.
    With `keep_actor` (a configured admin, who acts for the organisation and is named by their
    Telegram id in its configuration), what they did stays attributed to that id."""
    at = iso(now)
    # Messages about the person (a dispute notice, a late cancellation, a review request, a
    # group congratulation): whatever name they had when it was written, the text goes; an
    # unsent one is not sent.
    cursor = await conn.execute(
        "UPDATE outbox SET text = '', buttons = NULL, file_path = NULL, file_kind = NULL,"
        " state = CASE WHEN state = 'pending' THEN 'cancelled' ELSE state END, updated_at = ?"
        " WHERE about_volunteer_id = ?",
        (at, volunteer_id),
    )
    about = cursor.rowcount
    # Messages to the person: deleted, except a broadcast's, which stays anonymous (no chat,
    # no text) so that the broadcast's counts still add up; a pending one is cancelled.
    cursor = await conn.execute(
        "DELETE FROM outbox WHERE chat_id = ? AND broadcast_id IS NULL AND state != 'sending'",
        (telegram_id,),
    )
    deleted = cursor.rowcount
    await conn.execute(
        "UPDATE outbox SET chat_id = ?, text = '', buttons = NULL, file_path = NULL,"
        " file_kind = NULL, last_error = NULL, telegram_message_id = NULL,"
        " state = CASE WHEN state = 'pending' THEN 'cancelled' ELSE state END, updated_at = ?"
        " WHERE chat_id = ?",
        (ERASED_TELEGRAM_ID, at, telegram_id),
    )
    # Broadcasts the person wrote: running ones stop, bodies and their copies are blanked.
    theirs = await _ids(
        conn, "SELECT id FROM broadcasts WHERE author_telegram_id = ?", (telegram_id,)
    )
    running = await _ids(
        conn,
        "SELECT id FROM broadcasts WHERE author_telegram_id = ? AND state = 'running'",
        (telegram_id,),
    )
    for broadcast_id in running:
        await conn.execute(
            "UPDATE outbox SET state = 'cancelled', updated_at = ?"
            " WHERE broadcast_id = ? AND state = 'pending'",
            (at, broadcast_id),
        )
        await conn.execute(
            "UPDATE broadcasts SET state = 'stopped', finished_at = ? WHERE id = ?",
            (at, broadcast_id),
        )
    redacted = about
    for broadcast_id in theirs:
        cursor = await conn.execute(
            "UPDATE outbox SET text = '', buttons = NULL, updated_at = ?"
            " WHERE broadcast_id = ? AND text != ''",
            (at, broadcast_id),
        )
        redacted += cursor.rowcount
    await conn.execute(
        "UPDATE broadcasts SET body = '', body_redacted_at = COALESCE(body_redacted_at, ?),"
        " progress_chat_id = NULL, progress_message_id = NULL WHERE author_telegram_id = ?",
        (at, telegram_id),
    )
    # Notes on the person's records (their dispute texts, the reasons given for changes) and
    # the texts of their disputes: redacted. The audit rows pointing at them stay as they are.
    cursor = await conn.execute(
        "UPDATE record_notes SET text = NULL, redacted_at = ? WHERE text IS NOT NULL"
        " AND record_id IN (SELECT id FROM service_records WHERE volunteer_id = ?)",
        (at, volunteer_id),
    )
    notes = cursor.rowcount
    await conn.execute(
        "UPDATE disputes SET text = '', reason = NULL"
        " WHERE record_id IN (SELECT id FROM service_records WHERE volunteer_id = ?)",
        (volunteer_id,),
    )
    # Quotes of those texts, and the person's name and number, wherever someone else wrote.
    for quote in sorted(set(quotes), key=len, reverse=True):
        cursor = await conn.execute(
            "UPDATE outbox SET text = replace(text, ?, ?) WHERE instr(text, ?) > 0",
            (quote, REDACTED, quote),
        )
        redacted += cursor.rowcount
    for needles, columns in ((digits, _DIGIT_COLUMNS), (names, _NAME_COLUMNS)):
        for needle in sorted(set(needles), key=len, reverse=True):
            for table, column, only in columns:
                cursor = await conn.execute(
                    f"UPDATE {table} SET {column} = replace({column}, ?, ?)"
                    f" WHERE instr({column}, ?) > 0{only}",
                    (needle, REDACTED, needle),
                )
                if table == "outbox":
                    redacted += cursor.rowcount
    # Whoever-did-it columns: the person's Telegram id becomes the erased marker; in the
    # audit it becomes a pseudonymous key without a Telegram id.
    if not keep_actor:
        for table, column in _ACTOR_COLUMNS:
            await conn.execute(
                f"UPDATE {table} SET {column} = ? WHERE {column} = ?",
                (ERASED_TELEGRAM_ID, telegram_id),
            )
        await conn.execute(
            "UPDATE audit_actors SET telegram_id = NULL, erased_at = ? WHERE telegram_id = ?",
            (at, telegram_id),
        )
    await conn.execute("DELETE FROM accounts WHERE telegram_id = ?", (telegram_id,))
    await identities.forget(conn, telegram_id)
    await conn.execute(
        "DELETE FROM code_displays WHERE chat_id = ? OR lead_telegram_id = ?",
        (telegram_id, telegram_id),
    )
    await conn.execute(
        "UPDATE certificates SET holder = '' WHERE volunteer_id = ?", (volunteer_id,)
    )
    # Their households are released (a lead pairs someone else), their visits' words and
    # photos redacted; the visits stay, like their records, under the row id.
    await households.forget_volunteer(conn, volunteer_id, now)
    return Erased(deleted, redacted, notes, len(theirs), tuple(running))


async def detach_files(conn: aiosqlite.Connection, paths: Sequence[str]) -> int:
    """Messages not yet sent that carry one of these files go out as text alone."""
    changed = 0
    for path in paths:
        cursor = await conn.execute(
            "UPDATE outbox SET file_path = NULL, file_kind = NULL"
            " WHERE file_path = ? AND state = 'pending'",
            (path,),
        )
        changed += cursor.rowcount
    return changed


async def files_in_use(conn: aiosqlite.Connection) -> set[str]:
    """Files attached to messages not yet sent."""
    rows = await fetchall(
        conn,
        "SELECT DISTINCT file_path FROM outbox"
        " WHERE file_path IS NOT NULL AND state IN ('pending', 'sending')",
        (),
    )
    return {str(row[0]) for row in rows}


# ---------------------------------------------------------------- retention


async def delete_finished_messages(conn: aiosqlite.Connection, before: datetime) -> int:
    """Delete outbox rows that ended (sent, blocked, failed, cancelled) before a moment. A
    broadcast's deleted rows are added to its archived counts first."""
    cutoff = iso(before)
    finished = "state IN ('sent', 'blocked', 'failed', 'cancelled') AND updated_at < ?"
    rows = await fetchall(
        conn,
        f"SELECT broadcast_id, state, COUNT(*) AS n FROM outbox WHERE {finished}"
        " AND broadcast_id IS NOT NULL GROUP BY broadcast_id, state",
        (cutoff,),
    )
    for row in rows:
        column = f"archived_{row['state']}"
        assert column in (
            "archived_sent",
            "archived_blocked",
            "archived_failed",
            "archived_cancelled",
        )
        await conn.execute(
            f"UPDATE broadcasts SET {column} = {column} + ? WHERE id = ?",
            (row["n"], row["broadcast_id"]),
        )
    cursor = await conn.execute(f"DELETE FROM outbox WHERE {finished}", (cutoff,))
    return cursor.rowcount


async def redact_broadcasts(conn: aiosqlite.Connection, before: datetime, now: datetime) -> int:
    """Blank the bodies of finished broadcasts created before a moment (and the copies in
    their outbox rows that are still kept); their audience, state and counts stay."""
    ids = await _ids(
        conn,
        "SELECT id FROM broadcasts WHERE body_redacted_at IS NULL AND state != 'running'"
        " AND created_at < ?",
        (iso(before),),
    )
    for broadcast_id in ids:
        await conn.execute(
            "UPDATE outbox SET text = '', buttons = NULL WHERE broadcast_id = ?"
            " AND state IN ('sent', 'blocked', 'failed', 'cancelled')",
            (broadcast_id,),
        )
        await conn.execute(
            "UPDATE broadcasts SET body = '', body_redacted_at = ? WHERE id = ?",
            (iso(now), broadcast_id),
        )
    return len(ids)

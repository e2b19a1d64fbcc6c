"""The outbox table: enqueue, claim for sending, record how each delivery ended."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from datetime import datetime

import aiosqlite

from bot.outbox.models import Button, DeliveryCounts, OutgoingMessage, QueuedMessage
from storage.rows import fetchall, iso


def _encode_buttons(rows: tuple[tuple[Button, ...], ...]) -> str | None:
    if not rows:
        return None
    return json.dumps(
        [[{k: v for k, v in vars(b).items() if v is not None} for b in row] for row in rows],
        ensure_ascii=False,
    )


def _decode_buttons(text: str | None) -> tuple[tuple[Button, ...], ...]:
    if not text:
        return ()
    return tuple(tuple(Button(**button) for button in row) for row in json.loads(text))


async def enqueue(
    conn: aiosqlite.Connection, messages: Sequence[OutgoingMessage], now: datetime
) -> None:
    """Write messages in the caller's transaction; those to unreachable people end blocked."""
    stamp = iso(now)
    await conn.executemany(
        "INSERT INTO outbox (chat_id, kind, priority, text, file_path, file_kind, buttons, state,"
        " last_error, not_before, broadcast_id, created_at, updated_at, about_volunteer_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                m.chat_id,
                m.kind,
                int(m.priority),
                m.text,
                m.file_path,
                m.file_kind,
                _encode_buttons(m.buttons),
                "blocked" if m.blocked else "pending",
                "recipient unreachable" if m.blocked else None,
                stamp,
                m.broadcast_id,
                stamp,
                stamp,
                m.about,
            )
            for m in messages
        ],
    )


async def claim(conn: aiosqlite.Connection, now: datetime, limit: int) -> list[QueuedMessage]:
    """Mark up to `limit` due rows as being sent, at most one per chat and none for a chat that
    already has a row in flight, most urgent first."""
    rows = await fetchall(
        conn,
        "SELECT id, chat_id, kind, text, priority, buttons, file_path, file_kind, attempts,"
        " broadcast_id, unanswered FROM outbox"
        " WHERE state = 'pending' AND not_before <= ?"
        " AND chat_id NOT IN (SELECT chat_id FROM outbox WHERE state = 'sending')"
        " ORDER BY priority, id LIMIT ?",
        (iso(now), limit * 4),
    )
    chosen: list[aiosqlite.Row] = []
    chats: set[int] = set()
    for row in rows:
        if row["chat_id"] not in chats and len(chosen) < limit:
            chats.add(row["chat_id"])
            chosen.append(row)
    await conn.executemany(
        "UPDATE outbox SET state = 'sending', attempts = attempts + 1, updated_at = ? WHERE id = ?",
        [(iso(now), row["id"]) for row in chosen],
    )
    return [
        QueuedMessage(
            id=row["id"],
            chat_id=row["chat_id"],
            kind=row["kind"],
            text=row["text"],
            priority=row["priority"],
            buttons=_decode_buttons(row["buttons"]),
            file_path=row["file_path"],
            file_kind=row["file_kind"],
            attempts=row["attempts"] + 1,
            broadcast_id=row["broadcast_id"],
            unanswered=row["unanswered"],
        )
        for row in chosen
    ]


async def mark_sent(
    conn: aiosqlite.Connection, row_id: int, telegram_message_id: int, now: datetime
) -> None:
    await conn.execute(
        "UPDATE outbox SET state = 'sent', telegram_message_id = ?, last_error = NULL,"
        " updated_at = ? WHERE id = ?",
        (telegram_message_id, iso(now), row_id),
    )


async def retry_later(
    conn: aiosqlite.Connection, row_id: int, not_before: datetime, error: str, now: datetime
) -> None:
    await conn.execute(
        "UPDATE outbox SET state = 'pending', not_before = ?, last_error = ?, updated_at = ?"
        " WHERE id = ?",
        (iso(not_before), error, iso(now), row_id),
    )


async def retry_unanswered(
    conn: aiosqlite.Connection, row_id: int, not_before: datetime, error: str, now: datetime
) -> None:
    """Like retry_later, counting a send whose answer never came (it may have been delivered)."""
    await conn.execute(
        "UPDATE outbox SET state = 'pending', not_before = ?, last_error = ?, updated_at = ?,"
        " unanswered = unanswered + 1 WHERE id = ?",
        (iso(not_before), error, iso(now), row_id),
    )


async def postpone_chat(
    conn: aiosqlite.Connection, chat_id: int, not_before: datetime, now: datetime
) -> None:
    """Hold every pending row of a chat until `not_before`, keeping their order."""
    await conn.execute(
        "UPDATE outbox SET not_before = max(not_before, ?), updated_at = ?"
        " WHERE chat_id = ? AND state = 'pending'",
        (iso(not_before), iso(now), chat_id),
    )


async def finish(
    conn: aiosqlite.Connection, row_id: int, state: str, error: str, now: datetime
) -> None:
    """End a row as blocked or failed, keeping the reason."""
    await conn.execute(
        "UPDATE outbox SET state = ?, last_error = ?, updated_at = ? WHERE id = ?",
        (state, error, iso(now), row_id),
    )


async def block_chat(conn: aiosqlite.Connection, chat_id: int, error: str, now: datetime) -> int:
    """End every pending row of an unreachable chat as blocked."""
    cursor = await conn.execute(
        "UPDATE outbox SET state = 'blocked', last_error = ?, updated_at = ?"
        " WHERE chat_id = ? AND state = 'pending'",
        (error, iso(now), chat_id),
    )
    return cursor.rowcount


async def move_chat(conn: aiosqlite.Connection, old: int, new: int, now: datetime) -> None:
    await conn.execute(
        "UPDATE outbox SET chat_id = ?, updated_at = ? WHERE chat_id = ? AND state IN"
        " ('pending', 'sending')",
        (new, iso(now), old),
    )


async def cancel_broadcast(conn: aiosqlite.Connection, broadcast_id: int, now: datetime) -> int:
    cursor = await conn.execute(
        "UPDATE outbox SET state = 'cancelled', updated_at = ?"
        " WHERE broadcast_id = ? AND state = 'pending'",
        (iso(now), broadcast_id),
    )
    return cursor.rowcount


async def release(conn: aiosqlite.Connection, row_id: int, now: datetime) -> None:
    """A claimed row that was never sent goes back to pending, its attempt not counted."""
    await conn.execute(
        "UPDATE outbox SET state = 'pending', attempts = attempts - 1, updated_at = ?"
        " WHERE id = ? AND state = 'sending'",
        (iso(now), row_id),
    )


async def set_aside(conn: aiosqlite.Connection, row_id: int, error: str, now: datetime) -> None:
    """The Bot API refused requests as a whole (bad token, outage): the row goes back to
    pending, its attempt not counted, with the reason."""
    await conn.execute(
        "UPDATE outbox SET state = 'pending', attempts = max(attempts - 1, 0), last_error = ?,"
        " updated_at = ? WHERE id = ? AND state = 'sending'",
        (error, iso(now), row_id),
    )


async def release_stuck(
    conn: aiosqlite.Connection, claimed_before: datetime, kept: Collection[int], now: datetime
) -> list[int]:
    """Rows left `sending` since before `claimed_before` by a delivery that no longer runs (all
    but `kept`) go back to pending; their ids."""
    rows = await fetchall(
        conn,
        "SELECT id FROM outbox WHERE state = 'sending' AND updated_at < ?",
        (iso(claimed_before),),
    )
    stuck = [row["id"] for row in rows if row["id"] not in kept]
    await conn.executemany(
        "UPDATE outbox SET state = 'pending', updated_at = ? WHERE id = ? AND state = 'sending'",
        [(iso(now), row_id) for row_id in stuck],
    )
    return stuck


async def release_in_flight(conn: aiosqlite.Connection, now: datetime) -> int:
    """After a restart: rows claimed but never confirmed go back to pending (they may have
    reached Telegram just before the stop: the documented window for one duplicate)."""
    cursor = await conn.execute(
        "UPDATE outbox SET state = 'pending', updated_at = ? WHERE state = 'sending'",
        (iso(now),),
    )
    return cursor.rowcount


async def next_due_after(conn: aiosqlite.Connection, now: datetime) -> datetime | None:
    """When the earliest postponed row falls due."""
    rows = await fetchall(
        conn,
        "SELECT MIN(not_before) AS due FROM outbox WHERE state = 'pending' AND not_before > ?",
        (iso(now),),
    )
    due = rows[0]["due"] if rows else None
    return datetime.fromisoformat(due) if due else None


async def counts(conn: aiosqlite.Connection, broadcast_id: int) -> DeliveryCounts:
    rows = await fetchall(
        conn,
        "SELECT state, COUNT(*) AS n FROM outbox WHERE broadcast_id = ? GROUP BY state",
        (broadcast_id,),
    )
    by_state = {row["state"]: row["n"] for row in rows}
    # Rows deleted by retention were counted into the broadcast first.
    archived = await fetchall(
        conn,
        "SELECT archived_sent AS sent, archived_blocked AS blocked,"
        " archived_failed AS failed, archived_cancelled AS cancelled"
        " FROM broadcasts WHERE id = ?",
        (broadcast_id,),
    )
    for row in archived:
        for state in ("sent", "blocked", "failed", "cancelled"):
            by_state[state] = by_state.get(state, 0) + row[state]
    return DeliveryCounts(
        pending=by_state.get("pending", 0) + by_state.get("sending", 0),
        sent=by_state.get("sent", 0),
        blocked=by_state.get("blocked", 0),
        failed=by_state.get("failed", 0),
        cancelled=by_state.get("cancelled", 0),
    )

"""Micro-wishes: the wall, claims (each conditional write one statement), deliveries, the
expiry of wishes and claims past their deadline, the fulfilled wall, and erasure."""

from __future__ import annotations

from datetime import date, datetime

import aiosqlite

from bot.domain.wishes import Wish, WishDraft, WishState
from storage.rows import fetchall, fetchone, from_iso, iso

SELECT_WISH = (
    "SELECT w.*, t.key AS team_key, c.name AS community FROM wishes w"
    " JOIN teams t ON t.id = w.team_id JOIN wish_communities c ON c.id = w.community_id"
)
# Claims a person holds and has not delivered yet (the per-person limit counts these).
_OPEN_CLAIMS = "SELECT COUNT(*) FROM wishes WHERE claimer_id = :volunteer AND state = 'claimed'"


def _moment(text: str | None) -> datetime | None:
    return from_iso(text) if text else None


def wish_from_row(row: aiosqlite.Row) -> Wish:
    return Wish(
        id=row["id"],
        team_key=row["team_key"],
        community_id=row["community_id"],
        community=row["community"],
        title=row["title"],
        story=row["story"],
        value_yuan=row["value_yuan"],
        deadline=date.fromisoformat(row["deadline"]),
        photo=row["photo"],
        private_note=row["private_note"],
        state=WishState(row["state"]),
        posted_by=row["posted_by"],
        posted_at=from_iso(row["posted_at"]),
        claimer_id=row["claimer_id"],
        claimed_at=_moment(row["claimed_at"]),
        delivered_at=_moment(row["delivered_at"]),
        delivery_photo=row["delivery_photo"],
        delivery_note=row["delivery_note"],
        minutes=row["minutes"],
        sent_back_reason=row["sent_back_reason"],
        confirmed_at=_moment(row["confirmed_at"]),
        record_id=row["record_id"],
    )


async def community_id(conn: aiosqlite.Connection, name: str) -> int:
    """The community's id, added the first time it is named."""
    row = await fetchone(
        conn,
        "INSERT INTO wish_communities (name) VALUES (?) ON CONFLICT (name)"
        " DO UPDATE SET name = excluded.name RETURNING id",
        (name,),
    )
    assert row is not None
    return int(row["id"])


async def insert(
    conn: aiosqlite.Connection,
    draft: WishDraft,
    team_id: int,
    community: int,
    posted_by: int,
    now: datetime,
) -> int:
    row = await fetchone(
        conn,
        "INSERT INTO wishes (team_id, community_id, title, story, value_yuan, deadline, photo,"
        " private_note, state, posted_by, posted_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?) RETURNING id",
        (
            team_id,
            community,
            draft.title,
            draft.story,
            draft.value_yuan,
            draft.deadline.isoformat(),
            draft.photo,
            draft.private_note,
            posted_by,
            iso(now),
            iso(now),
        ),
    )
    assert row is not None
    return int(row["id"])


async def get(conn: aiosqlite.Connection, wish_id: int) -> Wish | None:
    row = await fetchone(conn, f"{SELECT_WISH} WHERE w.id = ?", (wish_id,))
    return wish_from_row(row) if row else None


def _wall_filter(team_id: int | None, community: int | None) -> tuple[str, list[object]]:
    where, params = "", list[object]()
    if team_id is not None:
        where += " AND w.team_id = ?"
        params.append(team_id)
    if community is not None:
        where += " AND w.community_id = ?"
        params.append(community)
    return where, params


async def wall(
    conn: aiosqlite.Connection,
    today: date,
    team_id: int | None,
    community: int | None,
    limit: int,
    offset: int,
) -> list[Wish]:
    """Open wishes whose last day has not passed, newest first, one page."""
    where, params = _wall_filter(team_id, community)
    rows = await fetchall(
        conn,
        f"{SELECT_WISH} WHERE w.state = 'open' AND w.deadline >= ?{where}"
        " ORDER BY w.id DESC LIMIT ? OFFSET ?",
        (today.isoformat(), *params, limit, offset),
    )
    return [wish_from_row(row) for row in rows]


async def wall_count(
    conn: aiosqlite.Connection, today: date, team_id: int | None, community: int | None
) -> int:
    """How many open wishes whose last day has not passed (of one team, one community)."""
    where, params = _wall_filter(team_id, community)
    row = await fetchone(
        conn,
        f"SELECT COUNT(*) AS n FROM wishes w WHERE w.state = 'open' AND w.deadline >= ?{where}",
        (today.isoformat(), *params),
    )
    return int(row["n"]) if row else 0


async def communities_open(
    conn: aiosqlite.Connection, today: date, team_id: int | None
) -> list[tuple[int, str, int]]:
    """Communities with open wishes (of one team, if given), as (id, name, how many), the
    busiest first."""
    where, params = _wall_filter(team_id, None)
    rows = await fetchall(
        conn,
        "SELECT c.id, c.name, COUNT(*) AS n FROM wishes w"
        " JOIN wish_communities c ON c.id = w.community_id"
        f" WHERE w.state = 'open' AND w.deadline >= ?{where}"
        " GROUP BY c.id ORDER BY n DESC, c.name",
        (today.isoformat(), *params),
    )
    return [(int(row["id"]), str(row["name"]), int(row["n"])) for row in rows]


async def lead_telegram_ids(conn: aiosqlite.Connection) -> list[int]:
    """The Telegram ids of every team's leads (who may post wishes)."""
    rows = await fetchall(
        conn,
        "SELECT DISTINCT v.telegram_id FROM team_leads l JOIN volunteers v ON v.id = l.volunteer_id"
        " WHERE v.telegram_id IS NOT NULL",
    )
    return [int(row[0]) for row in rows]


async def community_name(conn: aiosqlite.Connection, community: int) -> str | None:
    row = await fetchone(conn, "SELECT name FROM wish_communities WHERE id = ?", (community,))
    return str(row["name"]) if row else None


async def claim(
    conn: aiosqlite.Connection,
    wish_id: int,
    volunteer_id: int,
    today: date,
    most: int,
    now: datetime,
) -> bool:
    """Claim an open wish whose last day has not passed, if the person holds fewer than `most`
    undelivered claims: one statement, so two presses at once make one claim."""
    cursor = await conn.execute(
        "UPDATE wishes SET state = 'claimed', claimer_id = :volunteer, claimed_at = :now,"
        " sent_back_reason = NULL, updated_at = :now"
        " WHERE id = :wish AND state = 'open' AND deadline >= :today"
        f" AND ({_OPEN_CLAIMS}) < :most",
        {
            "volunteer": volunteer_id,
            "now": iso(now),
            "wish": wish_id,
            "today": today.isoformat(),
            "most": most,
        },
    )
    return cursor.rowcount == 1


async def open_claims(conn: aiosqlite.Connection, volunteer_id: int) -> int:
    row = await fetchone(conn, _OPEN_CLAIMS.replace(":volunteer", "?"), (volunteer_id,))
    return int(row[0]) if row else 0


_BACK_TO_OPEN = (
    "state = 'open', claimer_id = NULL, claimed_at = NULL, delivered_at = NULL,"
    " delivery_photo = NULL, delivery_note = NULL, minutes = NULL, sent_back_reason = NULL"
)


async def release(
    conn: aiosqlite.Connection, wish_id: int, volunteer_id: int, now: datetime
) -> bool:
    """The claimer gives the wish back to the wall (before delivering it)."""
    cursor = await conn.execute(
        f"UPDATE wishes SET {_BACK_TO_OPEN}, updated_at = ?"
        " WHERE id = ? AND claimer_id = ? AND state = 'claimed'",
        (iso(now), wish_id, volunteer_id),
    )
    return cursor.rowcount == 1


async def deliver(
    conn: aiosqlite.Connection,
    wish_id: int,
    volunteer_id: int,
    photo: str,
    note: str,
    minutes: int,
    now: datetime,
) -> bool:
    cursor = await conn.execute(
        "UPDATE wishes SET state = 'delivered', delivered_at = ?, delivery_photo = ?,"
        " delivery_note = ?, minutes = ?, updated_at = ?"
        " WHERE id = ? AND claimer_id = ? AND state = 'claimed'",
        (iso(now), photo, note, minutes, iso(now), wish_id, volunteer_id),
    )
    return cursor.rowcount == 1


async def confirm(
    conn: aiosqlite.Connection, wish_id: int, record_id: int, by: int, now: datetime
) -> bool:
    cursor = await conn.execute(
        "UPDATE wishes SET state = 'confirmed', record_id = ?, confirmed_at = ?,"
        " confirmed_by = ?, updated_at = ? WHERE id = ? AND state = 'delivered'",
        (record_id, iso(now), by, iso(now), wish_id),
    )
    return cursor.rowcount == 1


async def send_back(conn: aiosqlite.Connection, wish_id: int, reason: str, now: datetime) -> bool:
    """The delivery goes back to its claimer, with the lead's reason, to be reported again."""
    cursor = await conn.execute(
        "UPDATE wishes SET state = 'claimed', delivered_at = NULL, delivery_photo = NULL,"
        " delivery_note = NULL, minutes = NULL, sent_back_reason = ?, updated_at = ?"
        " WHERE id = ? AND state = 'delivered'",
        (reason, iso(now), wish_id),
    )
    return cursor.rowcount == 1


async def lapse_claims(conn: aiosqlite.Connection, today: date, now: datetime) -> list[Wish]:
    """Claims not delivered by the wish's last day: back to open; the wishes as they were."""
    rows = await fetchall(
        conn,
        f"{SELECT_WISH} WHERE w.state = 'claimed' AND w.deadline < ?",
        (today.isoformat(),),
    )
    for row in rows:
        await conn.execute(
            f"UPDATE wishes SET {_BACK_TO_OPEN}, updated_at = ? WHERE id = ? AND state = 'claimed'",
            (iso(now), row["id"]),
        )
    return [wish_from_row(row) for row in rows]


async def expire(conn: aiosqlite.Connection, today: date, now: datetime) -> list[Wish]:
    """Open wishes past their last day: expired, and marked as told (the caller tells the
    leads in the same transaction, so each is told once)."""
    rows = await fetchall(
        conn,
        f"{SELECT_WISH} WHERE w.state = 'open' AND w.deadline < ?",
        (today.isoformat(),),
    )
    for row in rows:
        await conn.execute(
            "UPDATE wishes SET state = 'expired', expired_at = ?, expiry_told_at = ?,"
            " updated_at = ? WHERE id = ? AND state = 'open'",
            (iso(now), iso(now), iso(now), row["id"]),
        )
    return [wish_from_row(row) for row in rows]


async def claims_of(conn: aiosqlite.Connection, volunteer_id: int) -> list[Wish]:
    """The person's wishes claimed or delivered, not yet confirmed, soonest deadline first."""
    rows = await fetchall(
        conn,
        f"{SELECT_WISH} WHERE w.claimer_id = ? AND w.state IN ('claimed', 'delivered')"
        " ORDER BY w.deadline, w.id",
        (volunteer_id,),
    )
    return [wish_from_row(row) for row in rows]


async def awaiting(conn: aiosqlite.Connection, team_keys: list[str] | None) -> list[Wish]:
    """Delivered wishes waiting for a lead's word, of these teams (None: every team)."""
    where, params = "", list(team_keys or [])
    if team_keys is not None:
        where = f" AND t.key IN ({', '.join('?' for _ in team_keys)})"
    rows = await fetchall(
        conn,
        f"{SELECT_WISH} WHERE w.state = 'delivered'{where} ORDER BY w.delivered_at, w.id",
        params,
    )
    return [wish_from_row(row) for row in rows]


async def confirmed_between(
    conn: aiosqlite.Connection, start: datetime, end: datetime, team_id: int | None = None
) -> list[Wish]:
    """Wishes confirmed in [start, end), of one team if given, in the order confirmed."""
    where = " AND w.team_id = ?" if team_id is not None else ""
    rows = await fetchall(
        conn,
        f"{SELECT_WISH} WHERE w.state = 'confirmed' AND w.confirmed_at >= ?"
        f" AND w.confirmed_at < ?{where} ORDER BY w.confirmed_at, w.id",
        (iso(start), iso(end), *([team_id] if team_id is not None else [])),
    )
    return [wish_from_row(row) for row in rows]


async def teams_fulfilled(conn: aiosqlite.Connection, start: datetime, end: datetime) -> list[int]:
    """Teams with a wish confirmed in [start, end)."""
    rows = await fetchall(
        conn,
        "SELECT DISTINCT team_id FROM wishes WHERE state = 'confirmed'"
        " AND confirmed_at >= ? AND confirmed_at < ? ORDER BY team_id",
        (iso(start), iso(end)),
    )
    return [int(row[0]) for row in rows]


async def fulfilled_by_community(
    conn: aiosqlite.Connection, start: datetime, end: datetime
) -> list[tuple[str, int]]:
    """Wishes confirmed in [start, end), counted by community, most first."""
    rows = await fetchall(
        conn,
        "SELECT c.name, COUNT(*) AS n FROM wishes w"
        " JOIN wish_communities c ON c.id = w.community_id"
        " WHERE w.state = 'confirmed' AND w.confirmed_at >= ? AND w.confirmed_at < ?"
        " GROUP BY c.id ORDER BY n DESC, c.name",
        (iso(start), iso(end)),
    )
    return [(str(row["name"]), int(row["n"])) for row in rows]


# ---------------------------------------------------------------- erasure


async def erase_person(
    conn: aiosqlite.Connection, volunteer_id: int, telegram_id: int, erased: int, now: datetime
) -> int:
    """Inside the /forget_me transaction: the person's claims not yet confirmed go back to the
    wall, the note and photo of their confirmed deliveries are dropped (the wish and its
    record stay, pseudonymous), and what they posted or confirmed as a lead keeps `erased` in
    place of their Telegram id. How many claims were released."""
    cursor = await conn.execute(
        f"UPDATE wishes SET {_BACK_TO_OPEN}, updated_at = ?"
        " WHERE claimer_id = ? AND state IN ('claimed', 'delivered')",
        (iso(now), volunteer_id),
    )
    released = cursor.rowcount
    await conn.execute(
        "UPDATE wishes SET delivery_photo = NULL, delivery_note = NULL, sent_back_reason = NULL"
        " WHERE claimer_id = ?",
        (volunteer_id,),
    )
    await conn.execute("UPDATE wishes SET posted_by = ? WHERE posted_by = ?", (erased, telegram_id))
    await conn.execute(
        "UPDATE wishes SET confirmed_by = ? WHERE confirmed_by = ?", (erased, telegram_id)
    )
    return released

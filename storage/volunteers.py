"""Registered volunteers and their personal data."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.domain.models import Volunteer
from storage.rows import fetchall, fetchone, from_iso, iso, like_pattern

# A number its verified owner took over leaves this placeholder behind (migration 008): never a
# valid phone, read as no number.
RELEASED = "released:"
_PHONE = f"CASE WHEN v.phone LIKE '{RELEASED}%' THEN '' ELSE v.phone END"

_SELECT = (
    f"SELECT v.id, v.telegram_id, v.name, {_PHONE} AS phone, v.phone_verified, v.registered_at,"
    " (SELECT group_concat(t.key, ',') FROM"
    "   (SELECT t.key FROM memberships m JOIN teams t ON t.id = m.team_id"
    "    WHERE m.volunteer_id = v.id ORDER BY t.id) AS t) AS team_keys"
    " FROM volunteers v"
)


def _volunteer(row: aiosqlite.Row) -> Volunteer:
    keys = tuple(row["team_keys"].split(",")) if row["team_keys"] else ()
    return Volunteer(
        row["id"],
        row["telegram_id"],
        row["name"],
        row["phone"],
        from_iso(row["registered_at"]),
        keys,
        bool(row["phone_verified"]),
    )


async def by_telegram_id(conn: aiosqlite.Connection, telegram_id: int) -> Volunteer | None:
    row = await fetchone(conn, f"{_SELECT} WHERE v.telegram_id = ?", (telegram_id,))
    return _volunteer(row) if row else None


async def by_id(conn: aiosqlite.Connection, volunteer_id: int) -> Volunteer | None:
    row = await fetchone(
        conn, f"{_SELECT} WHERE v.id = ? AND v.forgotten_at IS NULL", (volunteer_id,)
    )
    return _volunteer(row) if row else None


async def phone_holder(conn: aiosqlite.Connection, phone: str) -> int | None:
    """The id of the volunteer holding this phone number, if any."""
    row = await fetchone(conn, "SELECT id FROM volunteers WHERE phone = ?", (phone,))
    return int(row["id"]) if row else None


@dataclass(frozen=True)
class PhoneHolder:
    id: int
    telegram_id: int | None
    verified: bool
    imported: bool  # an imported roster entry not yet linked to an account


async def phone_holder_of(conn: aiosqlite.Connection, phone: str) -> PhoneHolder | None:
    """Who holds this phone number, and how (verified, imported), if anyone."""
    row = await fetchone(
        conn,
        "SELECT id, telegram_id, phone_verified, imported_at FROM volunteers WHERE phone = ?",
        (phone,),
    )
    if row is None:
        return None
    return PhoneHolder(
        int(row["id"]),
        row["telegram_id"],
        bool(row["phone_verified"]),
        row["telegram_id"] is None and row["imported_at"] is not None,
    )


async def release_phone(conn: aiosqlite.Connection, volunteer_id: int, now: datetime) -> None:
    """Take an unverified number away from its holder (its verified owner claimed it)."""
    await conn.execute(
        "UPDATE volunteers SET phone = ? || id, phone_verified = 0, updated_at = ?"
        " WHERE id = ? AND phone_verified = 0",
        (RELEASED, iso(now), volunteer_id),
    )


async def insert(
    conn: aiosqlite.Connection,
    telegram_id: int,
    name: str,
    phone: str,
    now: datetime,
    phone_verified: bool = False,
) -> int:
    cursor = await conn.execute(
        "INSERT INTO volunteers (telegram_id, name, phone, phone_verified, consent_at,"
        " registered_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (telegram_id, name, phone, int(phone_verified), iso(now), iso(now), iso(now)),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


async def update_name(
    conn: aiosqlite.Connection, volunteer_id: int, name: str, now: datetime
) -> None:
    await conn.execute(
        "UPDATE volunteers SET name = ?, updated_at = ? WHERE id = ?",
        (name, iso(now), volunteer_id),
    )


async def update_phone(
    conn: aiosqlite.Connection,
    volunteer_id: int,
    phone: str,
    now: datetime,
    phone_verified: bool = False,
) -> None:
    await conn.execute(
        "UPDATE volunteers SET phone = ?, phone_verified = ?, updated_at = ? WHERE id = ?",
        (phone, int(phone_verified), iso(now), volunteer_id),
    )


async def forget(conn: aiosqlite.Connection, volunteer_id: int, now: datetime) -> None:
    """Erase personal data and memberships; the row stays for anonymous aggregates."""
    await conn.execute("DELETE FROM memberships WHERE volunteer_id = ?", (volunteer_id,))
    await conn.execute("DELETE FROM team_leads WHERE volunteer_id = ?", (volunteer_id,))
    await conn.execute(
        "UPDATE volunteers SET telegram_id = NULL, name = NULL, phone = NULL, consent_at = NULL,"
        " phone_verified = 0, forgotten_at = ?, updated_at = ? WHERE id = ?",
        (iso(now), iso(now), volunteer_id),
    )


async def search(conn: aiosqlite.Connection, fragment: str, limit: int) -> list[Volunteer]:
    """Active volunteers whose name or phone contains the fragment, by name."""
    pattern = like_pattern(fragment)
    rows = await fetchall(
        conn,
        f"{_SELECT} WHERE v.forgotten_at IS NULL"
        " AND (v.name LIKE ? ESCAPE '\\' OR (v.phone LIKE ? ESCAPE '\\'"
        f" AND v.phone NOT LIKE '{RELEASED}%'))"
        " ORDER BY v.name, v.id LIMIT ?",
        (pattern, pattern, limit),
    )
    return [_volunteer(row) for row in rows]


async def imported_holder(conn: aiosqlite.Connection, phone: str) -> int | None:
    """The id of an imported roster entry with this phone not yet linked to an account."""
    row = await fetchone(
        conn,
        "SELECT id FROM volunteers WHERE phone = ? AND telegram_id IS NULL"
        " AND imported_at IS NOT NULL AND forgotten_at IS NULL",
        (phone,),
    )
    return int(row["id"]) if row else None


async def insert_imported(
    conn: aiosqlite.Connection, people: Sequence[tuple[str, str]], now: datetime
) -> tuple[dict[str, int], int]:
    """People from an existing roster (name, phone), with no Telegram account yet (the
    federation holds their consent on paper; they give it again when they register); a phone
    number already held keeps its holder. The volunteer id of every phone, and how many were
    new. A few statements for the whole batch: the write lock is held briefly."""
    phones = [phone for _, phone in people]
    marks = ", ".join("?" for _ in phones)
    held = f"SELECT id, phone FROM volunteers WHERE phone IN ({marks})"
    known = {row["phone"]: row["id"] for row in await fetchall(conn, held, phones)}
    new = [(name, phone) for name, phone in people if phone not in known]
    at = iso(now)
    await conn.executemany(
        "INSERT INTO volunteers (telegram_id, name, phone, consent_at, registered_at,"
        " updated_at, imported_at) VALUES (NULL, ?, ?, ?, ?, ?, ?)",
        [(name, phone, at, at, at, at) for name, phone in new],
    )
    ids = {row["phone"]: row["id"] for row in await fetchall(conn, held, phones)}
    return ids, len(new)


async def link_account(
    conn: aiosqlite.Connection, volunteer_id: int, telegram_id: int, name: str, now: datetime
) -> None:
    """An imported person registers (sharing their contact, so the number is verified): the
    account takes over the roster entry."""
    await conn.execute(
        "UPDATE volunteers SET telegram_id = ?, name = ?, phone_verified = 1, consent_at = ?,"
        " registered_at = ?, updated_at = ? WHERE id = ? AND telegram_id IS NULL",
        (telegram_id, name, iso(now), iso(now), iso(now), volunteer_id),
    )


async def search_names_in_teams(
    conn: aiosqlite.Connection, fragment: str, team_ids: list[int], limit: int
) -> list[Volunteer]:
    """Members of these teams whose name contains the fragment, by name."""
    marks = ", ".join("?" for _ in team_ids) or "NULL"
    rows = await fetchall(
        conn,
        f"{_SELECT} WHERE v.forgotten_at IS NULL AND v.name LIKE ? ESCAPE '\\'"
        f" AND EXISTS (SELECT 1 FROM memberships m WHERE m.volunteer_id = v.id"
        f" AND m.team_id IN ({marks})) ORDER BY v.name, v.id LIMIT ?",
        (like_pattern(fragment), *team_ids, limit),
    )
    return [_volunteer(row) for row in rows]

"""Sign-ups: confirmed or waitlisted, decided atomically in SQL against the capacity."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.rows import fetchall, fetchone, iso


async def active(
    conn: aiosqlite.Connection, activity_id: int, volunteer_id: int
) -> tuple[int, str] | None:
    """The volunteer's current (not cancelled) sign-up: (id, status)."""
    row = await fetchone(
        conn,
        "SELECT id, status FROM signups WHERE activity_id = ? AND volunteer_id = ?"
        " AND status != 'cancelled'",
        (activity_id, volunteer_id),
    )
    return (int(row["id"]), str(row["status"])) if row else None


async def place(
    conn: aiosqlite.Connection, activity_id: int, volunteer_id: int, now: datetime
) -> tuple[int, str]:
    """Confirm while slots remain, else waitlist: one statement, so the count and the insert
    cannot be split by another writer. Returns (id, status)."""
    row = await fetchone(
        conn,
        "INSERT INTO signups (activity_id, volunteer_id, status, created_at, updated_at)"
        " SELECT a.id, ?, CASE WHEN (SELECT COUNT(*) FROM signups s WHERE s.activity_id = a.id"
        "   AND s.status = 'confirmed') < a.capacity THEN 'confirmed' ELSE 'waitlisted' END, ?, ?"
        " FROM activities a WHERE a.id = ? RETURNING id, status",
        (volunteer_id, iso(now), iso(now), activity_id),
    )
    assert row is not None
    return int(row["id"]), str(row["status"])


async def place_if_open(
    conn: aiosqlite.Connection,
    activity_id: int,
    volunteer_id: int,
    now: datetime,
    starts_at: datetime,
    ends_at: datetime,
) -> tuple[int, str] | None:
    """`place`, in the same one statement, only while everything that allows a sign-up still
    holds: the activity is published, not started and still at the time the caller read
    (`starts_at`..`ends_at`, which its reminders are planned from), the person has no sign-up
    to it yet and none to another published activity overlapping it. None if anything of that
    changed (the caller then decides the exact reason)."""
    row = await fetchone(
        conn,
        "INSERT INTO signups (activity_id, volunteer_id, status, created_at, updated_at)"
        " SELECT a.id, ?, CASE WHEN (SELECT COUNT(*) FROM signups s WHERE s.activity_id = a.id"
        "   AND s.status = 'confirmed') < a.capacity THEN 'confirmed' ELSE 'waitlisted' END, ?, ?"
        " FROM activities a WHERE a.id = ? AND a.state = 'published' AND a.starts_at > ?"
        " AND a.starts_at = ? AND a.ends_at = ?"
        " AND NOT EXISTS (SELECT 1 FROM signups mine WHERE mine.activity_id = a.id"
        "   AND mine.volunteer_id = ? AND mine.status != 'cancelled')"
        " AND NOT EXISTS (SELECT 1 FROM signups other JOIN activities b ON b.id = other.activity_id"
        "   WHERE other.volunteer_id = ? AND other.status != 'cancelled' AND b.id != a.id"
        "   AND b.state = 'published' AND b.starts_at < a.ends_at AND b.ends_at > a.starts_at)"
        " RETURNING id, status",
        (
            volunteer_id,
            iso(now),
            iso(now),
            activity_id,
            iso(now),
            iso(starts_at),
            iso(ends_at),
            volunteer_id,
            volunteer_id,
        ),
    )
    return (int(row["id"]), str(row["status"])) if row else None


async def cancel(conn: aiosqlite.Connection, signup_id: int, now: datetime) -> None:
    await conn.execute(
        "UPDATE signups SET status = 'cancelled', updated_at = ? WHERE id = ?",
        (iso(now), signup_id),
    )


async def promote_next(
    conn: aiosqlite.Connection, activity_id: int, now: datetime
) -> tuple[int, int] | None:
    """Confirm the first on the waitlist if a slot is free; returns (signup id, volunteer id)."""
    row = await fetchone(
        conn,
        "UPDATE signups SET status = 'confirmed', updated_at = ? WHERE id = ("
        "  SELECT id FROM signups WHERE activity_id = ? AND status = 'waitlisted'"
        "  ORDER BY id LIMIT 1)"
        " AND (SELECT COUNT(*) FROM signups WHERE activity_id = ? AND status = 'confirmed')"
        "   < (SELECT capacity FROM activities WHERE id = ?)"
        " RETURNING id, volunteer_id",
        (iso(now), activity_id, activity_id, activity_id),
    )
    return (int(row["id"]), int(row["volunteer_id"])) if row else None


async def position(conn: aiosqlite.Connection, activity_id: int, signup_id: int) -> int:
    """1-based place on the waitlist."""
    row = await fetchone(
        conn,
        "SELECT COUNT(*) AS ahead FROM signups WHERE activity_id = ? AND status = 'waitlisted'"
        " AND id <= ?",
        (activity_id, signup_id),
    )
    return int(row["ahead"]) if row else 0


async def counts(conn: aiosqlite.Connection, activity_id: int) -> tuple[int, int]:
    """(confirmed, waitlisted)."""
    row = await fetchone(
        conn,
        "SELECT SUM(status = 'confirmed') AS confirmed, SUM(status = 'waitlisted') AS waiting"
        " FROM signups WHERE activity_id = ?",
        (activity_id,),
    )
    if row is None:
        return 0, 0
    return int(row["confirmed"] or 0), int(row["waiting"] or 0)


async def roster(conn: aiosqlite.Connection, activity_id: int) -> list[tuple[int, str]]:
    """(volunteer id, status) of everyone confirmed or waiting, in arrival order."""
    rows = await fetchall(
        conn,
        "SELECT volunteer_id, status FROM signups WHERE activity_id = ?"
        " AND status != 'cancelled' ORDER BY id",
        (activity_id,),
    )
    return [(int(row["volunteer_id"]), str(row["status"])) for row in rows]

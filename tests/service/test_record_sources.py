"""Migration 014: service records from micro-wishes and household visits, on a database that
already holds records, their audit and the monthly totals kept by triggers."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from storage.db import migrate_file, migrations

BEFORE = 13  # the last migration before record sources were widened


def _migrate_up_to(path: Path, last: int) -> None:
    with sqlite3.connect(path, isolation_level=None) as conn:
        for number, _, sql in migrations()[:last]:
            conn.executescript(f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;")


def _record(conn: sqlite3.Connection, record_id: int, source: str, state: str = "pending") -> None:
    conn.execute(
        "INSERT INTO service_records (id, volunteer_id, activity_id, team_id, category, title,"
        " place, content, served_on, proposed_minutes, minutes, mark, state, source,"
        " created_at, updated_at)"
        " VALUES (?, 1, NULL, 1, 'c', 't', 'p', 'content', '2026-11-20', 60, 60, 'present', ?, ?,"
        " 'now', 'now')",
        (record_id, state, source),
    )


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "bot.sqlite3"
    _migrate_up_to(path, BEFORE)
    with sqlite3.connect(path, isolation_level=None) as conn:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute(
            "INSERT INTO teams (id, key, name_zh, name_en, created_at)"
            " VALUES (1, 'aa', 'a', 'b', 'n')"
        )
        conn.execute(
            "INSERT INTO volunteers (id, telegram_id, name, phone, consent_at, registered_at,"
            " updated_at) VALUES (1, 42, 'Li', '13800000000', 'n', 'n', 'n')"
        )
        _record(conn, 1, "manual", "approved")
        conn.execute(
            "INSERT INTO record_audit (record_id, at, action, after) VALUES (1, 'n', 'added', '{}')"
        )
    return path


async def test_existing_records_and_their_audit_survive_the_migration(database: Path) -> None:
    assert await migrate_file(database) == [name for _, name, _ in migrations()[BEFORE:]]
    with sqlite3.connect(database) as conn:
        assert conn.execute(
            "SELECT id, source, state, minutes FROM service_records"
        ).fetchall() == [(1, "manual", "approved", 60)]
        assert conn.execute("SELECT record_id, action FROM record_audit").fetchall() == [
            (1, "added")
        ]
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


async def test_wish_and_visit_records_are_accepted_and_others_refused(database: Path) -> None:
    await migrate_file(database)
    with sqlite3.connect(database, isolation_level=None) as conn:
        _record(conn, 2, "wish")
        _record(conn, 3, "visit")
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
            _record(conn, 4, "gift")
        assert conn.execute("SELECT source FROM service_records ORDER BY id").fetchall() == [
            ("manual",),
            ("wish",),
            ("visit",),
        ]


async def test_the_monthly_totals_triggers_count_new_sources(database: Path) -> None:
    await migrate_file(database)
    with sqlite3.connect(database, isolation_level=None) as conn:
        _record(conn, 2, "wish")
        conn.execute("UPDATE service_records SET state = 'approved', minutes = 90 WHERE id = 2")
        _record(conn, 3, "visit")
        totals = conn.execute(
            "SELECT approved, pending, records FROM team_month_totals WHERE team_id = 1"
        ).fetchone()
    assert totals == (60 + 90, 60, 3)


async def test_the_audit_stays_append_only_for_new_sources(database: Path) -> None:
    await migrate_file(database)
    with sqlite3.connect(database, isolation_level=None) as conn:
        _record(conn, 2, "wish")
        conn.execute(
            "INSERT INTO record_audit (record_id, at, action, after) VALUES (2, 'n', 'added', '{}')"
        )
        for statement in ("UPDATE record_audit SET at = 'x'", "DELETE FROM record_audit"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                conn.execute(statement)


async def test_a_connection_opened_before_the_migration_sees_the_wider_check(
    database: Path,
) -> None:
    with sqlite3.connect(database, isolation_level=None) as earlier:
        earlier.execute("SELECT COUNT(*) FROM service_records").fetchone()
        await migrate_file(database)
        _record(earlier, 2, "wish")
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
            _record(earlier, 3, "gift")

"""The database file: pragmas, migrations, refusing a newer schema, atomic transactions."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import aiosqlite
import pytest

from storage.db import Database, DatabaseTooNewError, migrate_file, migrations


async def test_open_applies_all_migrations_with_safe_pragmas(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "sub" / "bot.sqlite3")
    try:
        async with db.reader.execute("PRAGMA user_version") as cursor:
            assert (await cursor.fetchone())[0] == len(migrations())
        async with db.transaction() as tx:
            for pragma, expected in [
                ("journal_mode", "wal"),
                ("synchronous", 2),
                ("foreign_keys", 1),
                ("busy_timeout", 5000),
            ]:
                async with tx.execute(f"PRAGMA {pragma}") as cursor:
                    assert (await cursor.fetchone())[0] == expected, pragma
    finally:
        await db.close()


async def test_migrating_twice_applies_nothing_the_second_time(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    assert await migrate_file(path) == [name for _, name, _ in migrations()]
    assert await migrate_file(path) == []


async def test_a_database_newer_than_the_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    await migrate_file(path)
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {len(migrations()) + 1}")
    with pytest.raises(DatabaseTooNewError, match="upgrade the bot"):
        await Database.open(path)


async def test_a_failing_transaction_leaves_nothing_behind(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bot.sqlite3")
    try:
        with pytest.raises(RuntimeError):
            async with db.transaction() as tx:
                await tx.execute(
                    "INSERT INTO teams (key, name_zh, name_en, created_at)"
                    " VALUES ('x1', 'a', 'b', 'now')"
                )
                raise RuntimeError("boom")
        async with db.reader.execute("SELECT COUNT(*) FROM teams") as cursor:
            assert (await cursor.fetchone())[0] == 0
    finally:
        await db.close()


async def test_role_changes_are_append_only(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bot.sqlite3")
    try:
        async with db.transaction() as tx:
            await tx.execute(
                "INSERT INTO teams (id, key, name_zh, name_en, created_at)"
                " VALUES (1, 'aa', 'a', 'b', 'now')"
            )
            await tx.execute(
                "INSERT INTO role_changes (at, actor_telegram_id, action, team_id)"
                " VALUES ('now', 1, 'add_team', 1)"
            )
        for statement in (
            "UPDATE role_changes SET actor_telegram_id = 2",
            "DELETE FROM role_changes",
        ):
            with pytest.raises(aiosqlite.IntegrityError, match="append-only"):
                async with db.transaction() as tx:
                    await tx.execute(statement)
    finally:
        await db.close()

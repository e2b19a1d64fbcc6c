"""The operator's commands as real processes beside a running bot (issue 11): a large roster
import, backup and restore, doctor."""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import ManualClock
from bot.config import Config, load_config
from bot.domain.models import Activity
from bot.services import Services
from storage.backup import RunLock, check_file
from storage.db import Database, migrations, read_connection
from storage.rows import iso
from tests.conftest import ADMIN_ID, TEAMS, distinct_name
from tests.e2e.helpers import cli_env, run_cli, start_cli


def _config_file(folder: Path, database: Path, extra: str = "") -> Path:
    """A config.toml for the CLI: the database, the test teams, and `extra` tables."""
    teams = "".join(
        f'[[teams]]\nkey = "{t.key}"\nname_zh = "{t.name_zh}"\nname_en = "{t.name_en}"\n\n'
        for t in TEAMS
    )
    path = folder / "config.toml"
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f'[storage]\npath = "{database}"\n\n[org]\nadmins = [{ADMIN_ID}]\n\n{extra}\n{teams}',
        encoding="utf-8",
    )
    return path


async def _run(*args: str, cwd: Path) -> tuple[int, str, str]:
    return await run_cli(*args, cwd=cwd, timeout=120)


async def _bot(
    config: Config, clock: ManualClock, busy_timeout_ms: int
) -> tuple[Database, Services]:
    db = await Database.open(config.storage.path, busy_timeout_ms)
    services = Services.build(db, config, clock)
    await services.teams.seed(config.teams)
    return db, services


async def test_item5_a_large_import_does_not_starve_the_bots_writers(
    tmp_path: Path, clock: ManualClock
) -> None:
    database = tmp_path / "data" / "bot.sqlite3"
    config_file = _config_file(tmp_path, database)
    config = load_config(config_file)
    roster = tmp_path / "roster.csv"
    rows = 10_000
    roster.write_text(
        "name,phone,teams\n"
        + "".join(f"{distinct_name(n)},139{n:08d},traffic;blood\n" for n in range(rows)),
        encoding="utf-8",
    )
    # The bot gives up on a lock after 0.5 s (5 s in production; the import of 10,000 rows
    # in one transaction held it about 1.5 s on this machine).
    db, services = await _bot(config, clock, busy_timeout_ms=500)
    try:
        importer = await start_cli(
            "import-volunteers",
            "--config",
            str(config_file),
            str(roster),
            env=cli_env(),
            cwd=tmp_path,
        )
        finished = asyncio.create_task(importer.communicate())
        waits: list[float] = []
        people = 0
        try:
            async with asyncio.timeout(120):
                while not finished.done():
                    began = time.monotonic()
                    await services.registration.register(
                        10_000 + people,
                        distinct_name(people),
                        f"137{people:08d}",
                        ["traffic"],
                        True,
                    )
                    waits.append(time.monotonic() - began)
                    people += 1
                    if people % 10 == 0:  # a bot writes in bursts, not flat out
                        await asyncio.sleep(0.05)
                out, err = await finished
        finally:
            if importer.returncode is None:
                importer.kill()
                await finished
        assert importer.returncode == 0, err.decode()
        assert f"imported {rows} new volunteer(s)" in out.decode()
        async with db.reader.execute(
            "SELECT COUNT(*) FROM volunteers WHERE imported_at IS NOT NULL"
        ) as cursor:
            assert (await cursor.fetchone())[0] == rows  # type: ignore[index]
        assert people >= 20, "the bot wrote all along the import"
        # Each registration got the lock within the 0.5 s busy timeout (else it would have
        # raised "database is locked"); the wall time adds only the event loop's own delays.
        assert max(waits) < 1.0
    finally:
        await db.close()


async def _storm_scene(services: Services, clock: ManualClock) -> tuple[list[int], list[int]]:
    """A lead, 60 volunteers (telegram ids), 40 activities of 5 places on different days."""
    admin = await services.roles.actor(ADMIN_ID)
    lead = await services.registration.register(1, "张队长", "13800000001", ["traffic"], True)
    await services.roles.promote(admin, lead.id, "traffic")
    people = [100 + n for n in range(60)]
    for n, telegram_id in enumerate(people):
        await services.registration.register(
            telegram_id, distinct_name(n), f"136{n:08d}", ["traffic"], True
        )
    activity_ids = []
    for day in range(40):
        start = clock.now() + timedelta(days=day + 1)
        made = await services.activities.create(
            await services.roles.actor(1),
            Activity(
                0,
                "traffic",
                f"路口劝导 {day}",
                "traffic",
                start,
                start + timedelta(hours=2),
                "人民路口",
                5,
                "published",
            ),
        )
        activity_ids.append(made.id)
    return people, activity_ids


async def _rows(path: Path, sql: str) -> set[tuple[object, ...]]:
    def read() -> set[tuple[object, ...]]:
        with read_connection(path) as conn:
            return {tuple(row) for row in conn.execute(sql)}

    return await asyncio.to_thread(read)


SIGNUPS = "SELECT activity_id, volunteer_id, status FROM signups"
RECORDS = "SELECT id, volunteer_id, minutes, state FROM service_records"


async def test_item8_a_backup_during_a_sign_up_storm_restores_every_confirmed_sign_up(
    tmp_path: Path, clock: ManualClock
) -> None:
    database = tmp_path / "live" / "bot.sqlite3"
    config_file = _config_file(tmp_path / "live", database)
    config = load_config(config_file)
    db, services = await _bot(config, clock, busy_timeout_ms=5000)
    out = tmp_path / "copies" / "tonight.sqlite3"
    try:
        people, activity_ids = await _storm_scene(services, clock)
        await _seed_records(db, 1_000)
        pairs = [(person, activity) for activity in activity_ids for person in people]
        backup: asyncio.Task[tuple[int, str, str]] | None = None
        started_with: set[tuple[object, ...]] = set()
        signed = signed_at_backup = 0
        async with asyncio.timeout(120):
            while pairs and (backup is None or not backup.done()):
                wave, pairs = pairs[:20], pairs[20:]
                await asyncio.gather(*(services.signups.sign_up(*pair) for pair in wave))
                signed += len(wave)
                if backup is None and signed >= 60:
                    # Everything confirmed so far must be in the copy, whatever follows.
                    started_with = await _rows(database, SIGNUPS)
                    signed_at_backup = signed
                    backup = asyncio.create_task(
                        _run(
                            "backup", "--out", str(out), "--config", str(config_file), cwd=tmp_path
                        )
                    )
            assert backup is not None
            code, _, err = await backup
        assert code == 0, err
        # Sign-ups went on while the backup ran (how long the storm outlasts it depends on the
        # machine: the copy is made in a process of its own, which takes a while to start).
        assert signed > signed_at_backup, "the storm went on while the backup was made"
        final = await _rows(database, SIGNUPS)
        records = await _rows(database, RECORDS)
    finally:
        await db.close()

    fresh = tmp_path / "fresh" / "data" / "bot.sqlite3"
    fresh_config = _config_file(tmp_path / "fresh", fresh)
    code, out_text, err_text = await _run(
        "restore", str(out), "--config", str(fresh_config), cwd=tmp_path
    )
    assert code == 0, err_text
    assert "restored" in out_text
    restored = await _rows(fresh, SIGNUPS)
    assert {s for s in started_with if s[2] == "confirmed"} <= restored
    assert started_with <= restored <= final  # one consistent moment between the two
    assert await _rows(fresh, RECORDS) == records
    per_activity = Counter(a for a, _, status in restored if status == "confirmed")
    assert max(per_activity.values()) <= 5
    assert (await asyncio.to_thread(check_file, fresh)).integrity == "ok"


async def _one_copy_then_two_people(tmp_path: Path, clock: ManualClock) -> tuple[Path, Path]:
    """A database with one volunteer copied (by the bot's own backup), then a second
    volunteer: the configuration file and the copy."""
    database = tmp_path / "data" / "bot.sqlite3"
    config_file = _config_file(tmp_path, database)
    db, services = await _bot(load_config(config_file), clock, busy_timeout_ms=5000)
    try:
        await services.registration.register(7, "李梅", "13911112222", ["traffic"], True)
        copy = (await services.backups.make()).path
        await services.registration.register(8, "赵雷", "13911113333", ["traffic"], True)
    finally:
        await db.close()
    return config_file, copy


async def _volunteers(path: Path) -> int:
    return len(await _rows(path, "SELECT id FROM volunteers"))


async def test_item8_a_backup_never_overwrites_a_file(tmp_path: Path, clock: ManualClock) -> None:
    config_file, _ = await _one_copy_then_two_people(tmp_path, clock)
    out = tmp_path / "tonight.sqlite3"
    backup = ("backup", "--out", str(out), "--config", str(config_file))
    code, _, err = await _run(*backup, cwd=tmp_path)
    assert code == 0, err
    assert await _volunteers(out) == 2
    code, _, err = await _run(*backup, cwd=tmp_path)
    assert code == 1 and "already exists" in err


async def test_item8_restore_refuses_a_running_bots_database(
    tmp_path: Path, clock: ManualClock
) -> None:
    config_file, copy = await _one_copy_then_two_people(tmp_path, clock)
    database = load_config(config_file).storage.path
    running = RunLock.take(database)  # what the bot holds from start-up to shutdown
    assert running is not None
    with running:
        code, _, err = await _run("restore", str(copy), "--config", str(config_file), cwd=tmp_path)
    assert code == 1 and "a bot is running" in err and str(os.getpid()) in err
    assert await _volunteers(database) == 2, "the database is untouched"


async def test_item8_restore_refuses_a_damaged_or_newer_copy_and_a_folder(
    tmp_path: Path, clock: ManualClock
) -> None:
    config_file, copy = await _one_copy_then_two_people(tmp_path, clock)
    damaged = tmp_path / "damaged.sqlite3"
    damaged.write_bytes(copy.read_bytes()[: 4096 * 3])
    newer = tmp_path / "newer.sqlite3"
    newer.write_bytes(copy.read_bytes())
    with sqlite3.connect(newer) as conn:
        conn.execute("PRAGMA user_version = 999")
    for bad, why in ((damaged, "damaged"), (newer, "newer bot"), (tmp_path, "not a file")):
        code, _, err = await _run("restore", str(bad), "--config", str(config_file), cwd=tmp_path)
        assert code == 1 and why in err, err
    assert await _volunteers(load_config(config_file).storage.path) == 2, "untouched"


async def test_item8_restore_puts_the_copy_back_and_keeps_the_database_it_replaced(
    tmp_path: Path, clock: ManualClock
) -> None:
    config_file, copy = await _one_copy_then_two_people(tmp_path, clock)
    code, out, err = await _run("restore", str(copy), "--config", str(config_file), cwd=tmp_path)
    assert code == 0, err
    assert await _volunteers(load_config(config_file).storage.path) == 1  # as at the backup
    kept = Path(out.strip().splitlines()[-1].removeprefix("the database it replaced is kept as "))
    assert await _volunteers(kept) == 2


async def _seed_records(db: Database, count: int) -> None:
    """`count` approved records of hours added by hand, for the first volunteer."""
    now = iso(datetime(2026, 11, 1, tzinfo=UTC))
    async with db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO service_records (volunteer_id, team_id, category, title, place,"
            " content, served_on, proposed_minutes, minutes, mark, state, source, created_at,"
            " updated_at) VALUES ((SELECT MIN(id) FROM volunteers),"
            " (SELECT id FROM teams WHERE key = 'traffic'), 'traffic', ?, '人民路口', '劝导',"
            " '2026-11-01', ?, ?, 'present', 'approved', 'manual', ?, ?)",
            [(f"劝导 {n}", n % 600, n % 600, now, now) for n in range(count)],
        )


async def test_item9_doctor_prints_what_the_person_on_call_needs(
    tmp_path: Path, clock: ManualClock
) -> None:
    database = tmp_path / "data" / "bot.sqlite3"
    config_file = _config_file(tmp_path, database, "[backup]\nkeep = 2\n")
    config = load_config(config_file)
    db, services = await _bot(config, clock, busy_timeout_ms=5000)
    try:
        code, out, _ = await _run("doctor", "--config", str(config_file), cwd=tmp_path)
        assert code == 0
        assert "last backup   none" in out and "oldest pending none" in out
        for n in range(3):
            await services.registration.register(
                20 + n, distinct_name(n), f"135{n:08d}", ["traffic"], True
            )
        await _seed_records(db, 250)
        async with db.transaction() as tx:
            await tx.executemany(
                "INSERT INTO outbox (chat_id, kind, text, state, not_before, created_at,"
                " updated_at) VALUES (?, 'notice', 'hello', ?, ?, ?, ?)",
                [
                    (20, "sent", "2026-11-27T07:00:00+00:00", "2026-11-27T07:00:00+00:00", "x"),
                    (21, "pending", "2026-11-27T07:10:00+00:00", "2026-11-27T07:05:00+00:00", "x"),
                    (22, "pending", "2026-11-27T07:20:00+00:00", "2026-11-27T07:20:00+00:00", "x"),
                    (22, "failed", "2026-11-27T07:20:00+00:00", "2026-11-27T07:20:00+00:00", "x"),
                ],
            )
            async with tx.execute("SELECT MIN(id) FROM outbox WHERE state = 'pending'") as cursor:
                oldest = (await cursor.fetchone())[0]  # type: ignore[index]
        made = await services.backups.make()
        running = RunLock.take(database)
        assert running is not None
        with running:
            code, out, err = await _run("doctor", "--config", str(config_file), cwd=tmp_path)
    finally:
        await db.close()
    assert code == 0, err
    lines = dict(line.split(None, 1) for line in out.splitlines() if not line.startswith("oldest"))
    assert lines["database"].strip() == str(database)
    size = re.fullmatch(
        r"([\d.]+) (KB|MB) \(write-ahead log [\d.]+ (bytes|KB|MB)\)\n?", lines["size"]
    )
    assert size is not None, lines["size"]
    assert 10 < float(size[1]) * (1024 if size[2] == "MB" else 1) < 10_000  # in KB
    assert lines["migration"].startswith(f"{len(migrations())} (this code knows")
    assert lines["bot"].strip() == f"running (process {os.getpid()})"
    assert "volunteers 3" in lines["rows"] and "service_records 250" in lines["rows"]
    assert "outbox 4" in lines["rows"]
    assert lines["outbox"].strip() == "failed 1, pending 2, sent 1"
    oldest_line = next(line for line in out.splitlines() if line.startswith("oldest pending"))
    assert f"#{oldest} notice, queued 2026-11-27T07:05:00+00:00" in oldest_line
    assert str(made.path) in lines["last"]

"""Operations against real SQLite files (issue 11): a long export beside the bot's reads, a
large roster import beside the bot's writers, backups during a sign-up storm."""

from __future__ import annotations

import asyncio
import threading
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml

from bot.clock import ManualClock
from bot.config import Config, load_config
from bot.domain.errors import ExportTooLarge
from bot.services import Services
from bot.services.registration import RosterRow, import_roster
from storage.backup import FileCheck, check_file
from storage.db import Database, migrations
from storage.rows import iso
from tests.conftest import ADMIN_ID, distinct_name, make_config
from tests.service.test_hours import ANNA, LEAD, Scene, build_scene, hours_config
from tests.service.test_reports import LABELS

HEADER = [f"h{i}" for i in range(13)]
WAIT = 30  # seconds: the most a test waits for a worker thread to reach a point


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return hours_config(tmp_path)


@pytest.fixture
async def scene(services: Services, clock: ManualClock, db: Database, register) -> Scene:
    return await build_scene(services, clock, db, register)


async def _seed_records(scene: Scene, count: int) -> tuple[date, date]:
    """`count` approved records of hours added by hand, spread over 2026; the period."""
    volunteer_id = scene.people[ANNA]
    now = iso(scene.clock.now())
    async with scene.db.transaction() as tx:
        async with tx.execute("SELECT id FROM teams WHERE key = 'traffic'") as cursor:
            row = await cursor.fetchone()
        assert row is not None
        await tx.executemany(
            "INSERT INTO service_records (volunteer_id, team_id, category, title, place,"
            " content, served_on, proposed_minutes, minutes, mark, state, source, created_at,"
            " updated_at) VALUES (?, ?, 'traffic', ?, '人民路与中山路交叉口', '文明交通劝导',"
            " ?, 120, 120, 'present', 'approved', 'manual', ?, ?)",
            [
                (
                    volunteer_id,
                    row[0],
                    f"路口劝导 {n}",
                    (date(2026, 1, 1) + timedelta(days=n % 300)).isoformat(),
                    now,
                    now,
                )
                for n in range(count)
            ],
        )
    return date(2026, 1, 1), date(2027, 1, 1)


async def test_item1_an_export_does_not_freeze_other_reads(
    scene: Scene, services: Services, register, tmp_path: Path
) -> None:
    start, end = await _seed_records(scene, 50_000)
    admin = await services.roles.actor(ADMIN_ID)
    reached, release = threading.Event(), threading.Event()

    def hold_halfway(written: int) -> None:
        # The export waits here, its read still open, until the test has done its part.
        if written >= 10_000 and not reached.is_set():
            reached.set()
            release.wait(WAIT)

    export = asyncio.create_task(
        services.exports.export(
            admin,
            None,
            start,
            end,
            "csv",
            tmp_path / "all.csv",
            HEADER,
            LABELS,
            "records",
            progress=hold_halfway,
        )
    )
    try:
        assert await asyncio.to_thread(reached.wait, WAIT)
        # Meanwhile: a newcomer registers and is known at once ...
        await register(77, name="新来的", phone="13900000077")
        assert await services.registration.volunteer(77) is not None
        assert (await services.roles.actor(77)).volunteer is not None
        # ... a fresh check-in code works ...
        scene.clock.advance(scene.activity.starts_at - scene.clock.now())
        _, code, _ = await services.checkin.issue_code(scene.lead, scene.activity.id)
        checked = await services.checkin.check_in_by_code(ANNA, code)
        assert checked.activity.id == scene.activity.id and not checked.already
        # ... and a demoted lead has lost their rights.
        await services.roles.demote(admin, scene.people[LEAD], "traffic")
        assert not (await services.roles.actor(LEAD)).lead_team_keys
        assert not export.done()  # all of it happened while the export was reading
    finally:
        release.set()
    assert await export == 50_000


async def test_item1_an_export_stops_as_soon_as_the_file_passes_the_limit(
    scene: Scene, services: Services, tmp_path: Path
) -> None:
    start, end = await _seed_records(scene, 50_000)
    admin = await services.roles.actor(ADMIN_ID)
    limit = 200_000
    for fmt in ("csv", "xlsx"):
        written: list[int] = []
        out = tmp_path / f"big.{fmt}"
        with pytest.raises(ExportTooLarge) as refused:
            await services.exports.export(
                admin,
                None,
                start,
                end,
                fmt,
                out,
                HEADER,
                LABELS,
                "records",
                max_bytes=limit,
                progress=written.append,
            )
        stopped_at = int(str(refused.value.params["count"]).rstrip("+"))
        assert 0 < stopped_at < 50_000 // 2  # stopped early, not after writing it all
        assert not written or max(written) < stopped_at
        assert limit < out.stat().st_size < limit * 3 // 2


async def test_item1_an_export_that_ends_just_past_the_limit_is_refused_too(
    scene: Scene, services: Services, tmp_path: Path
) -> None:
    start, end = await _seed_records(scene, 300)  # fewer rows than one size check
    admin = await services.roles.actor(ADMIN_ID)
    for fmt in ("csv", "xlsx"):
        with pytest.raises(ExportTooLarge):
            await services.exports.export(
                admin,
                None,
                start,
                end,
                fmt,
                tmp_path / f"small.{fmt}",
                HEADER,
                LABELS,
                "records",
                max_bytes=2_000,
            )


async def _imported(db: Database) -> int:
    async with db.reader.execute(
        "SELECT COUNT(*) FROM volunteers WHERE imported_at IS NOT NULL"
    ) as cursor:
        row = await cursor.fetchone()
    assert row is not None
    return int(row[0])


async def test_item5_a_bad_row_anywhere_in_a_large_roster_imports_nothing(
    db: Database, services: Services, clock: ManualClock
) -> None:
    rows = [RosterRow(n + 2, distinct_name(n), f"139{n:08d}", ("traffic",)) for n in range(1_600)]
    bad = RosterRow(1_502, "李梅", "12345", ("traffic",))  # in the fourth chunk of 500
    report = await import_roster(db, clock.now(), [*rows[:1_500], bad, *rows[1_501:]])
    assert [line for line, _ in report.errors] == [1_502]
    assert (report.created, await _imported(db)) == (0, 0)
    # Fixed, it goes in chunks, each holding the lock briefly; again, nothing new.
    report = await import_roster(db, clock.now(), rows, pause=0)
    assert (report.created, report.existing, await _imported(db)) == (1_600, 0, 1_600)
    assert 0 < report.longest_hold < 1
    again = await import_roster(db, clock.now(), rows, pause=0)
    assert (again.created, again.existing) == (0, 1_600)


async def test_item8_the_nightly_backup_keeps_the_newest_copies(
    tmp_path: Path, clock: ManualClock
) -> None:
    config = make_config(tmp_path, backup={"keep": 3, "nightly_at": "03:30"})
    folder = tmp_path / "backups"
    folder.mkdir()
    (folder / "by-hand.sqlite3").write_bytes(b"kept whatever happens")
    db = await Database.open(config.storage.path)
    try:
        backups = Services.build(db, config, clock).backups
        assert backups.folder == folder
        first = await backups.nightly()  # none yet: made at once (16:00 Beijing)
        assert first is not None and await backups.nightly() is None
        made = [first.made_at]
        for _ in range(5):
            # 03:29 next night (Beijing, 19:29 UTC): not yet; 03:31: the night's copy.
            night = clock.now().replace(hour=19, minute=29, second=0, microsecond=0)
            if night <= clock.now():
                night += timedelta(days=1)
            clock.advance(night - clock.now())
            assert await backups.nightly() is None
            clock.advance(timedelta(minutes=2))
            copy = await backups.nightly()
            assert copy is not None and await backups.nightly() is None
            made.append(copy.made_at)
        assert [c.made_at for c in backups.copies()] == sorted(made, reverse=True)[:3]
        assert (folder / "by-hand.sqlite3").exists()
        assert check_file(backups.copies()[0].path) == FileCheck("ok", len(migrations()))
    finally:
        await db.close()


def test_item8_the_litestream_config_parses_and_replicates_the_configured_database() -> None:
    root = Path(__file__).resolve().parents[2]
    example = load_config(root / "config.example.toml")
    litestream = yaml.safe_load((root / "deploy" / "litestream.yml").read_text(encoding="utf-8"))
    [database] = litestream["dbs"]
    assert database["path"].endswith(f"/{example.storage.path}")
    assert database["replicas"] and all("type" in replica for replica in database["replicas"])

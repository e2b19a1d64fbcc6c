"""Issue 10, item 6: an activity lasts at most `activities.max_length` and starts at most a year
ahead, when it is created and when its time is changed; nothing half-written is stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.config import ConfigError, load_config
from bot.domain.errors import ActivityTooLong, EndNotAfterStart, StartTooFarAhead, WhenInPast
from bot.services import Services
from storage.db import Database
from tests.conftest import ADMIN_ID, make_config
from tests.service.test_activities import draft

FOREVER = datetime(9999, 12, 31, 15, 59, tzinfo=UTC)


async def _count(db: Database) -> int:
    async with db.reader.execute("SELECT COUNT(*) FROM activities") as cursor:
        row = await cursor.fetchone()
        assert row is not None
        return int(row[0])


async def test_item6_activity_longer_than_max_length_is_refused(
    services: Services, clock: ManualClock, db: Database
) -> None:
    admin = await services.roles.actor(ADMIN_ID)
    start = clock.now() + timedelta(days=2)
    for end in (start + timedelta(hours=24, minutes=1), start + timedelta(days=3), FOREVER):
        with pytest.raises(ActivityTooLong) as refused:
            await services.activities.create(admin, draft(clock, starts_at=start, ends_at=end))
        latest = start + timedelta(hours=24)
        assert refused.value.params == {
            "hours": 24,
            "latest": latest,
            # typed form of the latest end, in the org's time zone (UTC+8), to retype as is
            "example": "2026-11-30 16:00",
        }
    assert await _count(db) == 0
    # exactly the maximum is fine; so is a short one
    full = await services.activities.create(
        admin, draft(clock, starts_at=start, ends_at=start + timedelta(hours=24))
    )
    assert full.ends_at - full.starts_at == timedelta(hours=24)
    assert await _count(db) == 1


async def test_item6_activity_starting_more_than_a_year_ahead_is_refused(
    services: Services, clock: ManualClock, db: Database
) -> None:
    admin = await services.roles.actor(ADMIN_ID)
    for start in (
        clock.now() + timedelta(days=365, minutes=1),
        datetime(2099, 1, 1, 1, 0, tzinfo=UTC),
        FOREVER - timedelta(hours=2),
    ):
        with pytest.raises(StartTooFarAhead) as refused:
            await services.activities.create(
                admin, draft(clock, starts_at=start, ends_at=start + timedelta(hours=2))
            )
        assert refused.value.params == {"latest": clock.now() + timedelta(days=365)}
        with pytest.raises(StartTooFarAhead):
            services.activities.check_start(start)
    assert await _count(db) == 0
    last = clock.now() + timedelta(days=365)
    created = await services.activities.create(
        admin, draft(clock, starts_at=last, ends_at=last + timedelta(hours=2))
    )
    assert created.starts_at == last


async def test_item6_time_change_to_an_absurd_span_is_refused_and_nothing_changes(
    services: Services, clock: ManualClock, register
) -> None:
    admin = await services.roles.actor(ADMIN_ID)
    activity = await services.activities.create(admin, draft(clock))
    await register(7)
    await services.signups.sign_up(7, activity.id)
    start = activity.starts_at
    bad = [
        (start, FOREVER, ActivityTooLong),
        (start, start + timedelta(hours=25), ActivityTooLong),
        (
            clock.now() + timedelta(days=400),
            clock.now() + timedelta(days=400, hours=2),
            StartTooFarAhead,
        ),
        (FOREVER - timedelta(hours=1), FOREVER, StartTooFarAhead),
        (clock.now() - timedelta(days=1), clock.now(), WhenInPast),
        (start, start - timedelta(hours=1), EndNotAfterStart),
    ]
    for starts_at, ends_at, error in bad:
        with pytest.raises(error):
            await services.activity_changes.change_time(admin, activity.id, starts_at, ends_at)
    unchanged = await services.activities.get(activity.id)
    assert (unchanged.starts_at, unchanged.ends_at) == (activity.starts_at, activity.ends_at)
    later = start + timedelta(days=1)
    await services.activity_changes.change_time(
        admin, activity.id, later, later + timedelta(hours=24)
    )
    moved = await services.activities.get(activity.id)
    assert moved.ends_at - moved.starts_at == timedelta(hours=24)


async def test_item6_max_length_is_configurable(tmp_path: Path, clock: ManualClock) -> None:
    config = make_config(tmp_path, activities={"max_length": "90m"})
    assert config.activities.longest == timedelta(minutes=90)
    database = await Database.open(config.storage.path)
    try:
        services = Services.build(database, config, clock)
        await services.teams.seed(config.teams)
        admin = await services.roles.actor(ADMIN_ID)
        start = clock.now() + timedelta(days=1)
        with pytest.raises(ActivityTooLong) as refused:
            await services.activities.create(
                admin, draft(clock, starts_at=start, ends_at=start + timedelta(hours=2))
            )
        assert refused.value.params["hours"] == 1.5
        await services.activities.create(
            admin, draft(clock, starts_at=start, ends_at=start + timedelta(minutes=90))
        )
    finally:
        await database.close()


@pytest.mark.parametrize("bad", ["", "0h", "-1h", "forever", "8d", "9999d", "24", "1w"])
def test_item6_a_bad_max_length_stops_the_bot_naming_the_key(tmp_path: Path, bad: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f'[activities]\nmax_length = "{bad}"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"activities\.max_length"):
        load_config(path)

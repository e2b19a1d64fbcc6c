"""Activities and sign-ups against a real SQLite file: capacity never exceeded under any
concurrency, the waitlist in arrival order, promotions told at once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import aiosqlite
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.clock import ManualClock
from bot.domain.errors import (
    ActivityCancelled,
    EndNotAfterStart,
    InvalidCapacity,
    InvalidCategory,
    InvalidTitle,
    NotRegistered,
    NotSignedUp,
    NotTeamLead,
    ScheduleClash,
    SignupClosed,
    WhenInPast,
)
from bot.domain.models import Activity
from bot.domain.roster import Placement, Roster
from bot.services import Services
from bot.services.activities import parse_capacity
from bot.services.group_commit import GroupCommit
from storage import signups
from storage.db import Database
from tests.conftest import ADMIN_ID
from tests.wording import says


def draft(clock: ManualClock, **changes: object) -> Activity:
    start = clock.now() + timedelta(days=2)
    fields: dict[str, object] = {
        "id": 0,
        "team_key": "traffic",
        "title": "人民路口文明交通劝导",
        "category": "traffic",
        "starts_at": start,
        "ends_at": start + timedelta(hours=2),
        "place": "人民路与中山路交叉口",
        "capacity": 10,
        "state": "published",
    }
    return Activity(**(fields | changes))  # type: ignore[arg-type]


async def create_activity(services: Services, clock: ManualClock, **changes: object) -> Activity:
    admin = await services.roles.actor(ADMIN_ID)
    return await services.activities.create(admin, draft(clock, **changes))


async def register_people(services: Services, count: int, first: int = 1000) -> list[int]:
    ids = []
    for n in range(count):
        await services.registration.register(
            first + n, "张三", f"136{first + n:08d}", ["traffic"], consent=True
        )
        ids.append(first + n)
    return ids


async def _outbox(db: Database) -> list[tuple[int, str, str]]:
    async with db.reader.execute("SELECT chat_id, kind, text FROM outbox ORDER BY id") as cursor:
        return [tuple(row) for row in await cursor.fetchall()]


async def test_only_a_lead_of_the_team_or_an_admin_creates_activities(
    services: Services, clock: ManualClock, register
) -> None:
    lead = await register(1, name="张队长", phone="13800000001")
    await register(2, name="李四", phone="13800000002")
    admin = await services.roles.actor(ADMIN_ID)
    await services.roles.promote(admin, lead.id, "blood")
    for outsider in (1, 2, 404):
        with pytest.raises(NotTeamLead):
            await services.activities.create(await services.roles.actor(outsider), draft(clock))
    created = await services.activities.create(
        await services.roles.actor(1), draft(clock, team_key="blood", title="  献血  宣传 ")
    )
    assert created.id > 0 and created.title == "献血 宣传" and created.team_key == "blood"


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"title": ""}, InvalidTitle),
        ({"title": "x" * 61}, InvalidTitle),
        ({"title": "a\x00b"}, InvalidTitle),
        ({"category": "nope"}, InvalidCategory),
        ({"capacity": 0}, InvalidCapacity),
        ({"capacity": 5001}, InvalidCapacity),
        ({"capacity": -3}, InvalidCapacity),
    ],
)
async def test_bad_activity_fields_are_refused_and_nothing_is_stored(
    services: Services, clock: ManualClock, db: Database, changes: dict[str, object], error: type
) -> None:
    with pytest.raises(error):
        await create_activity(services, clock, **changes)
    async with db.reader.execute("SELECT COUNT(*) FROM activities") as cursor:
        assert (await cursor.fetchone())[0] == 0


async def test_times_in_the_past_or_ending_before_they_start_are_refused(
    services: Services, clock: ManualClock
) -> None:
    with pytest.raises(WhenInPast):
        await create_activity(services, clock, starts_at=clock.now() - timedelta(minutes=1))
    start = clock.now() + timedelta(days=1)
    with pytest.raises(EndNotAfterStart):
        await create_activity(services, clock, starts_at=start, ends_at=start)


def test_capacity_is_read_from_typed_text() -> None:
    assert parse_capacity(" 20 ") == 20 and parse_capacity("５０") == 50
    for bad in ["", "0", "-1", "5001", "1e3", "二十", "99999999999999999999", "20; DROP"]:
        with pytest.raises(InvalidCapacity):
            parse_capacity(bad)


async def test_signing_up_confirms_then_waitlists_in_order_and_repeats_change_nothing(
    services: Services, clock: ManualClock
) -> None:
    activity = await create_activity(services, clock, capacity=2)
    people = await register_people(services, 4)
    results = [await services.signups.sign_up(p, activity.id) for p in people]
    assert [(r.placement, r.waitlist_position) for r in results] == [
        (Placement.CONFIRMED, None),
        (Placement.CONFIRMED, None),
        (Placement.WAITLISTED, 1),
        (Placement.WAITLISTED, 2),
    ]
    again = await services.signups.sign_up(people[3], activity.id)
    assert (again.placement, again.waitlist_position) == (Placement.WAITLISTED, 2)
    assert await services.signups.counts(activity.id) == (2, 2)
    with pytest.raises(NotRegistered):
        await services.signups.sign_up(404, activity.id)


async def test_a_freed_slot_goes_to_the_first_waiting_who_is_told_at_once(
    services: Services, clock: ManualClock, db: Database
) -> None:
    activity = await create_activity(services, clock, capacity=1)
    first, second, third = await register_people(services, 3)
    await services.accounts.seen(second, "en")
    for person in (first, second, third):
        await services.signups.sign_up(person, activity.id)
    result = await services.signups.cancel(first, activity.id)
    assert result.was is Placement.CONFIRMED and not result.late
    assert (await services.signups.sign_up(second, activity.id)).placement is Placement.CONFIRMED
    (notice,) = await _outbox(db)
    assert notice[:2] == (second, "promotion")
    assert says(notice[2], "signup.promoted", title="人民路口文明交通劝导")
    with pytest.raises(NotSignedUp):
        await services.signups.cancel(first, activity.id)
    again = await services.signups.sign_up(first, activity.id)
    assert (again.placement, again.waitlist_position) == (Placement.WAITLISTED, 2), (
        "back of the line"
    )


async def test_late_cancellation_alerts_the_teams_leads(
    services: Services, clock: ManualClock, db: Database, register
) -> None:
    lead = await register(1, name="张队长", phone="13800000001")
    await services.accounts.seen(1, "zh")
    await services.roles.promote(await services.roles.actor(ADMIN_ID), lead.id, "traffic")
    activity = await create_activity(
        services,
        clock,
        starts_at=clock.now() + timedelta(hours=5),
        ends_at=clock.now() + timedelta(hours=7),
    )
    (person,) = await register_people(services, 1)
    await services.signups.sign_up(person, activity.id)
    result = await services.signups.cancel(person, activity.id)
    assert result.late
    alerts = [row for row in await _outbox(db) if row[1] == "late_cancel"]
    assert alerts and alerts[0][0] == 1 and says(alerts[0][2], "signup.late_cancel", hours=24)


async def test_sign_up_closes_at_the_start_and_clashes_are_named(
    services: Services, clock: ManualClock
) -> None:
    morning = await create_activity(services, clock, title="早班劝导")
    overlapping = await create_activity(
        services,
        clock,
        title="午班劝导",
        starts_at=morning.starts_at + timedelta(hours=1),
        ends_at=morning.ends_at + timedelta(hours=1),
    )
    later = await create_activity(
        services,
        clock,
        title="晚班",
        starts_at=morning.ends_at,
        ends_at=morning.ends_at + timedelta(hours=1),
    )
    (person,) = await register_people(services, 1)
    await services.signups.sign_up(person, morning.id)
    with pytest.raises(ScheduleClash) as clash:
        await services.signups.sign_up(person, overlapping.id)
    assert clash.value.params["title"] == "早班劝导"
    assert (await services.signups.sign_up(person, later.id)).placement is Placement.CONFIRMED
    clock.advance(timedelta(days=2, minutes=1))
    (other,) = await register_people(services, 1, first=2000)
    with pytest.raises(SignupClosed):
        await services.signups.sign_up(other, morning.id)
    assert (await services.signups.sign_up(other, overlapping.id)).placement is Placement.CONFIRMED


async def test_a_cancelled_activity_takes_no_sign_ups(
    services: Services, clock: ManualClock, db: Database
) -> None:
    activity = await create_activity(services, clock)
    async with db.transaction() as tx:
        await tx.execute("UPDATE activities SET state = 'cancelled' WHERE id = ?", (activity.id,))
    (person,) = await register_people(services, 1)
    with pytest.raises(ActivityCancelled):
        await services.signups.sign_up(person, activity.id)


async def test_the_database_refuses_to_confirm_beyond_capacity_whatever_the_code(
    services: Services, clock: ManualClock, db: Database
) -> None:
    import aiosqlite

    activity = await create_activity(services, clock, capacity=1)
    first, second = await register_people(services, 2)
    await services.signups.sign_up(first, activity.id)
    await services.signups.sign_up(second, activity.id)
    with pytest.raises(aiosqlite.IntegrityError, match="full"):
        async with db.transaction() as tx:
            await tx.execute("UPDATE signups SET status = 'confirmed' WHERE status = 'waitlisted'")
    with pytest.raises(aiosqlite.IntegrityError, match="capacity"):
        async with db.transaction() as tx:
            await tx.execute("UPDATE activities SET capacity = 0 WHERE id = ?", (activity.id,))


async def test_200_concurrent_sign_ups_for_10_slots_confirm_exactly_10_in_every_round(
    services: Services, clock: ManualClock
) -> None:
    people = await register_people(services, 200)
    for round_number in range(100):
        activity = await create_activity(
            services,
            clock,
            starts_at=clock.now() + timedelta(days=2, hours=3 * round_number),
            ends_at=clock.now() + timedelta(days=2, hours=3 * round_number + 1),
        )
        results = await asyncio.gather(
            *(services.signups.sign_up(person, activity.id) for person in people)
        )
        confirmed = [r for r in results if r.placement is Placement.CONFIRMED]
        assert len(confirmed) == 10, f"round {round_number}"
        assert sorted(r.waitlist_position for r in results if r.waitlist_position) == list(
            range(1, 191)
        )
        assert await services.signups.counts(activity.id) == (10, 190)


async def test_item11_a_storm_of_sign_ups_shares_write_transactions(
    services: Services, clock: ManualClock, db: Database
) -> None:
    people = await register_people(services, 200)
    activity = await create_activity(services, clock)
    before = db.commits
    results = await asyncio.gather(
        *(services.signups.sign_up(person, activity.id) for person in people)
    )
    assert sum(r.placement is Placement.CONFIRMED for r in results) == 10
    assert db.commits - before < 20  # one write transaction (one fsync) per group, not per press
    # A second press by someone already signed up, or a refused one, writes nothing new.
    again = await services.signups.sign_up(people[0], activity.id)
    assert again.placement is Placement.CONFIRMED
    assert await services.signups.counts(activity.id) == (10, 190)


async def test_item11_a_sign_up_read_before_a_time_change_is_decided_again(
    services: Services, clock: ManualClock, db: Database
) -> None:
    [person] = await register_people(services, 1)
    read = await create_activity(services, clock)
    volunteer = await services.registration.volunteer(person)
    assert volunteer is not None
    admin = await services.roles.actor(ADMIN_ID)
    later = read.starts_at + timedelta(days=1)
    await services.activity_changes.change_time(admin, read.id, later, later + timedelta(hours=2))
    async with db.transaction() as tx:
        stale = await signups.place_if_open(
            tx, read.id, volunteer.id, clock.now(), read.starts_at, read.ends_at
        )
    assert stale is None  # planned from the old time: the caller decides it again
    result = await services.signups.sign_up(person, read.id)
    assert result.activity.starts_at == later
    async with db.reader.execute("SELECT due_at FROM reminders ORDER BY due_at") as cursor:
        due = [row[0] for row in await cursor.fetchall()]
    assert due == [
        (later - ahead).isoformat() for ahead in (timedelta(hours=24), timedelta(hours=2))
    ]


async def test_item11_a_group_that_fails_writes_nothing_and_each_caller_hears_why(
    db: Database,
) -> None:
    async def step(tx: aiosqlite.Connection, value: int) -> int:
        await tx.execute("CREATE TABLE IF NOT EXISTS scratch (value INTEGER CHECK (value < 3))")
        await tx.execute("INSERT INTO scratch (value) VALUES (?)", (value,))
        return value

    group: GroupCommit[int, int] = GroupCommit(db.transaction, step)
    outcomes = await asyncio.gather(*(group.submit(n) for n in range(5)), return_exceptions=True)
    assert all(isinstance(outcome, aiosqlite.IntegrityError) for outcome in outcomes)
    async with db.reader.execute(
        "SELECT COUNT(*) FROM sqlite_master WHERE name = 'scratch'"
    ) as cursor:
        row = await cursor.fetchone()
    assert row is not None and row[0] == 0  # the whole group rolled back, table and rows
    assert await group.submit(1) == 1  # the next group goes on


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.integers(1, 4),
    st.lists(st.tuples(st.booleans(), st.integers(0, 7)), min_size=1, max_size=40),
)
async def test_the_database_follows_the_roster_model_for_any_sequence(
    services: Services, clock: ManualClock, capacity: int, ops: list[tuple[bool, int]]
) -> None:
    activity = await create_activity(services, clock, capacity=capacity)
    first = 10_000 + activity.id * 10
    people = await register_people(services, 8, first=first)
    model = Roster(capacity)
    for is_sign_up, index in ops:
        person = people[index]
        if is_sign_up:
            result = await services.signups.sign_up(person, activity.id)
            assert result.placement is model.sign_up(person)
        else:
            expected = model.status(person)
            if expected is None:
                with pytest.raises(NotSignedUp):
                    await services.signups.cancel(person, activity.id)
            else:
                model.cancel(person)
                await services.signups.cancel(person, activity.id)
        assert await services.signups.counts(activity.id) == (
            len(model.confirmed),
            len(model.waitlist),
        )


async def test_forgetting_oneself_gives_up_future_places_and_the_waitlist_moves_up(
    services: Services, clock: ManualClock, db: Database
) -> None:
    activity = await create_activity(services, clock, capacity=1)
    leaver, waiting = await register_people(services, 2)
    await services.signups.sign_up(leaver, activity.id)
    await services.signups.sign_up(waiting, activity.id)
    await services.registration.forget(leaver)
    assert await services.signups.counts(activity.id) == (1, 0)
    assert (await services.signups.sign_up(waiting, activity.id)).placement is Placement.CONFIRMED
    assert [kind for _, kind, _ in await _outbox(db)] == ["promotion"]


async def test_a_listed_page_follows_every_change_and_the_clock(
    services: Services, clock: ManualClock
) -> None:
    """The list keeps pages between changes; a sign-up, a cancellation or an activity starting
    shows at once on the next read."""
    first = await create_activity(services, clock)
    later = await create_activity(
        services,
        clock,
        starts_at=clock.now() + timedelta(days=3),
        ends_at=clock.now() + timedelta(days=3, hours=1),
    )
    [person] = await register_people(services, 1)
    views, total = await services.activities.upcoming(0, 5)
    assert total == 2 and views[0].confirmed == 0
    await services.signups.sign_up(person, first.id)
    views, _ = await services.activities.upcoming(0, 5)
    assert views[0].confirmed == 1 and views[0].slots_left == 9
    await services.signups.cancel(person, first.id)
    views, _ = await services.activities.upcoming(0, 5)
    assert views[0].confirmed == 0
    clock.advance(timedelta(days=2, minutes=1))
    views, total = await services.activities.upcoming(0, 5)
    assert total == 1 and [view.activity.id for view in views] == [later.id]


async def test_a_page_read_before_a_leads_change_is_not_served_after_it(
    services: Services, clock: ManualClock
) -> None:
    """Capacity, place, time and cancellation each show on the next read of a kept page."""
    admin = await services.roles.actor(ADMIN_ID)
    first = await create_activity(services, clock)
    second = await create_activity(
        services,
        clock,
        starts_at=clock.now() + timedelta(days=3),
        ends_at=clock.now() + timedelta(days=3, hours=1),
    )
    views, _ = await services.activities.upcoming(0, 5)
    assert [view.activity.id for view in views] == [first.id, second.id]
    assert views[0].slots_left == 10
    await services.activity_changes.change_capacity(admin, first.id, 4)
    views, _ = await services.activities.upcoming(0, 5)
    assert views[0].slots_left == 4
    await services.activity_changes.change_place(admin, first.id, "解放路与中山路交叉口")
    views, _ = await services.activities.upcoming(0, 5)
    assert views[0].activity.place == "解放路与中山路交叉口"
    later = clock.now() + timedelta(days=4)
    await services.activity_changes.change_time(admin, first.id, later, later + timedelta(hours=1))
    views, _ = await services.activities.upcoming(0, 5)
    assert [view.activity.id for view in views] == [second.id, first.id]
    await services.activity_changes.cancel_activity(admin, first.id, "暴雨预警")
    views, total = await services.activities.upcoming(0, 5)
    assert total == 1 and [view.activity.id for view in views] == [second.id]


async def test_a_page_read_before_someone_forgets_themselves_is_not_served_after_it(
    services: Services, clock: ManualClock
) -> None:
    """Their places are given up in the erasure's own transaction; the list shows it at once."""
    activity = await create_activity(services, clock)
    [person] = await register_people(services, 1)
    await services.signups.sign_up(person, activity.id)
    views, _ = await services.activities.upcoming(0, 5)
    assert views[0].confirmed == 1
    await services.registration.forget(person)
    views, _ = await services.activities.upcoming(0, 5)
    assert views[0].confirmed == 0 and views[0].slots_left == 10

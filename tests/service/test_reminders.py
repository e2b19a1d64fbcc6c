"""Reminders with an injected clock: planned on confirmation, queued once when due, skipped
after downtime if the activity has started, never twice across restarts."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import ManualClock
from bot.config import Config
from bot.services import Services
from storage import reminders
from storage.db import Database
from tests.service.test_activities import create_activity, register_people
from tests.wording import says


async def _queued(db: Database) -> list[tuple[int, str]]:
    async with db.reader.execute(
        "SELECT chat_id, text FROM outbox WHERE kind = 'reminder' ORDER BY id"
    ) as cursor:
        return [tuple(row) for row in await cursor.fetchall()]


async def _signup_id(db: Database, telegram_id: int) -> int:
    async with db.reader.execute(
        "SELECT s.id FROM signups s JOIN volunteers v ON v.id = s.volunteer_id"
        " WHERE v.telegram_id = ? AND s.status != 'cancelled'",
        (telegram_id,),
    ) as cursor:
        return int((await cursor.fetchone())[0])


async def test_confirmed_places_get_24h_and_2h_reminders_sent_once_each(
    services: Services, clock: ManualClock, db: Database
) -> None:
    activity = await create_activity(services, clock, capacity=1)
    confirmed, waiting = await register_people(services, 2)
    await services.accounts.seen(confirmed, "zh")
    await services.signups.sign_up(confirmed, activity.id)
    await services.signups.sign_up(waiting, activity.id)
    plan = await reminders.states(db.reader, await _signup_id(db, confirmed))
    assert {minutes: state for minutes, (state, _) in plan.items()} == {
        1440: "planned",
        120: "planned",
    }
    assert await reminders.states(db.reader, await _signup_id(db, waiting)) == {}

    assert (await services.reminders.dispatch_due()).queued == 0
    clock.advance(timedelta(days=1, minutes=1))
    assert (await services.reminders.dispatch_due()).queued == 1
    assert (await services.reminders.dispatch_due()).queued == 0, "a second tick sends nothing"
    (first,) = await _queued(db)
    assert first[0] == confirmed
    place = "人民路与中山路交叉口"
    assert says(first[1], "reminder.text", title="人民路口文明交通劝导", place=place)
    clock.advance(timedelta(hours=22))
    assert (await services.reminders.dispatch_due()).queued == 1
    assert len(await _queued(db)) == 2


async def test_after_downtime_a_reminder_is_sent_if_the_activity_has_not_started(
    services: Services, clock: ManualClock, db: Database, config: Config
) -> None:
    activity = await create_activity(services, clock)
    (person,) = await register_people(services, 1)
    await services.signups.sign_up(person, activity.id)
    clock.advance(timedelta(days=1, hours=23))  # both reminders are now overdue, start is 1h off
    restarted = Services.build(db, config, clock)
    report = await restarted.reminders.dispatch_due()
    assert (report.queued, report.skipped) == (2, 0)
    again = Services.build(db, config, clock)
    assert (await again.reminders.dispatch_due()).queued == 0, "repeated restarts send nothing more"


async def test_after_downtime_past_the_start_reminders_are_skipped(
    services: Services, clock: ManualClock, db: Database
) -> None:
    activity = await create_activity(services, clock)
    (person,) = await register_people(services, 1)
    await services.signups.sign_up(person, activity.id)
    clock.advance(timedelta(days=2, minutes=5))
    report = await services.reminders.dispatch_due()
    assert (report.queued, report.skipped) == (0, 2)
    assert await _queued(db) == []


async def test_cancelled_and_muted_people_get_no_reminder_and_the_promoted_do(
    services: Services, clock: ManualClock, db: Database
) -> None:
    activity = await create_activity(services, clock, capacity=1)
    leaver, waiting, muted_one = await register_people(services, 3)
    await services.signups.sign_up(leaver, activity.id)
    await services.signups.sign_up(waiting, activity.id)
    await services.signups.cancel(leaver, activity.id)
    other = await create_activity(services, clock, title="另一场", starts_at=activity.starts_at)
    await services.reminders.set_muted(muted_one, True)
    await services.signups.sign_up(muted_one, other.id)
    clock.advance(timedelta(days=1, minutes=1))
    report = await services.reminders.dispatch_due()
    assert (report.queued, report.skipped) == (1, 1)
    assert [chat for chat, _ in await _queued(db)] == [waiting]

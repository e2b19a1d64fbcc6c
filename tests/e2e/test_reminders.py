"""Reminders over HTTP with an injected clock: one message when due, a "can't come" button that
cancels (and promotes the next in line), and a setting to turn them off."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.domain.models import Activity
from tests.e2e.conftest import ADMIN, Harness, button_data, start_harness
from tests.e2e.test_registration import LUCY, ZHANG, register
from tests.fake_bot_api import FakeBotApi

CLOCK_START = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


@pytest.fixture
async def timed(tmp_path: Path, api: FakeBotApi) -> AsyncIterator[tuple[Harness, ManualClock]]:
    clock = ManualClock(CLOCK_START)
    async for harness in start_harness(tmp_path, api, clock=clock):
        yield harness, clock


async def _activity(bot: Harness, clock: ManualClock) -> Activity:
    start = clock.now() + timedelta(days=2)
    draft = Activity(
        0,
        "traffic",
        "周末劝导",
        "traffic",
        start,
        start + timedelta(hours=2),
        "人民路口",
        1,
        "published",
    )
    return await bot.services.activities.create(await bot.services.roles.actor(ADMIN.id), draft)


async def test_a_due_reminder_arrives_once_and_cant_come_frees_the_place(timed) -> None:
    bot, clock = timed
    activity = await _activity(bot, clock)
    await register(bot, ZHANG, "张三", "13800138000", ["traffic"])
    await register(bot, LUCY, "Lucy Li", "13900139000", ["traffic"])
    await bot.services.activities.sign_up(ZHANG.id, activity.id)
    await bot.services.activities.sign_up(LUCY.id, activity.id)
    clock.advance(timedelta(days=1, minutes=1))
    since = bot.api.mark()
    await bot.services.reminders.dispatch_due()
    await bot.services.reminders.dispatch_due()
    reminder = await bot.api.wait_for(
        lambda c: c.chat_id == ZHANG.id and c.ok and "活动提醒" in (c.text or ""), since=since
    )
    assert "周末劝导" in reminder.text and "人民路口" in reminder.text
    assert button_data(reminder) == [f"s:c:{activity.id}"]
    await bot.api.wait_idle()
    assert len([c for c in bot.api.sent_messages(ZHANG.id) if c.index >= since]) == 1
    since = bot.api.mark()
    bot.api.press(ZHANG, reminder, f"s:c:{activity.id}")
    promoted = await bot.api.wait_for(
        lambda c: c.chat_id == LUCY.id and c.ok and c.method == "sendMessage", since=since
    )
    assert promoted.text.startswith("A place opened up")
    assert await bot.services.activities.counts(activity.id) == (1, 0)


async def test_reminders_can_be_turned_off_in_settings(timed) -> None:
    bot, clock = timed
    activity = await _activity(bot, clock)
    await register(bot, LUCY, "Lucy Li", "13900139000", ["traffic"])
    settings = await bot.say(LUCY, "/settings")
    assert settings.text == (
        "Settings\nActivity reminders: on\nOn boards and group posts: shown by name"
    )
    assert button_data(settings) == ["x:m:1", "x:a:1"]
    off = await bot.tap(LUCY, settings, "x:m:1")
    assert "reminders: off" in off.text and button_data(off) == ["x:m:0", "x:a:1"]
    anonymous = await bot.tap(LUCY, off, "x:a:1")
    assert anonymous.text.endswith("anonymous") and button_data(anonymous) == ["x:m:0", "x:a:0"]
    assert await bot.services.records.anonymous(LUCY.id)
    await bot.services.activities.sign_up(LUCY.id, activity.id)
    clock.advance(timedelta(days=1, minutes=1))
    report = await bot.services.reminders.dispatch_due()
    assert (report.queued, report.skipped) == (0, 1)
    assert (await bot.say(ZHANG, "/settings")).text == "您还没有注册。请发送 /register 进行注册。"

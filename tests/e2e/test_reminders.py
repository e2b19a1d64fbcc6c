"""Reminders over HTTP with an injected clock: one message when due, a "can't come" button that
cancels (and promotes the next in line), and a setting to turn them off."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import ManualClock
from bot.domain.models import Activity
from tests.e2e.helpers import (
    LUCY,
    ZHANG,
    Harness,
    button_data,
    en,
    enrol,
    publish,
    zh,
)


async def _both_signed_up(bot: Harness) -> Activity:
    """An activity of one place in two days: Zhang has it, Lucy waits for it."""
    activity = await publish(bot, "周末劝导", capacity=1, days=2, place="人民路口")
    await enrol(bot, ZHANG, "张三", "13800138000", ["traffic"])
    await enrol(bot, LUCY, "Lucy Li", "13900139000", ["traffic"])
    await bot.services.signups.sign_up(ZHANG.id, activity.id)
    await bot.services.signups.sign_up(LUCY.id, activity.id)
    return activity


async def test_a_due_reminder_arrives_once_with_a_cant_come_button(
    timed_bot: Harness, clock: ManualClock
) -> None:
    bot = timed_bot
    activity = await _both_signed_up(bot)
    clock.advance(timedelta(days=1, minutes=1))
    since = bot.api.mark()
    await bot.services.reminders.dispatch_due()
    await bot.services.reminders.dispatch_due()
    reminder = await bot.told(ZHANG.id, since, "reminder.text", title="周末劝导", place="人民路口")
    assert button_data(reminder) == [f"s:c:{activity.id}"]
    await bot.api.wait_idle()
    assert len([c for c in bot.api.sent_messages(ZHANG.id) if c.index >= since]) == 1


async def test_cant_come_on_a_reminder_frees_the_place_for_the_next_in_line(
    timed_bot: Harness, clock: ManualClock
) -> None:
    bot = timed_bot
    activity = await _both_signed_up(bot)
    clock.advance(timedelta(days=1, minutes=1))
    since = bot.api.mark()
    await bot.services.reminders.dispatch_due()
    reminder = await bot.told(ZHANG.id, since, "reminder.text")
    since = bot.api.mark()
    bot.api.press(ZHANG, reminder, f"s:c:{activity.id}")
    await bot.told(LUCY.id, since, "signup.promoted", title="周末劝导", place="人民路口")
    assert await bot.services.signups.counts(activity.id) == (1, 0)


async def test_settings_turn_reminders_off_and_hide_the_name(timed_bot: Harness) -> None:
    bot = timed_bot
    await enrol(bot, LUCY, "Lucy Li", "13900139000", ["traffic"])
    settings = await bot.say(LUCY, "/settings")
    on, off = en("settings.on"), en("settings.off")
    assert settings.text == en("settings.text", reminders=on, shown=en("settings.named"))
    assert button_data(settings) == ["x:m:1", "x:a:1"]
    turned_off = await bot.tap(LUCY, settings, "x:m:1")
    assert turned_off.text == en("settings.text", reminders=off, shown=en("settings.named"))
    assert button_data(turned_off) == ["x:m:0", "x:a:1"]
    anonymous = await bot.tap(LUCY, turned_off, "x:a:1")
    assert anonymous.text == en("settings.text", reminders=off, shown=en("settings.anonymous"))
    assert button_data(anonymous) == ["x:m:0", "x:a:0"]
    assert await bot.services.records.anonymous(LUCY.id)


async def test_no_reminder_goes_to_someone_who_turned_them_off(
    timed_bot: Harness, clock: ManualClock
) -> None:
    bot = timed_bot
    activity = await publish(bot, "周末劝导", capacity=1, days=2)
    await enrol(bot, LUCY, "Lucy Li", "13900139000", ["traffic"])
    await bot.tap(LUCY, await bot.say(LUCY, "/settings"), "x:m:1")
    await bot.services.signups.sign_up(LUCY.id, activity.id)
    clock.advance(timedelta(days=1, minutes=1))
    report = await bot.services.reminders.dispatch_due()
    assert (report.queued, report.skipped) == (0, 1)


async def test_settings_ask_someone_not_registered_to_register(bot: Harness) -> None:
    assert (await bot.say(ZHANG, "/settings")).text == zh("error.not_registered")

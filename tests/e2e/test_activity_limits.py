"""Issue 10, item 6 over HTTP: /new_activity and /manage refuse an activity longer than
`activities.max_length` or starting more than a year ahead, explain with an example, and ask the
same step again; nothing is stored or changed."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.e2e.helpers import (
    LEAD,
    ZHANG,
    Harness,
    en,
    enrol,
    manage_card,
    new_activity_to_step,
    publish,
    read,
    says,
    seed_team,
    zh,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _in_days(days: int) -> str:
    return (datetime.now(SHANGHAI) + timedelta(days=days)).date().isoformat()


async def _step(bot: Harness) -> str | None:
    dialogue = await bot.services.dialogues.current(LEAD.id)
    return dialogue.step if dialogue else None


async def test_item6_new_activity_refuses_an_end_past_max_length_and_asks_again(
    bot: Harness,
) -> None:
    await seed_team(bot, 0)
    await new_activity_to_step(bot, "end")  # starts tomorrow 9:00
    latest = f"{_in_days(2)} 09:00"
    for absurd in ("9999-12-31 23:59", f"{_in_days(2)} 09:01", f"{_in_days(5)} 10:00"):
        refused = await bot.say(LEAD, absurd)
        assert says(refused.text, "error.activity_too_long", hours=24, example=latest), absurd
        assert await _step(bot) == "end"
    place = await bot.say(LEAD, latest)  # the example, typed as shown, is taken
    assert place.text == zh("new.ask_place")
    assert await _step(bot) == "place"
    assert await bot.count("activities") == 0


async def test_item6_new_activity_refuses_a_start_more_than_a_year_ahead(bot: Harness) -> None:
    await seed_team(bot, 0)
    await new_activity_to_step(bot, "start")
    for absurd in ("9999-12-31 09:00", "2099-01-01 09:00", f"{_in_days(367)} 09:00"):
        refused = await bot.say(LEAD, absurd)
        assert says(refused.text, "error.start_too_far_ahead"), absurd
        assert await _step(bot) == "start"
    ask_end = await bot.say(LEAD, f"{_in_days(300)} 09:00")
    assert says(ask_end.text, "new.ask_end")
    assert await bot.count("activities") == 0


async def test_item6_manage_refuses_an_absurd_new_time_and_changes_nothing(
    bot: Harness,
) -> None:
    await seed_team(bot, 0)
    activity = await publish(bot, capacity=2)
    await enrol(bot, ZHANG, "张三", "13800138000", ["traffic"])
    await bot.services.signups.sign_up(ZHANG.id, activity.id)
    await bot.tap(LEAD, await manage_card(bot, activity), f"mg:e:time:{activity.id}")
    far = await bot.say(LEAD, "2099-01-01 09:00")
    assert says(far.text, "error.start_too_far_ahead")
    day = _in_days(10)
    await bot.say(LEAD, f"{day} 09:00")
    since = bot.api.mark()
    too_long = await bot.say(LEAD, "9999-12-31 23:59")
    assert says(too_long.text, "error.activity_too_long", example=f"{_in_days(11)} 09:00")
    assert await _step(bot) == "end"
    unchanged = await bot.services.activities.get(activity.id)
    assert (unchanged.starts_at, unchanged.ends_at) == (activity.starts_at, activity.ends_at)
    await bot.api.wait_idle()
    assert not [c for c in bot.api.calls[since:] if c.chat_id == ZHANG.id], "nobody told"
    saved = await bot.say(LEAD, f"{day} 17:00")
    assert saved.text == zh("manage.changed", count=1)
    moved = await bot.services.activities.get(activity.id)
    assert moved.ends_at - moved.starts_at == timedelta(hours=8)


async def test_item6_the_refusal_speaks_the_persons_language(bot: Harness) -> None:
    await seed_team(bot, 0)
    await bot.services.accounts.choose_language(LEAD.id, "en")
    await new_activity_to_step(bot, "end")
    refused = await bot.say(LEAD, "9999-12-31 23:59")
    shown = read(refused.text, "error.activity_too_long")
    assert refused.text == en("error.activity_too_long", **shown), "in English"
    assert shown["example"] == f"{_in_days(2)} 09:00"

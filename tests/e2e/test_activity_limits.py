"""Issue 10, item 6 over HTTP: /new_activity and /manage refuse an activity longer than
`activities.max_length` or starting more than a year ahead, explain with an example, and ask the
same step again; nothing is stored or changed."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.e2e.conftest import Harness
from tests.e2e.test_activities import publish
from tests.e2e.test_broadcast import LEAD, seed
from tests.e2e.test_new_activity import _to_step
from tests.e2e.test_registration import ZHANG, register

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _in_days(days: int) -> str:
    return (datetime.now(SHANGHAI) + timedelta(days=days)).date().isoformat()


async def _step(bot: Harness) -> str | None:
    dialogue = await bot.services.dialogues.current(LEAD.id)
    return dialogue.step if dialogue else None


async def test_item6_new_activity_refuses_an_end_past_max_length_and_asks_again(
    bot: Harness,
) -> None:
    await seed(bot, 0)
    await _to_step(bot, "end")  # starts tomorrow 9:00
    latest = f"{_in_days(2)} 09:00"
    for absurd in ("9999-12-31 23:59", f"{_in_days(2)} 09:01", f"{_in_days(5)} 10:00"):
        refused = await bot.say(LEAD, absurd)
        assert refused.text.startswith("一个活动最长 24 小时"), refused.text
        assert "多日的活动请按天分别创建" in refused.text
        assert refused.text.endswith(f"例如：{latest}")
        assert await _step(bot) == "end"
    place = await bot.say(LEAD, latest)  # the example, typed as shown, is taken
    assert "在哪里" in place.text
    assert await _step(bot) == "place"
    assert await bot.count("activities") == 0


async def test_item6_new_activity_refuses_a_start_more_than_a_year_ahead(bot: Harness) -> None:
    await seed(bot, 0)
    await _to_step(bot, "start")
    for absurd in ("9999-12-31 09:00", "2099-01-01 09:00", f"{_in_days(367)} 09:00"):
        refused = await bot.say(LEAD, absurd)
        assert refused.text.startswith("活动最多只能提前一年安排"), refused.text
        assert refused.text.endswith("例如：明天 9:00")
        assert await _step(bot) == "start"
    ask_end = await bot.say(LEAD, f"{_in_days(300)} 09:00")
    assert "何时结束" in ask_end.text
    assert await bot.count("activities") == 0


async def test_item6_manage_refuses_an_absurd_new_time_and_changes_nothing(
    bot: Harness,
) -> None:
    await seed(bot, 0)
    activity = await publish(bot, capacity=2)
    await register(bot, ZHANG, "张三", "13800138000", ["traffic"])
    await bot.services.activities.sign_up(ZHANG.id, activity.id)
    listing = await bot.say(LEAD, "/manage")
    opened = await bot.tap(LEAD, listing, f"mg:o:{activity.id}")
    await bot.tap(LEAD, opened, f"mg:e:time:{activity.id}")
    far = await bot.say(LEAD, "2099-01-01 09:00")
    assert far.text.startswith("活动最多只能提前一年安排")
    day = _in_days(10)
    await bot.say(LEAD, f"{day} 09:00")
    since = bot.api.mark()
    too_long = await bot.say(LEAD, "9999-12-31 23:59")
    assert too_long.text.startswith("一个活动最长 24 小时")
    assert too_long.text.endswith(f"例如：{_in_days(11)} 09:00")
    assert await _step(bot) == "end"
    unchanged = await bot.services.activities.get(activity.id)
    assert (unchanged.starts_at, unchanged.ends_at) == (activity.starts_at, activity.ends_at)
    await bot.api.wait_idle()
    assert not [c for c in bot.api.calls[since:] if c.chat_id == ZHANG.id], "nobody told"
    saved = await bot.say(LEAD, f"{day} 17:00")
    assert saved.text == "已保存，正在通知 1 位报名者。"
    moved = await bot.services.activities.get(activity.id)
    assert moved.ends_at - moved.starts_at == timedelta(hours=8)


async def test_item6_the_refusal_speaks_the_persons_language(bot: Harness) -> None:
    await seed(bot, 0)
    await bot.services.accounts.choose_language(LEAD.id, "en")
    await _to_step(bot, "end")
    refused = await bot.say(LEAD, "9999-12-31 23:59")
    assert refused.text.startswith("An activity can last at most 24 h"), refused.text
    assert "A multi-day event is several activities" in refused.text
    assert refused.text.endswith(f"Example: {_in_days(2)} 09:00")

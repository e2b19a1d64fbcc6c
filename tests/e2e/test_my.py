"""/my over HTTP: upcoming sign-ups with cancel buttons, past ones, and a calendar file."""

from __future__ import annotations

from icalendar import Calendar

from tests.e2e.conftest import Harness, button_data
from tests.e2e.test_activities import publish
from tests.e2e.test_registration import LUCY, register


async def test_my_lists_sign_ups_and_sends_a_calendar_of_the_confirmed_ones(bot: Harness) -> None:
    first = await publish(bot, title="周六劝导", capacity=1, days=2)
    second = await publish(bot, title="周日献血宣传", capacity=0 + 1, days=4)
    await register(bot, LUCY, "Lucy Li", "13900139000", ["traffic"])
    await bot.services.registration.register(777, "张三", "13700000777", ["traffic"], consent=True)
    await bot.services.activities.sign_up(777, second.id)
    await bot.services.activities.sign_up(LUCY.id, first.id)
    await bot.services.activities.sign_up(LUCY.id, second.id)
    mine = await bot.say(LUCY, "/my")
    assert mine.text.startswith("My activities\n✅ 周六劝导") and "⏳ 周日献血宣传" in mine.text
    assert button_data(mine) == [f"s:c:{first.id}", f"s:c:{second.id}", "m:ics"]
    bot.api.press(LUCY, mine, "m:ics")
    document = await bot.api.wait_for_method("sendDocument")
    (upload,) = document.files.values()
    assert upload.filename == "volunteer-activities.ics"
    events = [c for c in Calendar.from_ical(upload.data).walk() if c.name == "VEVENT"]
    assert [str(e.get("summary")) for e in events] == ["周六劝导"], "only confirmed places"
    assert events[0].decoded("dtstart") == first.starts_at


async def test_my_without_sign_ups_points_to_activities(bot: Harness) -> None:
    await register(bot, LUCY, "Lucy Li", "13900139000", ["traffic"])
    mine = await bot.say(LUCY, "/my")
    assert "/activities" in mine.text and button_data(mine) == []
    assert (
        "not registered"
        in (await bot.say(type(LUCY)(id=5, first_name="X", language_code="en"), "/my")).text
    )

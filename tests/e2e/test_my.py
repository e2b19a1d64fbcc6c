"""/my over HTTP: upcoming sign-ups with cancel buttons, past ones, and a calendar file."""

from __future__ import annotations

from icalendar import Calendar

from bot.domain.models import Activity
from tests.e2e.helpers import LUCY, Harness, button_data, en, enrol, publish, register
from tests.fake_bot_api import FakeUser


def _line(mark: str, activity: Activity) -> str:
    return en(
        "my.line",
        mark=mark,
        title=activity.title,
        start=en.datetime(activity.starts_at),
        place=activity.place,
    )


async def test_my_lists_sign_ups_and_sends_a_calendar_of_the_confirmed_ones(bot: Harness) -> None:
    first = await publish(bot, title="周六劝导", capacity=1, days=2)
    second = await publish(bot, title="周日献血宣传", capacity=1, days=4)
    await register(bot, LUCY, "Lucy Li", "13900139000", ["traffic"])
    await enrol(bot, 777, "张三", "13700000777", ["traffic"])
    await bot.services.signups.sign_up(777, second.id)
    await bot.services.signups.sign_up(LUCY.id, first.id)
    await bot.services.signups.sign_up(LUCY.id, second.id)
    mine = await bot.say(LUCY, "/my")
    assert mine.text.split("\n") == [en("my.header"), _line("✅", first), _line("⏳", second)]
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
    assert mine.text.split("\n") == [en("my.header"), en("my.none")]
    assert button_data(mine) == []


async def test_my_asks_someone_not_registered_to_register(bot: Harness) -> None:
    stranger = FakeUser(id=5, first_name="X", language_code="en")
    assert (await bot.say(stranger, "/my")).text == en("error.not_registered")

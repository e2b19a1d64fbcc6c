"""Activities over HTTP: the list, cards, signing up and cancelling from a card, deep links."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import SystemClock
from bot.domain.models import Activity
from tests.e2e.conftest import ADMIN, Harness, button_data
from tests.e2e.test_registration import LUCY, ZHANG, register
from tests.fake_bot_api import FakeUser

WANG = FakeUser(id=103, first_name="五", last_name="王", language_code="zh-hans")


async def publish(
    bot: Harness, title: str = "人民路口文明交通劝导", capacity: int = 1, days: int = 2
) -> Activity:
    start = SystemClock().now() + timedelta(days=days)
    draft = Activity(
        id=0,
        team_key="traffic",
        title=title,
        category="traffic",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        place="人民路与中山路交叉口",
        capacity=capacity,
        state="published",
    )
    return await bot.services.activities.create(await bot.services.roles.actor(ADMIN.id), draft)


async def test_volunteers_browse_sign_up_wait_and_get_promoted(bot: Harness) -> None:
    activity = await publish(bot, capacity=1)
    await publish(bot, title="献血宣传", days=3)
    await register(bot, ZHANG, "张三", "13800138000", ["traffic"])
    await register(bot, LUCY, "Lucy Li", "13900139000", ["traffic"])
    listing = await bot.say(ZHANG, "/activities")
    assert listing.text.startswith("近期活动（第 1 页，共 1 页）")
    assert button_data(listing) == [f"s:o:{activity.id}", f"s:o:{activity.id + 1}"]
    opened = await bot.tap(ZHANG, listing, f"s:o:{activity.id}")
    assert "名额：剩余 1/1 · 候补：0" in opened.text and button_data(opened) == [
        f"s:u:{activity.id}"
    ]
    signed = await bot.tap(ZHANG, opened, f"s:u:{activity.id}")
    assert signed.method == "editMessageText" and "✅ 您已报名。" in signed.text
    assert button_data(signed) == [f"s:c:{activity.id}"]
    again = await bot.answer_to_press(ZHANG, opened, f"s:u:{activity.id}")
    assert again.params["text"] == "已报名“人民路口文明交通劝导”。", (
        "a second press changes nothing"
    )

    lucy_card = await bot.say(LUCY, f"/start act_{activity.id}")
    waiting = await bot.answer_to_press(LUCY, lucy_card, f"s:u:{activity.id}")
    assert waiting.params["text"] == "It is full: you are number 1 on the waitlist."
    since = bot.api.mark()
    cancelled = await bot.tap(ZHANG, signed, f"s:c:{activity.id}")
    assert "✅" not in cancelled.text and button_data(cancelled) == [f"s:u:{activity.id}"]
    told = await bot.api.wait_for(
        lambda c: c.chat_id == LUCY.id and c.ok and c.method == "sendMessage", since=since
    )
    assert told.text.startswith("A place opened up: you are now confirmed for")
    assert await bot.services.activities.counts(activity.id) == (1, 0)


async def test_a_deep_link_brings_an_unregistered_person_back_to_the_activity(bot: Harness) -> None:
    activity = await publish(bot)
    welcome = await bot.say(WANG, f"/start act_{activity.id}")
    assert welcome.text.startswith("欢迎来到")
    assert "第 1 步" in (await bot.reply(WANG)).text
    await bot.say(WANG, "王五")
    bot.api.send_contact(WANG, "13700137000")
    await bot.reply(WANG)
    teams = await bot.reply(WANG)
    await bot.toggle(WANG, teams, "r:t:traffic")
    await bot.tap(WANG, teams, "r:td")
    consent = await bot.reply(WANG)
    done = await bot.tap(WANG, consent, "r:c:y")
    assert done.text.startswith("注册成功")
    card = await bot.reply(WANG)
    assert card.text.startswith("人民路口文明交通劝导") and button_data(card) == [
        f"s:u:{activity.id}"
    ]


async def test_forged_and_stale_activity_buttons_are_refused(bot: Harness) -> None:
    activity = await publish(bot)
    await register(bot, LUCY, "Lucy Li", "13900139000", ["traffic"])
    own = await bot.say(LUCY, "/start")
    for forged, expected in [
        ("s:u:99999", "That activity does not exist."),
        ("s:c:99999", "That activity does not exist."),
        (f"s:c:{activity.id}", "You are not signed up for this activity."),
        ("s:u:x", "This button is no longer valid."),
        ("s:p:-1", "This button is no longer valid."),
    ]:
        answer = await bot.answer_to_press(LUCY, own, forged)
        assert answer.params["text"] == expected
    await bot.api.wait_idle()
    assert await bot.services.activities.counts(activity.id) == (0, 0)


async def test_an_empty_list_says_so(bot: Harness) -> None:
    assert (await bot.say(LUCY, "/activities")).text == "There are no upcoming activities yet."

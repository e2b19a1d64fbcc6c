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
    assert button_data(listing) == [
        f"s:o:{activity.id}",
        f"s:o:{activity.id + 1}",
        "s:ft:0:0",
        "s:fc:0",
    ]
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


async def test_the_list_filters_by_team_and_category(bot: Harness) -> None:
    traffic = await publish(bot, title="路口劝导", days=2)
    start = traffic.starts_at + timedelta(days=1)
    admin = await bot.services.roles.actor(ADMIN.id)
    blood = await bot.services.activities.create(
        admin,
        Activity(
            0,
            "blood",
            "献血宣传",
            "blood",
            start,
            start + timedelta(hours=1),
            "广场",
            5,
            "published",
        ),
    )
    listing = await bot.say(LUCY, "/activities")
    assert "路口劝导" in listing.text and "献血宣传" in listing.text
    teams = await bot.toggle(LUCY, listing, "s:ft:0:0")
    team_buttons = teams.params["reply_markup"]["inline_keyboard"]
    assert team_buttons[0][0]["callback_data"] == "s:p:0:0:0"
    blood_team = next(
        row[0] for row in team_buttons if row[0]["text"] == "Unpaid Blood Donation Volunteers"
    )
    only_blood = await bot.tap(LUCY, listing, blood_team["callback_data"])
    assert "献血宣传" in only_blood.text and "路口劝导" not in only_blood.text
    assert button_data(only_blood)[0] == f"s:o:{blood.id}"
    categories = await bot.toggle(LUCY, listing, button_data(only_blood)[-1])
    first_category = categories.params["reply_markup"]["inline_keyboard"][1][0]["callback_data"]
    none_left = await bot.tap(LUCY, listing, first_category)
    assert none_left.text == "There are no upcoming activities yet."
    for forged in ["s:p:0:x:1", "s:p:1:2", "s:ft:a:b", "s:fc:-1"]:
        answer = await bot.answer_to_press(LUCY, listing, forged)
        assert answer.params["text"] == "This button is no longer valid."

"""Activities over HTTP: the list, cards, signing up and cancelling from a card, deep links."""

from __future__ import annotations

from datetime import timedelta

from tests.e2e.helpers import (
    LUCY,
    ZHANG,
    Harness,
    button_data,
    en,
    enrol,
    keyboard,
    mentions,
    publish,
    says,
    zh,
)
from tests.fake_bot_api import FakeUser

WANG = FakeUser(id=103, first_name="五", last_name="王", language_code="zh-hans")
TITLE = "人民路口文明交通劝导"


async def test_the_list_shows_upcoming_activities_with_a_button_each(bot: Harness) -> None:
    first = await publish(bot, capacity=1)
    second = await publish(bot, title="献血宣传", days=3)
    await enrol(bot, ZHANG, "张三", "13800138000", ["traffic"])
    listing = await bot.say(ZHANG, "/activities")
    lines = listing.text.split("\n")
    assert lines[0] == zh("activities.header", page=1, pages=1)
    assert all(says(line, "activities.line", n=n) for n, line in enumerate(lines[1:3], 1))
    assert TITLE in lines[1] and "献血宣传" in lines[2]
    assert button_data(listing) == [f"s:o:{first.id}", f"s:o:{second.id}", "s:ft:0:0", "s:fc:0"]


async def test_signing_up_from_a_card_turns_its_button_into_cancel_and_counts_once(
    bot: Harness,
) -> None:
    activity = await publish(bot, capacity=1)
    await enrol(bot, ZHANG, "张三", "13800138000", ["traffic"])
    listing = await bot.say(ZHANG, "/activities")
    opened = await bot.tap(ZHANG, listing, f"s:o:{activity.id}")
    assert mentions(opened.text, "activity.card", title=TITLE, left=1, capacity=1, waiting=0)
    assert button_data(opened) == [f"s:u:{activity.id}"]
    signed = await bot.tap(ZHANG, opened, f"s:u:{activity.id}")
    assert signed.method == "editMessageText"
    assert zh("activity.status.confirmed") in signed.text.split("\n")
    assert button_data(signed) == [f"s:c:{activity.id}"]
    again = await bot.answer_to_press(ZHANG, opened, f"s:u:{activity.id}")
    assert again.params["text"] == zh("signup.confirmed", title=TITLE), "a second press: no more"
    assert await bot.services.signups.counts(activity.id) == (1, 0)


async def test_a_full_activity_waitlists_and_a_cancellation_promotes_the_next(
    bot: Harness,
) -> None:
    activity = await publish(bot, capacity=1)
    await enrol(bot, ZHANG, "张三", "13800138000", ["traffic"])
    await enrol(bot, LUCY, "Lucy Li", "13900139000", ["traffic"])
    await bot.services.signups.sign_up(ZHANG.id, activity.id)
    lucy_card = await bot.say(LUCY, f"/start act_{activity.id}")
    waiting = await bot.answer_to_press(LUCY, lucy_card, f"s:u:{activity.id}")
    assert waiting.params["text"] == en("signup.waitlisted", position=1)
    zhang_card = await bot.say(ZHANG, f"/start act_{activity.id}")
    since = bot.api.mark()
    cancelled = await bot.tap(ZHANG, zhang_card, f"s:c:{activity.id}")
    assert zh("activity.status.confirmed") not in cancelled.text.split("\n")
    assert button_data(cancelled) == [f"s:u:{activity.id}"]
    await bot.told(LUCY.id, since, "signup.promoted", title=TITLE)
    assert await bot.services.signups.counts(activity.id) == (1, 0)


async def test_a_deep_link_brings_an_unregistered_person_back_to_the_activity(bot: Harness) -> None:
    activity = await publish(bot)
    welcome = await bot.say(WANG, f"/start act_{activity.id}")
    assert welcome.text == zh("start.guest", org=bot.config.org.name)
    assert (await bot.reply(WANG)).text == zh("register.ask_name")
    await bot.say(WANG, "王五")
    bot.api.send_contact(WANG, "13700137000")
    teams = await bot.reply(WANG)
    await bot.toggle(WANG, teams, "r:t:traffic")
    await bot.tap(WANG, teams, "r:td")
    consent = await bot.reply(WANG)
    done = await bot.tap(WANG, consent, "r:c:y")
    assert says(done.text, "register.done")
    card = await bot.reply(WANG)
    assert mentions(card.text, "activity.card", title=TITLE)
    assert button_data(card) == [f"s:u:{activity.id}"]


async def test_forged_and_stale_activity_buttons_are_refused(bot: Harness) -> None:
    activity = await publish(bot)
    await enrol(bot, LUCY, "Lucy Li", "13900139000", ["traffic"])
    own = await bot.say(LUCY, "/start")
    for forged, expected in [
        ("s:u:99999", en("error.unknown_activity")),
        ("s:c:99999", en("error.unknown_activity")),
        (f"s:c:{activity.id}", en("error.not_signed_up")),
        ("s:u:x", en("button.expired")),
        ("s:p:-1", en("button.expired")),
    ]:
        answer = await bot.answer_to_press(LUCY, own, forged)
        assert answer.params["text"] == expected
    await bot.api.wait_idle()
    assert await bot.services.signups.counts(activity.id) == (0, 0)


async def test_an_empty_list_says_so(bot: Harness) -> None:
    assert (await bot.say(LUCY, "/activities")).text == en("activities.none")


async def test_the_list_filters_by_team_and_category(bot: Harness) -> None:
    traffic = await publish(bot, title="路口劝导", days=2)
    starts_at = traffic.starts_at + timedelta(days=1)
    blood = await publish(
        bot, "献血宣传", 5, starts_at=starts_at, hours=1, team="blood", place="广场"
    )
    listing = await bot.say(LUCY, "/activities")
    assert "路口劝导" in listing.text and "献血宣传" in listing.text
    teams = await bot.toggle(LUCY, listing, "s:ft:0:0")
    assert keyboard(teams)[0] == ["s:p:0:0:0"]
    blood_team = next(
        row[0]
        for row in teams.params["reply_markup"]["inline_keyboard"]
        if row[0]["text"] == "Unpaid Blood Donation Volunteers"
    )
    only_blood = await bot.tap(LUCY, listing, blood_team["callback_data"])
    assert "献血宣传" in only_blood.text and "路口劝导" not in only_blood.text
    assert button_data(only_blood)[0] == f"s:o:{blood.id}"
    categories = await bot.toggle(LUCY, listing, button_data(only_blood)[-1])
    first_category = keyboard(categories)[1][0]
    none_left = await bot.tap(LUCY, listing, first_category)
    assert none_left.text == en("activities.none")
    for forged in ["s:p:0:x:1", "s:p:1:2", "s:ft:a:b", "s:fc:-1"]:
        answer = await bot.answer_to_press(LUCY, listing, forged)
        assert answer.params["text"] == en("button.expired")

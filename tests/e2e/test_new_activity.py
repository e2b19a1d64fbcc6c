"""/new_activity over HTTP: a lead creates and publishes an activity; members are told with a
sign-up button; bad answers at every typed step repeat the step; others are refused."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import (
    ADMIN,
    LEAD,
    LUCY,
    Harness,
    button_data,
    en,
    enrol,
    id_in,
    member,
    mentions,
    new_activity_to_step,
    says,
    seed_team,
    zh,
)

BAD = ["x" * 5000, "a\x07b", "😀", "'; DROP TABLE activities; --", "-1", "99999999999999999999"]
TITLE, TEAM, PLACE = "人民路口文明交通劝导", "文明交通志愿服务队", "人民路与中山路交叉口"


async def test_a_lead_publishes_an_activity_and_members_can_sign_up_from_the_announcement(
    bot: Harness,
) -> None:
    members = await seed_team(bot, 3)
    ask = await bot.say(LEAD, "/new_activity")
    assert ask.text == zh("new.ask_title")
    categories = await bot.say(LEAD, TITLE)
    assert categories.text == zh("new.ask_category")
    assert button_data(categories)[0] == "n:c:traffic"
    start = await bot.tap(LEAD, categories, "n:c:traffic")
    assert start.text == zh("new.ask_start")
    assert button_data(start) == ["n:q:0", "n:q:1", "n:q:2", "n:q:3"]
    end = await bot.tap(LEAD, start, "n:q:0")
    assert says(end.text, "new.ask_end")
    assert says((await bot.say(LEAD, "明天 8:00")).text, "error.end_not_after_start")
    place = await bot.say(LEAD, "明天 11:00")
    assert place.text == zh("new.ask_place")
    bot.api.send_location(LEAD, 22.765, 112.964)
    assert (await bot.reply(LEAD)).text == zh("new.location_saved")
    assert (await bot.say(LEAD, PLACE)).text == zh("new.ask_capacity")
    describe = await bot.say(LEAD, "2")
    assert describe.text == zh("new.ask_description") and button_data(describe) == ["n:skip"]
    preview_card = await bot.say(LEAD, "请穿志愿者马甲")
    assert mentions(
        preview_card.text, "activity.card", title=TITLE, team=TEAM, place=PLACE, capacity=2
    )
    assert preview_card.text.endswith("请穿志愿者马甲")
    confirm = await bot.reply(LEAD)
    assert confirm.text == zh("new.preview") and button_data(confirm) == ["n:go", "n:no"]
    since = bot.api.mark()
    published = await bot.tap(LEAD, confirm, "n:go")
    assert published.text == zh("new.published")
    card = await bot.reply(LEAD)
    (activity_id,) = [id_in(data) for data in button_data(card)]
    activity = await bot.services.activities.get(activity_id)
    assert (activity.title, activity.capacity, activity.latitude, activity.description) == (
        TITLE,
        2,
        22.765,
        "请穿志愿者马甲",
    )
    announcement = await bot.api.wait_for(
        lambda c: c.chat_id == members[0] and c.ok and c.method == "sendMessage", since=since
    )
    assert mentions(announcement.text, "activity.announcement", title=TITLE, capacity=2)
    assert button_data(announcement) == [f"s:u:{activity_id}"]
    signed = await bot.answer_to_press(member(members[0]), announcement, f"s:u:{activity_id}")
    assert signed.params["text"] == en("signup.confirmed", title=TITLE)


@pytest.mark.parametrize(
    ("step", "bad", "refusal"),
    [
        *(("title", bad, "error.invalid_title") for bad in BAD[:3]),
        ("title", "x", "error.invalid_title"),
        *(("start", bad, "error.invalid_when") for bad in BAD),
        ("start", "2020-01-01 09:00", "error.when_in_past"),
        *(("end", bad, "error.invalid_when") for bad in BAD),
        ("place", "x" * 5000, "error.invalid_place"),
        ("place", "a\x07b", "error.invalid_place"),
        *(("capacity", bad, "error.invalid_capacity") for bad in BAD),
        ("capacity", "0", "error.invalid_capacity"),
        ("capacity", "5001", "error.invalid_capacity"),
    ],
)
async def test_bad_answers_repeat_the_step_with_an_example_and_store_nothing(
    bot: Harness, step: str, bad: str, refusal: str
) -> None:
    await seed_team(bot, 0)
    await new_activity_to_step(bot, step)
    answer = await bot.say(LEAD, bad)
    assert says(answer.text, refusal), answer.text
    dialogue = await bot.services.dialogues.current(LEAD.id)
    assert dialogue is not None and dialogue.step == step
    assert await bot.count("activities") == 0


async def test_volunteers_cannot_create_activities_even_with_forged_buttons(bot: Harness) -> None:
    await seed_team(bot, 0)
    await enrol(bot, LUCY, "Lucy Li", "13900139000", ["traffic"])
    assert (await bot.say(LUCY, "/new_activity")).text == en("error.not_lead_or_admin")
    own = await bot.say(LUCY, "/start")
    for forged in ["n:t:traffic", "n:c:traffic", "n:q:0", "n:go", "n:skip", "n:p:1"]:
        answer = await bot.answer_to_press(LUCY, own, forged)
        assert answer.params["text"] in (en("button.expired"), en("error.not_lead_or_admin"))
    await bot.api.wait_idle()
    assert await bot.count("activities") == 0


async def test_a_lead_cannot_pick_another_teams_button(bot: Harness) -> None:
    await seed_team(bot, 0)
    choose = await bot.say(ADMIN, "/new_activity")
    assert choose.text == zh("new.choose_team")
    assert button_data(choose)[:2] == ["n:t:traffic", "n:t:blood"]
    await bot.say(LEAD, "/new_activity")
    answer = await bot.answer_to_press(LEAD, choose, "n:t:blood")
    assert answer.params["text"] == zh("button.expired")

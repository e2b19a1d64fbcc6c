"""/new_activity over HTTP: a lead creates and publishes an activity; members are told with a
sign-up button; bad answers at every typed step repeat the step; others are refused."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import ADMIN, Harness, button_data
from tests.e2e.test_broadcast import LEAD, seed
from tests.e2e.test_registration import LUCY

BAD = ["x" * 5000, "a\x07b", "😀", "'; DROP TABLE activities; --", "-1", "99999999999999999999"]


async def _to_step(bot: Harness, step: str) -> None:
    """Walk LEAD's dialogue up to the named step with good answers."""
    await bot.say(LEAD, "/new_activity")
    if step == "title":
        return
    category = await bot.say(LEAD, "路口文明劝导")
    if step == "category":
        return
    await bot.tap(LEAD, category, "n:c:traffic")
    if step == "start":
        return
    await bot.say(LEAD, "明天 9:00")
    if step == "end":
        return
    await bot.say(LEAD, "明天 11:00")
    if step == "place":
        return
    await bot.say(LEAD, "人民路口")
    if step == "capacity":
        return
    await bot.say(LEAD, "2")


async def test_a_lead_publishes_an_activity_and_members_can_sign_up_from_the_announcement(
    bot: Harness,
) -> None:
    members = await seed(bot, 3)
    ask = await bot.say(LEAD, "/new_activity")
    assert "活动名称" in ask.text
    categories = await bot.say(LEAD, "人民路口文明交通劝导")
    assert button_data(categories)[0] == "n:c:traffic"
    start = await bot.tap(LEAD, categories, "n:c:traffic")
    assert button_data(start) == ["n:q:0", "n:q:1", "n:q:2", "n:q:3"]
    end = await bot.tap(LEAD, start, "n:q:0")
    assert "何时结束" in end.text
    assert "结束时间必须晚于开始时间" in (await bot.say(LEAD, "明天 8:00")).text
    place = await bot.say(LEAD, "明天 11:00")
    assert "在哪里" in place.text
    bot.api.send_location(LEAD, 22.765, 112.964)
    assert (await bot.reply(LEAD)).text == "定位已保存，请再发送地点名称。"
    await bot.say(LEAD, "人民路与中山路交叉口")
    describe = await bot.say(LEAD, "2")
    assert button_data(describe) == ["n:skip"]
    preview_card = await bot.say(LEAD, "请穿志愿者马甲")
    assert preview_card.text.startswith("人民路口文明交通劝导\n👥 文明交通志愿服务队")
    assert preview_card.text.endswith("请穿志愿者马甲")
    confirm = await bot.reply(LEAD)
    assert button_data(confirm) == ["n:go", "n:no"]
    since = bot.api.mark()
    published = await bot.tap(LEAD, confirm, "n:go")
    assert published.text == "已发布，正在通知队伍成员。"
    card = await bot.reply(LEAD)
    (activity_id,) = [int(d.split(":")[-1]) for d in button_data(card)]
    activity = await bot.services.activities.get(activity_id)
    assert (activity.capacity, activity.latitude, activity.description) == (
        2,
        22.765,
        "请穿志愿者马甲",
    )
    announcement = await bot.api.wait_for(
        lambda c: c.chat_id == members[0] and c.ok and c.method == "sendMessage", since=since
    )
    assert "人民路口文明交通劝导" in announcement.text
    assert button_data(announcement) == [f"s:u:{activity_id}"]
    member = type(LEAD)(id=members[0], first_name="M", language_code="en")
    signed = await bot.answer_to_press(member, announcement, f"s:u:{activity_id}")
    assert signed.params["text"].startswith("You are signed up")


@pytest.mark.parametrize(
    ("step", "bad", "example"),
    [
        *(("title", bad, "例如：人民路口文明交通劝导") for bad in BAD[:3]),
        ("title", "x", "例如：人民路口文明交通劝导"),
        *(("start", bad, "例如：2026-12-05 09:00") for bad in BAD),
        ("start", "2020-01-01 09:00", "该时间已经过去"),
        *(("end", bad, "例如：2026-12-05 09:00") for bad in BAD),
        ("place", "x" * 5000, "例如：人民路与中山路交叉口"),
        ("place", "a\x07b", "例如：人民路与中山路交叉口"),
        *(("capacity", bad, "例如：20") for bad in BAD),
        ("capacity", "0", "例如：20"),
        ("capacity", "5001", "例如：20"),
    ],
)
async def test_bad_answers_repeat_the_step_with_an_example_and_store_nothing(
    bot: Harness, step: str, bad: str, example: str
) -> None:
    await seed(bot, 0)
    await _to_step(bot, step)
    answer = await bot.say(LEAD, bad)
    assert example in answer.text
    dialogue = await bot.services.dialogues.current(LEAD.id)
    assert dialogue is not None and dialogue.step == step
    assert await bot.count("activities") == 0


async def test_volunteers_cannot_create_activities_even_with_forged_buttons(bot: Harness) -> None:
    await seed(bot, 0)
    await bot.services.registration.register(
        LUCY.id, "Lucy Li", "13900139000", ["traffic"], consent=True
    )
    assert (await bot.say(LUCY, "/new_activity")).text == "Only team leads and admins can do this."
    own = await bot.say(LUCY, "/start")
    for forged in ["n:t:traffic", "n:c:traffic", "n:q:0", "n:go", "n:skip", "n:p:1"]:
        answer = await bot.answer_to_press(LUCY, own, forged)
        assert answer.params["text"] in (
            "This button is no longer valid.",
            "Only team leads and admins can do this.",
        )
    await bot.api.wait_idle()
    assert await bot.count("activities") == 0


async def test_a_lead_cannot_pick_another_teams_button(bot: Harness) -> None:
    await seed(bot, 0)
    choose = await bot.say(ADMIN, "/new_activity")
    assert button_data(choose)[:2] == ["n:t:traffic", "n:t:blood"]
    await bot.say(LEAD, "/new_activity")
    answer = await bot.answer_to_press(LEAD, choose, "n:t:blood")
    assert answer.params["text"] == "此按钮已失效。"

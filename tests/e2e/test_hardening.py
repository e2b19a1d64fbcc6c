"""Edge cases people and clients produce: edited messages, forged buttons in groups,
oversized lists, odd numbers in button data."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import ManualClock
from bot.services.dialogues import ABANDONED_AFTER
from tests.e2e.helpers import (
    ADMIN,
    LUCY,
    ZHANG,
    Harness,
    button_data,
    enrol,
    mentions,
    register,
    says,
    zh,
)
from tests.fake_bot_api import group_chat


async def test_an_edited_message_is_not_taken_as_a_new_answer(bot: Harness) -> None:
    await bot.say(ZHANG, "/register")
    name_update = bot.api.send_text(ZHANG, "张三")
    await bot.reply(ZHANG)
    since = bot.api.mark()
    bot.api.edit_text(ZHANG, name_update, "/help")
    await bot.api.wait_idle()
    assert [c for c in bot.api.sent_messages(ZHANG.id) if c.index >= since] == []
    dialogue = await bot.services.dialogues.current(ZHANG.id)
    assert dialogue is not None and dialogue.step == "phone"


async def test_forged_personal_buttons_pressed_in_a_group_show_nothing_there(bot: Harness) -> None:
    await register(bot, ZHANG, "张三", "13800138000", ["traffic"])
    volunteer = await bot.services.registration.volunteer(ZHANG.id)
    assert volunteer is not None
    group = group_chat(-100900)
    in_group = await bot.say(ADMIN, "/help", chat=group)
    since = bot.api.mark()
    for forged in [f"a:pv:{volunteer.id}", "p:e:phone", "a:tp:0", "a:dp:0", "f:y"]:
        answer = await bot.answer_to_press(ADMIN, in_group, forged)
        assert answer.params["text"] == zh("button.expired")
    await bot.api.wait_idle()
    to_group = [
        c
        for c in bot.api.calls[since:]
        if c.chat_id == -100900 and c.method != "answerCallbackQuery"
    ]
    assert to_group == []


async def test_forged_numbers_in_button_data_are_refused_quietly(bot: Harness, caplog) -> None:
    own = await bot.say(ADMIN, "/start")
    for forged in ["a:pv:²", "a:pv:99999999999999999999", "a:tp:-1", "a:pp:1:x", "b:s:1e9"]:
        answer = await bot.answer_to_press(ADMIN, own, forged)
        assert answer.params["text"] == zh("button.expired")
    await bot.api.wait_idle()
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


async def test_a_person_with_many_teams_gets_messages_within_telegrams_limit(bot: Harness) -> None:
    teams = [(f"k{n:02d}", "长" * 60, "L" * 60) for n in range(60)]
    admin = await bot.services.roles.actor(ADMIN.id)
    for key, name_zh, name_en in teams:
        await bot.services.teams.add(admin, key, name_zh, name_en)
    await enrol(bot, LUCY, "Lucy Li", "13900139000", [key for key, _, _ in teams])
    profile = await bot.say(LUCY, "/profile")
    assert len(profile.text) <= 4096 and mentions(profile.text, "list.more")
    edit = await bot.tap(LUCY, profile, "p:e:teams")
    await bot.tap(LUCY, edit, "r:td")
    saved = await bot.reply(LUCY)
    assert len(saved.text) <= 4096 and says(saved.text, "edit.saved")
    overview = await bot.say(ADMIN, "/teams")
    assert len(overview.text) <= 4096 and button_data(overview)[0] == "a:tp:1"


async def test_forget_me_clears_an_unfinished_registration(bot: Harness) -> None:
    await bot.say(ZHANG, "/register")
    await bot.say(ZHANG, "张三")
    cleared = await bot.say(ZHANG, "/forget_me")
    assert cleared.text == zh("forget.unfinished")
    assert await bot.services.dialogues.current(ZHANG.id) is None


async def test_an_abandoned_registration_is_dropped_a_fresh_one_stays(
    timed_bot: Harness, clock: ManualClock
) -> None:
    bot = timed_bot
    await bot.say(LUCY, "/register")
    assert await bot.services.dialogues.purge_abandoned() == 0, "a fresh dialogue stays"
    clock.advance(ABANDONED_AFTER + timedelta(minutes=1))
    assert await bot.services.dialogues.purge_abandoned() == 1
    assert await bot.services.dialogues.current(LUCY.id) is None

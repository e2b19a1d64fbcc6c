"""Whole registration dialogues over HTTP, as people would type and tap them."""

from __future__ import annotations

import asyncio

import pytest

from bot.domain.dialogues import RegisterData
from tests.e2e.conftest import Harness, button_data
from tests.fake_bot_api import FakeUser, group_chat

ZHANG = FakeUser(id=101, first_name="三", last_name="张", language_code="zh-hans")
LUCY = FakeUser(id=102, first_name="Lucy", language_code="en")

BAD_TEXT = [
    "",
    " ",
    "x" * 5000,
    "张\x07三",
    "😀😀😀",
    "'; DROP TABLE volunteers; --",
    "-1",
    "99999999999999999999999999",
]


async def register(bot: Harness, user: FakeUser, name: str, phone: str, teams: list[str]) -> None:
    """Drive /register from the first question to the summary."""
    ask_name = await bot.say(user, "/register")
    assert ask_name.params["reply_markup"] == {"remove_keyboard": True}
    ask_phone = await bot.say(user, name)
    assert ask_phone.reply_markup["keyboard"][0][0]["request_contact"] is True
    bot.api.send_contact(user, phone)
    team_question = await bot.reply(user)  # the number read back, and the team question
    for key in teams:
        await bot.toggle(user, team_question, f"r:t:{key}")
    consent = await bot.tap(user, team_question, "r:td")
    if consent.method == "editMessageText":
        consent = await bot.reply(user)
    assert button_data(consent) == ["r:c:y", "r:c:n"]
    done = await bot.tap(user, consent, "r:c:y")
    assert done.method == "sendMessage"
    assert done.params["reply_markup"] == {"remove_keyboard": True}, "no share button left"


async def test_a_volunteer_registers_in_chinese_from_start_to_summary(bot: Harness) -> None:
    welcome = await bot.say(ZHANG, "/start")
    assert "欢迎来到" in welcome.text and button_data(welcome) == ["r:go"]
    ask_name = await bot.tap(ZHANG, welcome, "r:go")
    assert "第 1 步" in ask_name.text
    ask_phone = await bot.say(ZHANG, "  张三 ")
    assert "第 2 步" in ask_phone.text
    bot.api.send_contact(ZHANG, "8613800138000")
    teams = await bot.reply(ZHANG)
    assert teams.text.startswith("手机号码：+8613800138000\n\n第 3 步")
    assert button_data(teams) == ["r:t:traffic", "r:t:blood", "r:t:sunshine", "r:td"]
    edited = await bot.toggle(ZHANG, teams, "r:t:blood")
    assert edited.params["reply_markup"]["inline_keyboard"][1][0]["text"].startswith("✅")
    edited = await bot.toggle(ZHANG, teams, "r:t:blood")
    assert edited.params["reply_markup"]["inline_keyboard"][1][0]["text"].startswith("⬜")
    refusal = await bot.tap(ZHANG, teams, "r:td")
    assert refusal.text == "请至少选择一支队伍。"
    await bot.toggle(ZHANG, teams, "r:t:traffic")
    consent_intro = await bot.tap(ZHANG, teams, "r:td")
    assert "文明交通志愿服务队" in consent_intro.text
    consent = await bot.reply(ZHANG)
    assert "我们保存" in consent.text and "管理员" in consent.text
    assert await bot.count("volunteers") == 0, "nothing is stored before consent"
    done = await bot.tap(ZHANG, consent, "r:c:y")
    assert "注册成功" in done.text and "+8613800138000" in done.text and "文明交通" in done.text
    volunteer = await bot.services.registration.volunteer(ZHANG.id)
    assert (
        volunteer is not None and volunteer.name == "张三" and volunteer.team_keys == ("traffic",)
    )
    again = await bot.say(ZHANG, "/start")
    assert again.text.startswith("欢迎回来，张三")


async def test_english_speakers_get_english_and_declining_consent_stores_nothing(
    bot: Harness,
) -> None:
    ask_name = await bot.say(LUCY, "/register")
    assert "Step 1 of 4" in ask_name.text
    await bot.say(LUCY, "Lucy Li")
    bot.api.send_text(LUCY, "138 0013 8001")
    assert (await bot.reply(LUCY)).text == "Phone number: +8613800138001"
    teams = await bot.reply(LUCY)
    await bot.toggle(LUCY, teams, "r:t:sunshine")
    await bot.tap(LUCY, teams, "r:td")
    consent = await bot.reply(LUCY)
    assert "Do you agree?" in consent.text
    declined = await bot.tap(LUCY, consent, "r:c:n")
    assert "nothing was stored" in declined.text
    assert await bot.count("volunteers") == 0
    assert await bot.services.dialogues.current(LUCY.id) is None


async def test_several_people_register_at_once_without_mixing_their_answers(
    bot: Harness,
) -> None:
    people = [FakeUser(id=500 + i, first_name=f"P{i}", language_code="zh") for i in range(8)]
    names = ["张三", "李四", "王五", "赵六", "钱七", "孙八", "周九", "吴十"]
    await asyncio.gather(
        *(
            register(bot, person, names[i], f"1390000000{i}", ["traffic", "blood"][: 1 + i % 2])
            for i, person in enumerate(people)
        )
    )
    for i, person in enumerate(people):
        volunteer = await bot.services.registration.volunteer(person.id)
        assert volunteer is not None
        assert (volunteer.name, volunteer.phone) == (names[i], f"+861390000000{i}")
        assert len(volunteer.team_keys) == 1 + i % 2
    bot.api.assert_no_violations()


@pytest.mark.parametrize("bad", BAD_TEXT)
async def test_bad_names_are_refused_with_an_example_and_the_step_repeats(
    bot: Harness, bad: str
) -> None:
    await bot.say(ZHANG, "/register")
    if bad == "":
        bot.api.send_location(ZHANG, 22.76, 112.96)
        answer = await bot.reply(ZHANG)
        assert answer.text == "请以文字回复，或发送 /cancel 退出。"
    else:
        answer = await bot.say(ZHANG, bad)
        assert "例如：张三" in answer.text
    dialogue = await bot.services.dialogues.current(ZHANG.id)
    assert dialogue is not None and dialogue.step == "name"
    assert "第 2 步" in (await bot.say(ZHANG, "张三")).text


@pytest.mark.parametrize("bad", [*BAD_TEXT, "12345678901", "+85291234567", "1380013800"])
async def test_bad_phone_numbers_are_refused_with_an_example_and_the_step_repeats(
    bot: Harness, bad: str
) -> None:
    await bot.say(ZHANG, "/register")
    await bot.say(ZHANG, "张三")
    answer = await bot.say(ZHANG, bad or "\u200b")
    assert "例如：13812345678" in answer.text
    dialogue = await bot.services.dialogues.current(ZHANG.id)
    assert dialogue is not None and isinstance(dialogue.data, RegisterData)
    assert dialogue.step == "phone" and dialogue.data.phone is None
    assert await bot.count("volunteers") == 0


async def test_someone_elses_contact_is_refused(bot: Harness) -> None:
    await bot.say(ZHANG, "/register")
    await bot.say(ZHANG, "张三")
    bot.api.send_contact(ZHANG, "13800138000", contact_user_id=LUCY.id)
    assert (await bot.reply(ZHANG)).text == "请分享您本人的手机号，而不是其他人的联系人名片。"
    bot.api.send_contact(ZHANG, "13800138000", omit_user_id=True)
    assert "本人" in (await bot.reply(ZHANG)).text


async def test_a_phone_number_registered_by_someone_else_is_refused(bot: Harness) -> None:
    await register(bot, LUCY, "Lucy Li", "13800138000", ["traffic"])
    await bot.say(ZHANG, "/register")
    await bot.say(ZHANG, "张三")
    answer = await bot.say(ZHANG, "13800138000")
    # The answer any refused typed number gets: it does not tell that the number is taken.
    assert answer.text == "无法接受手动输入的这个号码。请点击下方“分享我的手机号”按钮确认您的号码。"


async def test_cancel_leaves_the_dialogue_at_any_step_and_stores_nothing(bot: Harness) -> None:
    await bot.say(ZHANG, "/register")
    await bot.say(ZHANG, "张三")
    cancelled = await bot.say(ZHANG, "/cancel")
    assert cancelled.text == "已取消，未做其他更改。"
    assert cancelled.params["reply_markup"] == {"remove_keyboard": True}
    assert (await bot.say(ZHANG, "13800138000")).text.startswith("我没有看懂")
    assert (await bot.say(ZHANG, "/cancel")).text == "当前没有需要取消的操作。"
    assert await bot.count("volunteers") == 0 and await bot.count("dialogues") == 0


async def test_registering_again_offers_editing_and_profile_edits_are_validated(
    bot: Harness,
) -> None:
    await register(bot, ZHANG, "张三", "13800138000", ["traffic"])
    offer = await bot.say(ZHANG, "/register")
    assert button_data(offer) == ["p:e:name", "p:e:phone", "p:e:teams"]
    profile = await bot.say(ZHANG, "/profile")
    assert "姓名：张三" in profile.text and "+8613800138000" in profile.text
    await bot.tap(ZHANG, profile, "p:e:name")
    assert "例如" in (await bot.say(ZHANG, "张3")).text
    saved = await bot.say(ZHANG, "张三丰")
    assert saved.text.startswith("已保存") and "姓名：张三丰" in saved.text
    await bot.tap(ZHANG, profile, "p:e:phone")
    assert "例如：13812345678" in (await bot.say(ZHANG, "12345")).text
    bot.api.send_contact(ZHANG, "+86 137 0013 7000")
    assert "+8613700137000" in (await bot.reply(ZHANG)).text
    teams = await bot.tap(ZHANG, profile, "p:e:teams")
    assert teams.reply_markup["inline_keyboard"][0][0]["text"].startswith("✅")
    await bot.toggle(ZHANG, teams, "r:t:sunshine")
    await bot.tap(ZHANG, teams, "r:td")
    saved = await bot.reply(ZHANG)
    assert "文明交通志愿服务队、阳光慈善志愿服务队" in saved.text


async def test_stale_and_forged_registration_buttons_change_nothing(bot: Harness) -> None:
    welcome = await bot.say(LUCY, "/start")
    for forged in ["r:t:traffic", "r:td", "r:c:y", "r:t:../../etc", "p:e:name", "zz:unknown"]:
        answer = await bot.answer_to_press(LUCY, welcome, forged)
        assert answer.params.get("text") in (
            "This button is no longer valid.",
            "You are not registered yet. Send /register to sign up.",
        )
    await bot.api.wait_idle()
    assert await bot.count("volunteers") == 0 and await bot.count("dialogues") == 0


async def test_personal_data_is_not_asked_for_in_groups(bot: Harness) -> None:
    group = group_chat(-100500)
    answer = await bot.say(ZHANG, "/register@volunteer_test_bot", chat=group)
    assert answer.chat_id == -100500
    assert "私聊" in answer.text and "https://t.me/volunteer_test_bot" in answer.text
    assert await bot.services.dialogues.current(ZHANG.id) is None


async def test_item12_a_shared_number_and_the_team_question_come_as_one_message(
    bot: Harness,
) -> None:
    """Issue 12, item 12: sharing the number hides the one-time share button, so the number
    read back and the next question are one message (nothing waits for the chat's pace); a
    typed number still gets a message of its own that takes the button away."""
    t = bot.app.bot_data.runtime.catalogs.translator("zh")
    await bot.say(ZHANG, "/register")
    await bot.say(ZHANG, "张三")
    since = bot.api.mark()
    bot.api.send_contact(ZHANG, "13800138000")
    teams = await bot.reply(ZHANG)
    saved = t("register.phone_saved", phone="+8613800138000")
    assert teams.text == f"{saved}\n\n{t('register.ask_teams')}"
    assert button_data(teams) == ["r:t:traffic", "r:t:blood", "r:t:sunshine", "r:td"]
    await bot.api.wait_idle()
    sent = [c for c in bot.api.calls[since:] if c.method == "sendMessage" and c.chat_id == ZHANG.id]
    assert sent == [teams], "one message for the step"

    await bot.say(LUCY, "/register")
    await bot.say(LUCY, "Lucy Li")
    typed = await bot.say(LUCY, "13900139000")
    assert typed.params["reply_markup"] == {"remove_keyboard": True}
    assert button_data(await bot.reply(LUCY))[-1] == "r:td"

"""Whole registration dialogues over HTTP, as people would type and tap them."""

from __future__ import annotations

import asyncio

import pytest

from bot.domain.dialogues import RegisterData
from tests.e2e.helpers import (
    LUCY,
    ZHANG,
    Harness,
    button_data,
    en,
    enrol,
    register,
    summary_of,
    zh,
)
from tests.fake_bot_api import FakeUser, group_chat

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


async def test_a_volunteer_registers_in_chinese_from_start_to_summary(bot: Harness) -> None:
    welcome = await bot.say(ZHANG, "/start")
    assert welcome.text == zh("start.guest", org=bot.config.org.name)
    assert button_data(welcome) == ["r:go"]
    ask_name = await bot.tap(ZHANG, welcome, "r:go")
    assert ask_name.text == zh("register.ask_name")
    ask_phone = await bot.say(ZHANG, "  张三 ")
    assert ask_phone.text == zh("register.ask_phone")
    bot.api.send_contact(ZHANG, "8613800138000")
    teams = await bot.reply(ZHANG)
    saved = zh("register.phone_saved", phone="+8613800138000")
    assert teams.text == f"{saved}\n\n{zh('register.ask_teams')}"
    assert button_data(teams) == ["r:t:traffic", "r:t:blood", "r:t:sunshine", "r:td"]
    edited = await bot.toggle(ZHANG, teams, "r:t:blood")
    assert edited.params["reply_markup"]["inline_keyboard"][1][0]["text"].startswith("✅")
    edited = await bot.toggle(ZHANG, teams, "r:t:blood")
    assert edited.params["reply_markup"]["inline_keyboard"][1][0]["text"].startswith("⬜")
    refusal = await bot.tap(ZHANG, teams, "r:td")
    assert refusal.text == zh("error.no_team_chosen")
    await bot.toggle(ZHANG, teams, "r:t:traffic")
    chosen = await bot.tap(ZHANG, teams, "r:td")
    assert chosen.text == f"{zh('register.ask_teams')}\n\n文明交通志愿服务队"
    consent = await bot.reply(ZHANG)
    assert consent.text == zh("register.consent", org=bot.config.org.name)
    assert await bot.count("volunteers") == 0, "nothing is stored before consent"
    done = await bot.tap(ZHANG, consent, "r:c:y")
    volunteer = await bot.services.registration.volunteer(ZHANG.id)
    assert volunteer is not None
    assert (volunteer.name, volunteer.phone, volunteer.team_keys) == (
        "张三",
        "+8613800138000",
        ("traffic",),
    )
    assert done.text == zh("register.done", summary=await summary_of(bot, ZHANG.id, zh))
    again = await bot.say(ZHANG, "/start")
    assert again.text == zh("start.member", name="张三")


async def test_english_speakers_get_english_and_declining_consent_stores_nothing(
    bot: Harness,
) -> None:
    ask_name = await bot.say(LUCY, "/register")
    assert ask_name.text == en("register.ask_name")
    await bot.say(LUCY, "Lucy Li")
    bot.api.send_text(LUCY, "138 0013 8001")
    assert (await bot.reply(LUCY)).text == en("register.phone_saved", phone="+8613800138001")
    teams = await bot.reply(LUCY)
    await bot.toggle(LUCY, teams, "r:t:sunshine")
    await bot.tap(LUCY, teams, "r:td")
    consent = await bot.reply(LUCY)
    assert consent.text == en("register.consent", org=bot.config.org.name)
    declined = await bot.tap(LUCY, consent, "r:c:n")
    assert declined.text == en("register.declined")
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
        assert answer.text == zh("dialogue.send_text")
    else:
        answer = await bot.say(ZHANG, bad)
        assert answer.text == zh("error.invalid_name")
    dialogue = await bot.services.dialogues.current(ZHANG.id)
    assert dialogue is not None and dialogue.step == "name"
    assert (await bot.say(ZHANG, "张三")).text == zh("register.ask_phone")


@pytest.mark.parametrize("bad", [*BAD_TEXT, "12345678901", "+85291234567", "1380013800"])
async def test_bad_phone_numbers_are_refused_with_an_example_and_the_step_repeats(
    bot: Harness, bad: str
) -> None:
    await bot.say(ZHANG, "/register")
    await bot.say(ZHANG, "张三")
    answer = await bot.say(ZHANG, bad or "\u200b")
    assert answer.text == zh("error.invalid_phone")
    dialogue = await bot.services.dialogues.current(ZHANG.id)
    assert dialogue is not None and isinstance(dialogue.data, RegisterData)
    assert dialogue.step == "phone" and dialogue.data.phone is None
    assert await bot.count("volunteers") == 0


async def test_someone_elses_contact_is_refused(bot: Harness) -> None:
    await bot.say(ZHANG, "/register")
    await bot.say(ZHANG, "张三")
    bot.api.send_contact(ZHANG, "13800138000", contact_user_id=LUCY.id)
    assert (await bot.reply(ZHANG)).text == zh("error.not_own_contact")
    bot.api.send_contact(ZHANG, "13800138000", omit_user_id=True)
    assert (await bot.reply(ZHANG)).text == zh("error.not_own_contact")


async def test_a_phone_number_registered_by_someone_else_is_refused(bot: Harness) -> None:
    await register(bot, LUCY, "Lucy Li", "13800138000", ["traffic"])
    await bot.say(ZHANG, "/register")
    await bot.say(ZHANG, "张三")
    answer = await bot.say(ZHANG, "13800138000")
    # The answer any refused typed number gets: it does not tell that the number is taken.
    assert answer.text == zh("error.phone_must_be_shared")


async def test_cancel_leaves_the_dialogue_at_any_step_and_stores_nothing(bot: Harness) -> None:
    await bot.say(ZHANG, "/register")
    await bot.say(ZHANG, "张三")
    cancelled = await bot.say(ZHANG, "/cancel")
    assert cancelled.text == zh("cancel.done")
    assert cancelled.params["reply_markup"] == {"remove_keyboard": True}
    assert (await bot.say(ZHANG, "13800138000")).text == zh("fallback.unknown")
    assert (await bot.say(ZHANG, "/cancel")).text == zh("cancel.nothing")
    assert await bot.count("volunteers") == 0 and await bot.count("dialogues") == 0


async def test_registering_again_offers_editing(bot: Harness) -> None:
    await register(bot, ZHANG, "张三", "13800138000", ["traffic"])
    offer = await bot.say(ZHANG, "/register")
    assert offer.text == zh("register.already")
    assert button_data(offer) == ["p:e:name", "p:e:phone", "p:e:teams"]
    profile = await bot.say(ZHANG, "/profile")
    assert profile.text == zh("profile.header", summary=await summary_of(bot, ZHANG.id, zh))


async def test_a_new_name_from_the_profile_is_validated_and_saved(bot: Harness) -> None:
    await enrol(bot, ZHANG, "张三", "13800138000", ["traffic"])
    profile = await bot.say(ZHANG, "/profile")
    assert (await bot.tap(ZHANG, profile, "p:e:name")).text == zh("edit.ask_name")
    assert (await bot.say(ZHANG, "张3")).text == zh("error.invalid_name")
    saved = await bot.say(ZHANG, "张三丰")
    volunteer = await bot.services.registration.volunteer(ZHANG.id)
    assert volunteer is not None and volunteer.name == "张三丰"
    assert saved.text == zh("edit.saved", summary=await summary_of(bot, ZHANG.id, zh))


async def test_a_new_phone_from_the_profile_is_validated_and_saved(bot: Harness) -> None:
    await enrol(bot, ZHANG, "张三", "13800138000", ["traffic"])
    profile = await bot.say(ZHANG, "/profile")
    assert (await bot.tap(ZHANG, profile, "p:e:phone")).text == zh("edit.ask_phone")
    assert (await bot.say(ZHANG, "12345")).text == zh("error.invalid_phone")
    bot.api.send_contact(ZHANG, "+86 137 0013 7000")
    saved = await bot.reply(ZHANG)
    volunteer = await bot.services.registration.volunteer(ZHANG.id)
    assert volunteer is not None and volunteer.phone == "+8613700137000"
    assert saved.text == zh("edit.saved", summary=await summary_of(bot, ZHANG.id, zh))


async def test_teams_from_the_profile_start_from_the_current_ones(bot: Harness) -> None:
    await enrol(bot, ZHANG, "张三", "13800138000", ["traffic"])
    profile = await bot.say(ZHANG, "/profile")
    teams = await bot.tap(ZHANG, profile, "p:e:teams")
    assert teams.text == zh("edit.ask_teams")
    assert teams.reply_markup["inline_keyboard"][0][0]["text"].startswith("✅")
    await bot.toggle(ZHANG, teams, "r:t:sunshine")
    await bot.tap(ZHANG, teams, "r:td")
    saved = await bot.reply(ZHANG)
    volunteer = await bot.services.registration.volunteer(ZHANG.id)
    assert volunteer is not None and volunteer.team_keys == ("traffic", "sunshine")
    assert saved.text == zh("edit.saved", summary=await summary_of(bot, ZHANG.id, zh))


async def test_stale_and_forged_registration_buttons_change_nothing(bot: Harness) -> None:
    welcome = await bot.say(LUCY, "/start")
    for forged in ["r:t:traffic", "r:td", "r:c:y", "r:t:../../etc", "p:e:name", "zz:unknown"]:
        answer = await bot.answer_to_press(LUCY, welcome, forged)
        assert answer.params.get("text") in (en("button.expired"), en("error.not_registered"))
    await bot.api.wait_idle()
    assert await bot.count("volunteers") == 0 and await bot.count("dialogues") == 0


async def test_personal_data_is_not_asked_for_in_groups(bot: Harness) -> None:
    group = group_chat(-100500)
    answer = await bot.say(ZHANG, "/register@volunteer_test_bot", chat=group)
    assert answer.chat_id == -100500
    assert answer.text == zh("private_only", link="https://t.me/volunteer_test_bot")
    assert await bot.services.dialogues.current(ZHANG.id) is None


async def test_item12_a_shared_number_and_the_team_question_come_as_one_message(
    bot: Harness,
) -> None:
    """Issue 12, item 12: sharing the number hides the one-time share button, so the number
    read back and the next question are one message (nothing waits for the chat's pace); a
    typed number still gets a message of its own that takes the button away."""
    await bot.say(ZHANG, "/register")
    await bot.say(ZHANG, "张三")
    since = bot.api.mark()
    bot.api.send_contact(ZHANG, "13800138000")
    teams = await bot.reply(ZHANG)
    saved = zh("register.phone_saved", phone="+8613800138000")
    assert teams.text == f"{saved}\n\n{zh('register.ask_teams')}"
    assert button_data(teams) == ["r:t:traffic", "r:t:blood", "r:t:sunshine", "r:td"]
    await bot.api.wait_idle()
    sent = [c for c in bot.api.calls[since:] if c.method == "sendMessage" and c.chat_id == ZHANG.id]
    assert sent == [teams], "one message for the step"

    await bot.say(LUCY, "/register")
    await bot.say(LUCY, "Lucy Li")
    typed = await bot.say(LUCY, "13900139000")
    assert typed.params["reply_markup"] == {"remove_keyboard": True}
    assert button_data(await bot.reply(LUCY))[-1] == "r:td"

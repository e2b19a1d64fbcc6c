"""A dialogue kept in a shape the code can no longer follow (written by an older version, or
damaged) ends with a clear message, whether the person types or presses a button; their next
command works as usual."""

from __future__ import annotations

import logging

import pytest

from tests.e2e.helpers import LUCY, ZHANG, Harness, button_data, en, zh
from tests.fake_bot_api import FakeUser


async def _damage(bot: Harness, user: FakeUser, column: str, value: str) -> None:
    async with bot.db.transaction() as tx:
        await tx.execute(
            f"UPDATE dialogues SET {column} = ? WHERE telegram_id = ?",
            (value, user.id),
        )


async def test_a_typed_answer_to_a_damaged_dialogue_ends_it_clearly(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    await bot.say(ZHANG, "/register")
    await bot.say(ZHANG, "张三")
    # The name the phone step goes on from is gone from the row.
    await _damage(bot, ZHANG, "data", '{"resume_activity": null}')
    answer = await bot.say(ZHANG, "13800138000")
    assert answer.text == zh("error.dialogue_lost")
    assert await bot.services.dialogues.current(ZHANG.id) is None
    assert await bot.count("volunteers") == 0
    again = await bot.say(ZHANG, "/register")
    assert again.text == zh("register.ask_name")
    dialogue = await bot.services.dialogues.current(ZHANG.id)
    assert dialogue is not None and (dialogue.flow, dialogue.step) == ("register", "name")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_button_pressed_in_a_dialogue_of_an_unknown_flow_ends_it_clearly(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    await bot.say(LUCY, "/register")
    await bot.say(LUCY, "Lucy Li")
    bot.api.send_contact(LUCY, "13900139000")
    teams = await bot.reply(LUCY)  # the number read back and the team question, one message
    await _damage(bot, LUCY, "flow", "survey")  # a flow this version does not have
    since = bot.api.mark()
    answer = await bot.tap(LUCY, teams, button_data(teams)[0])
    assert answer.text == en("error.dialogue_lost")
    toast = await bot.api.wait_for_method("answerCallbackQuery", since=since)
    assert toast.params["text"] == en("error.dialogue_lost")[:200]
    assert await bot.services.dialogues.current(LUCY.id) is None
    again = await bot.say(LUCY, "/register")
    assert again.text == en("register.ask_name")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]

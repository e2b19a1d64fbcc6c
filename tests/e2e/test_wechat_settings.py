"""The leaderboard, settings and forgetting me on WeChat, through the real endpoint: the same
boards and words as Telegram; reminders, anonymity and the language changed by number or
msgmenu; /forget_me's confirmation and erasure, and forged options that erase nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.domain.ranking import Period
from bot.views.boards import board_text, honor_roll_text
from bot.views.settings import settings_text
from tests.e2e.wechat_chat import EN, ZH, WeChatChat, wechat_chat
from tests.e2e.wechat_people import credited, outbox_settled, registered
from tests.fake_bot_api import FakeBotApi
from tests.fake_wechat import FakeWeChat
from tests.service.test_privacy import _scan_database

ALICE = "o-alice-0123456789abcdef"
BOB = "o-bob-0123456789abcdef0"
NAME, PHONE = "隐私测试员", "13912345678"


@pytest.fixture
async def wechat(clock: ManualClock) -> AsyncIterator[FakeWeChat]:
    async with FakeWeChat(clock) as fake:
        yield fake


@pytest.fixture
async def chat(
    tmp_path: Path, api: FakeBotApi, wechat: FakeWeChat, clock: ManualClock
) -> AsyncIterator[WeChatChat]:
    async with wechat_chat(tmp_path, api, wechat, clock) as running:
        yield running


# ---------------------------------------------------------------- the leaderboard


async def test_the_board_ranks_the_team_this_month_and_other_periods_are_a_number_away(
    chat: WeChatChat,
) -> None:
    alice = await registered(chat, ALICE, "张三", "13812345678")
    bob = await registered(chat, BOB, "李四", "13812345679", ("traffic", "blood"))
    await chat.send(ALICE, "帮助")
    await chat.send(BOB, "帮助")
    await credited(chat, alice, 120, served_on=date(2026, 11, 20))
    await credited(chat, bob, 240, served_on=date(2026, 11, 21))
    await outbox_settled(chat)

    seen = await chat.send(ALICE, "排行")
    actor = await chat.services.roles.actor(alice)
    board = await chat.services.reports.board(actor, None, Period.MONTH)
    assert seen.menu is not None and seen.menu["head_content"] == board_text(
        ZH, board, Period.MONTH
    )
    assert ZH("leaderboard.line", rank=1, name="李四", hours=ZH.hours(240)) in seen.text
    assert seen.labels == [
        f"1. {ZH('period.week')}",
        f"2. {ZH('period.year')}",
        f"3. {ZH('period.all')}",
        f"4. {ZH('button.honor_roll')}",
    ]
    year = await chat.send(ALICE, "2")
    assert ZH("period.year") in year.text.split("\n")[0]
    roll = await chat.pick(ALICE, year, 4)
    expected = honor_roll_text(
        ZH, await chat.services.reports.honor_roll(Period.YEAR), ZH("period.year")
    )
    assert roll.menu is not None and roll.menu["head_content"] == expected
    # Bob, in two teams, is offered the other one's board.
    other = await chat.send(BOB, "排行")
    bob_actor = await chat.services.roles.actor(bob)
    first = await chat.services.reports.board(bob_actor, None, Period.MONTH)
    second = next(t for t in await chat.services.reports.my_teams(bob_actor) if t != first.team)
    assert other.labels[3] == f"4. {second.name_zh}"
    switched = await chat.send(BOB, "4")
    board = await chat.services.reports.board(bob_actor, second.id, Period.MONTH)
    assert switched.menu is not None
    assert switched.menu["head_content"] == board_text(ZH, board, Period.MONTH)


async def test_a_forged_board_option_is_refused(chat: WeChatChat) -> None:
    await registered(chat, ALICE)
    for forged in (
        "leaderboard:1.decade",
        "leaderboard:x",
        "honor:1",
        "leaderboard:1234567890.week",
    ):
        assert (await chat.choose(ALICE, forged)).text == ZH("wechat.expired"), forged
    # A team that is not theirs: refused as on Telegram.
    blood = next(t for t in await chat.services.teams.all() if t.key == "blood")
    refused = await chat.choose(ALICE, f"leaderboard:{blood.id}.month")
    assert refused.text == ZH("error.not_team_member")


# ---------------------------------------------------------------- settings


async def test_settings_turn_reminders_off_hide_the_name_and_change_the_language(
    chat: WeChatChat,
) -> None:
    user_id = await registered(chat, ALICE)
    shown = await chat.send(ALICE, "设置")
    assert shown.text == "\n".join(
        [settings_text(ZH, False, False), ZH("wechat.settings.language", language="中文")]
    )
    assert shown.labels == [
        f"1. {ZH('button.mute')}",
        f"2. {ZH('button.hide_name')}",
        "3. English",
        f"4. {ZH('wechat.menu.forget')}",
    ]
    muted = await chat.send(ALICE, "1")
    assert muted.text.startswith(settings_text(ZH, True, False))
    assert await chat.services.reminders.muted(user_id)
    hidden = await chat.pick(ALICE, muted, 2)
    assert hidden.text.startswith(settings_text(ZH, True, True))
    assert await chat.services.records.anonymous(user_id)

    english = await chat.send(ALICE, "3")
    assert english.text.startswith(EN("language.set"))
    assert settings_text(EN, True, True) in english.text
    assert english.labels[2] == "3. 中文"
    assert await chat.services.accounts.language_of(user_id) == "en"
    assert (await chat.send(ALICE, "settings")).labels[0] == f"1. {EN('button.unmute')}"
    assert (await chat.send(ALICE, "1")).text.startswith(settings_text(EN, False, True))
    assert not await chat.services.reminders.muted(user_id)


async def test_someone_not_registered_may_still_choose_a_language(chat: WeChatChat) -> None:
    assert (await chat.send(ALICE, "设置")).text == ZH("wechat.error.not_registered")
    assert (await chat.send(ALICE, "English")).text == EN("language.set")
    assert (await chat.send(ALICE, "时长")).text == EN("wechat.error.not_registered")


async def test_forged_settings_options_change_nothing(chat: WeChatChat) -> None:
    user_id = await registered(chat, ALICE)
    for forged in ("set_reminders:maybe", "set_anonymous", "set_language:fr", "set_language"):
        assert (await chat.choose(ALICE, forged)).text == ZH("wechat.expired"), forged
    assert not await chat.services.reminders.muted(user_id)
    assert not await chat.services.records.anonymous(user_id)
    assert await chat.services.accounts.language_of(user_id) == "zh"


# ---------------------------------------------------------------- forgetting me


async def test_forget_me_asks_first_and_keeps_everything_when_told_to(chat: WeChatChat) -> None:
    user_id = await registered(chat, ALICE, NAME, PHONE)
    asked = await chat.send(ALICE, "删除我的信息")
    assert asked.text == ZH("forget.confirm")
    assert asked.labels == [f"1. {ZH('button.forget_yes')}", f"2. {ZH('button.forget_no')}"]
    assert (await chat.send(ALICE, "2")).text == ZH("forget.kept")
    assert await chat.services.registration.volunteer(user_id) is not None
    # Too late: the confirmation is over, the old option does nothing.
    assert (await chat.choose(ALICE, "forget_yes")).text == ZH("wechat.expired")
    assert await chat.services.registration.volunteer(user_id) is not None


async def test_forget_me_erases_as_telegram_does_and_the_person_starts_afresh(
    chat: WeChatChat,
) -> None:
    user_id = await registered(chat, ALICE, NAME, PHONE)
    await chat.send(ALICE, "帮助")
    await credited(chat, user_id, 90)
    await outbox_settled(chat)
    asked = await chat.click(ALICE, "forget")
    done = await chat.pick(ALICE, asked, 1)
    assert done.text == ZH("wechat.forget.done")
    assert await chat.services.registration.volunteer(user_id) is None
    assert await _scan_database(chat.bot.db) == []  # nothing names them, as after /forget_me
    assert (await chat.send(ALICE, "时长")).text == ZH("wechat.error.not_registered")
    assert await chat.user_id(ALICE) != user_id  # a new person to the bot now


async def test_someone_not_registered_has_only_their_unfinished_typing_to_lose(
    chat: WeChatChat,
) -> None:
    assert (await chat.send(ALICE, "删除我的信息")).text == ZH("wechat.error.not_registered")
    await chat.send(ALICE, "注册")
    await chat.send(ALICE, "张三")  # a name typed, registration not finished
    user_id = await chat.user_id(ALICE)
    assert await chat.services.dialogues.current(user_id) is not None
    assert (await chat.click(ALICE, "forget")).text == ZH("wechat.error.not_registered")
    assert await chat.services.dialogues.current(user_id) is None  # the name typed is gone

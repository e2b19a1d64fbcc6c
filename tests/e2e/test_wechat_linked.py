"""One person on Telegram and WeChat, linked by the code /link shows on Telegram: what they do
on one channel is theirs on the other (sign-ups), and the numbers WeChat showed them do not
confuse Telegram."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.clock import ManualClock
from tests.e2e.helpers import ZHANG, enrol, publish
from tests.e2e.wechat_chat import ZH, WeChatChat, wechat_chat
from tests.fake_bot_api import FakeBotApi
from tests.fake_wechat import FakeWeChat

ALICE = "o-alice-0123456789abcdef"


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


async def linked(chat: WeChatChat) -> None:
    await enrol(chat.bot, ZHANG, "张三", "13812345678", ["traffic"])
    shown = await chat.bot.say(ZHANG, "/link")
    code = next(word for word in shown.text.replace("：", " ").split() if word.isdigit())
    await chat.send(ALICE, "绑定")
    await chat.send(ALICE, code)


async def test_a_sign_up_on_wechat_is_the_telegram_persons(chat: WeChatChat) -> None:
    activity = await publish(chat.bot, "路口引导", capacity=3)
    await linked(chat)
    await chat.choose(ALICE, f"signup:{activity.id}")
    mine = await chat.bot.say(ZHANG, "/my")
    assert "路口引导" in mine.text  # Telegram's /my shows what was done on WeChat
    on_wechat = await chat.click(ALICE, "my")
    assert on_wechat.labels == [f"1. {ZH('button.cancel_signup')}：路口引导"]


async def test_numbers_shown_on_wechat_leave_telegram_as_it_was(chat: WeChatChat) -> None:
    await publish(chat.bot, "路口引导", capacity=3)
    await linked(chat)
    await chat.click(ALICE, "activities")  # WeChat remembers the numbers it showed
    answer = await chat.bot.say(ZHANG, "hello")
    assert answer.text == ZH("fallback.unknown")
    assert (await chat.send(ALICE, "1")).text.startswith("路口引导\n")  # still remembered

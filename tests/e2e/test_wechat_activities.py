"""Activities on WeChat through the real endpoint: the list and its pages, a card, signing up
(confirmed, then waitlisted), cancelling from the card and from "my sign-ups", a guest walked
through registration back to the card, and forged options refused with nothing changed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.domain.models import Activity
from bot.domain.roster import Placement
from tests.e2e.helpers import ZHANG, enrol, publish, says
from tests.e2e.wechat_chat import ZH, WeChatChat, wechat_chat
from tests.fake_bot_api import FakeBotApi
from tests.fake_wechat import FakeWeChat

ALICE = "o-alice-0123456789abcdef"
BOB = "o-bob-00123456789abcdef"


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


async def registered(chat: WeChatChat, openid: str, name: str, phone: str) -> int:
    user_id = await chat.user_id(openid)
    await chat.services.registration.register(user_id, name, phone, ["traffic"], consent=True)
    return user_id


async def placement(chat: WeChatChat, user_id: int, activity: Activity) -> Placement | None:
    _, status = await chat.services.activities.view(activity.id, user_id)
    return status


async def test_the_list_pages_and_opens_a_card(chat: WeChatChat) -> None:
    published = [await publish(chat.bot, f"活动{n}", days=1 + n) for n in range(7)]
    first = await chat.click(ALICE, "activities")
    assert says(first.text.split("\n")[0], "activities.header", page=1, pages=2)
    assert first.labels == [f"{n}. 活动{n - 1}" for n in range(1, 6)] + [f"6. {ZH('button.next')}"]
    second = await chat.send(ALICE, "6")
    assert says(second.text.split("\n")[0], "activities.header", page=2, pages=2)
    assert second.labels == ["1. 活动5", "2. 活动6", f"3. {ZH('button.previous')}"]
    card = await chat.send(ALICE, "2")
    assert card.text.startswith("活动6\n")
    assert card.options == [
        (f"signup:{published[6].id}", f"1. {ZH('button.sign_up')}"),
        ("activities", f"2. {ZH('wechat.button.back_to_list')}"),
    ]


async def test_signing_up_confirms_then_waitlists_and_cancelling_promotes(
    chat: WeChatChat,
) -> None:
    activity = await publish(chat.bot, "路口引导", capacity=1)
    alice = await registered(chat, ALICE, "张三", "13812345678")
    bob = await registered(chat, BOB, "李四", "13912345678")
    await chat.click(ALICE, "activities")
    await chat.send(ALICE, "1")
    confirmed = await chat.send(ALICE, "1")
    assert confirmed.text.startswith(ZH("signup.confirmed", title="路口引导"))
    assert ZH("activity.status.confirmed") in confirmed.text
    assert confirmed.labels[0] == f"1. {ZH('button.cancel_signup')}"
    assert await placement(chat, alice, activity) is Placement.CONFIRMED
    waitlisted = await chat.choose(BOB, f"signup:{activity.id}", ZH("button.sign_up"))
    assert waitlisted.text.startswith(ZH("signup.waitlisted", position=1))
    assert waitlisted.labels[0] == f"1. {ZH('button.leave_waitlist')}"
    cancelled = await chat.send(ALICE, "1")
    assert cancelled.text.startswith(ZH("signup.cancelled"))
    assert await placement(chat, alice, activity) is None
    assert await placement(chat, bob, activity) is Placement.CONFIRMED  # promoted


async def test_my_sign_ups_list_and_cancel(chat: WeChatChat) -> None:
    sure = await publish(chat.bot, "路口引导", capacity=5, days=2)
    full = await publish(chat.bot, "献血宣传", capacity=1, days=3)
    alice = await registered(chat, ALICE, "张三", "13812345678")
    await enrol(chat.bot, ZHANG, "王五", "13712345678", ["traffic"])
    await chat.services.signups.sign_up(ZHANG.id, full.id)
    await chat.services.signups.sign_up(alice, sure.id)
    await chat.services.signups.sign_up(alice, full.id)
    mine = await chat.click(ALICE, "my")
    assert mine.text.split("\n")[0] == ZH("my.header")
    assert mine.labels == [
        f"1. {ZH('button.cancel_signup')}：路口引导",
        f"2. {ZH('button.leave_waitlist')}：献血宣传",
    ]
    left = await chat.send(ALICE, "2")
    assert left.text.startswith(ZH("signup.left_waitlist"))
    assert await placement(chat, alice, full) is None
    assert await placement(chat, alice, sure) is Placement.CONFIRMED
    nobody = await chat.click(BOB, "my")
    assert nobody.text == ZH("wechat.error.not_registered")


async def test_a_guest_who_signs_up_registers_and_comes_back_to_the_card(
    chat: WeChatChat,
) -> None:
    activity = await publish(chat.bot, "路口引导", capacity=3)
    card = await chat.choose(ALICE, f"act:{activity.id}", "路口引导")
    asked = await chat.pick(ALICE, card, 1)
    assert asked.text == ZH("wechat.register.ask_name")
    await chat.send(ALICE, "张三")
    await chat.send(ALICE, "13812345678")
    await chat.send(ALICE, "1")
    await chat.send(ALICE, "4")
    done = await chat.send(ALICE, "1")
    assert says(done.texts[0].split("\n\n路口引导")[0], "wechat.register.done")
    assert "\n\n路口引导\n" in done.text  # the card again, to sign up from
    assert done.labels[0] == f"1. {ZH('button.sign_up')}"
    signed = await chat.send(ALICE, "1")
    assert signed.text.startswith(ZH("signup.confirmed", title="路口引导"))


async def test_forged_options_change_nothing(chat: WeChatChat) -> None:
    activity = await publish(chat.bot, "路口引导", capacity=3)
    alice = await registered(chat, ALICE, "张三", "13812345678")
    refused = await chat.choose(ALICE, "signup:999999")
    assert refused.text == ZH("error.unknown_activity")
    for forged in ("signup:abc", "withdraw:-1", "act:1e9", f"signup:{activity.id}:x"):
        assert (await chat.choose(ALICE, forged)).text == ZH("wechat.expired")
    refused = await chat.choose(ALICE, f"withdraw:{activity.id}")
    assert refused.text == ZH("error.not_signed_up")
    assert await placement(chat, alice, activity) is None

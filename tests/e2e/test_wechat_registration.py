"""Registering on WeChat through the real endpoint: follow, name, typed phone, teams by
number or msgmenu, consent; bad input refused with nothing stored; and linking a Telegram
registration by the code /link shows there."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.domain.channels import is_wechat_user
from tests.conftest import TEAMS
from tests.e2e.helpers import ZHANG, enrol, says
from tests.e2e.wechat_chat import ZH, WeChatChat, wechat_chat
from tests.fake_bot_api import FakeBotApi
from tests.fake_wechat import FakeWeChat

ALICE = "o-alice-0123456789abcdef"
BAD_NAMES = ["x", "x" * 5000, "张3", "张三😀", "'; DROP TABLE volunteers; --", "张\t三\u200b"]
BAD_PHONES = ["12345", "1" * 5000, "138-1234-567😀", "' OR 1=1 --", "+1 212 555 0100"]


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


async def volunteers(chat: WeChatChat) -> int:
    return await chat.bot.count("volunteers")


async def walk_to_teams(chat: WeChatChat, openid: str) -> None:
    await chat.click(openid, "register")
    await chat.send(openid, "张三")
    await chat.send(openid, "13812345678")


async def test_following_greets_a_guest_with_what_they_can_do(chat: WeChatChat) -> None:
    seen = await chat.wechat.push(chat.url, chat.wechat.event(ALICE, "subscribe"))
    assert seen.success
    [menu] = [s.payload["msgmenu"] for s in chat.wechat.to(ALICE)]
    assert menu["head_content"] == ZH("start.guest", org=chat.bot.config.org.name)
    assert [o["id"] for o in menu["list"]][:3] == ["register", "link", "activities"]


async def test_a_person_registers_by_typing_and_picking_numbers(chat: WeChatChat) -> None:
    assert (await chat.click(ALICE, "register")).text == ZH("wechat.register.ask_name")
    assert (await chat.send(ALICE, "张三")).text == ZH("wechat.register.ask_phone")
    teams = await chat.send(ALICE, "13812345678")
    assert teams.text.startswith(ZH("register.phone_saved", phone="+8613812345678"))
    assert teams.labels == [f"{n}. ⬜ {team.name_zh}" for n, team in enumerate(TEAMS, 1)] + [
        f"4. {ZH('button.done')}"
    ]
    refused = await chat.send(ALICE, "4")  # done, with no team chosen
    assert refused.text.startswith(ZH("error.no_team_chosen"))
    chosen = await chat.send(ALICE, "1")
    assert chosen.labels[0] == f"1. ✅ {TEAMS[0].name_zh}"
    assert ZH("wechat.register.chosen", teams=TEAMS[0].name_zh) in chosen.text
    both = await chat.pick(ALICE, chosen, 2)  # the msgmenu option, pressed
    assert both.labels[1] == f"2. ✅ {TEAMS[1].name_zh}"
    consent = await chat.send(ALICE, "4")
    assert consent.text == ZH("wechat.register.consent", org=chat.bot.config.org.name)
    assert consent.labels == [f"1. {ZH('button.agree')}", f"2. {ZH('button.disagree')}"]
    done = await chat.send(ALICE, "1")
    user_id = await chat.user_id(ALICE)
    volunteer = await chat.services.registration.volunteer(user_id)
    assert volunteer is not None and is_wechat_user(user_id)
    assert (volunteer.name, volunteer.phone) == ("张三", "+8613812345678")
    assert set(volunteer.team_keys) == {"traffic", "blood"}
    assert not volunteer.phone_verified  # typed, not shared
    assert says(done.text, "wechat.register.done")
    assert "张三" in done.text and "+8613812345678" in done.text
    again = await chat.click(ALICE, "register")
    assert says(again.text, "wechat.register.already")


async def test_bad_names_and_phones_are_refused_and_nothing_is_stored(chat: WeChatChat) -> None:
    await chat.click(ALICE, "register")
    for name in BAD_NAMES:
        assert (await chat.send(ALICE, name)).text == ZH("error.invalid_name")
    await chat.send(ALICE, "张三")
    for phone in BAD_PHONES:
        assert (await chat.send(ALICE, phone)).text == ZH("wechat.error.invalid_phone")
    assert await volunteers(chat) == 0
    dialogue = await chat.services.dialogues.current(await chat.user_id(ALICE))
    assert dialogue is not None and dialogue.step == "phone"


async def test_declining_or_cancelling_stores_nothing(chat: WeChatChat) -> None:
    await walk_to_teams(chat, ALICE)
    await chat.send(ALICE, "1")
    await chat.send(ALICE, "4")
    assert (await chat.send(ALICE, "2")).text == ZH("wechat.register.declined")
    await walk_to_teams(chat, ALICE)
    assert (await chat.send(ALICE, "取消")).text == ZH("cancel.done")
    assert await volunteers(chat) == 0
    assert await chat.services.dialogues.current(await chat.user_id(ALICE)) is None


async def test_a_stale_or_forged_consent_registers_no_one(chat: WeChatChat) -> None:
    assert (await chat.choose(ALICE, "consent:yes")).text == ZH("wechat.expired")
    await walk_to_teams(chat, ALICE)
    assert (await chat.choose(ALICE, "consent:yes")).text == ZH("wechat.expired")
    assert (await chat.choose(ALICE, "team:nosuchteam")).text == ZH("wechat.expired")
    assert await volunteers(chat) == 0


async def test_a_number_someone_registered_on_telegram_points_to_linking(
    chat: WeChatChat,
) -> None:
    await enrol(chat.bot, ZHANG, "张三", "13812345678", ["traffic"])
    await chat.click(ALICE, "register")
    await chat.send(ALICE, "张三")
    refused = await chat.send(ALICE, "13812345678")
    assert refused.text == ZH("wechat.error.phone_must_be_shared")
    assert await volunteers(chat) == 1


async def test_a_telegram_registration_is_linked_by_the_code_shown_there(
    chat: WeChatChat,
) -> None:
    await enrol(chat.bot, ZHANG, "张三", "13812345678", ["traffic"])
    shown = await chat.bot.say(ZHANG, "/link")
    code = next(word for word in shown.text.replace("：", " ").split() if word.isdigit())
    assert (await chat.send(ALICE, "绑定")).text == ZH("wechat.link.ask_code")
    wrong = await chat.send(ALICE, "000000" if code != "000000" else "111111")
    assert wrong.text == ZH("error.link_code_wrong")
    linked = await chat.send(ALICE, code)
    assert says(linked.text, "wechat.link.done") and "张三" in linked.text
    assert await chat.user_id(ALICE) == ZHANG.id  # one person on both channels
    assert await volunteers(chat) == 1


async def test_someone_registered_on_wechat_cannot_link_over_it(chat: WeChatChat) -> None:
    user_id = await chat.user_id(ALICE)
    await chat.services.registration.register(
        user_id, "李四", "13912345678", ["blood"], consent=True
    )
    assert (await chat.click(ALICE, "link")).text == ZH("error.link_registered_here")
    assert await chat.services.dialogues.current(user_id) is None

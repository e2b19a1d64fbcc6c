"""The WeChat conversation's framework through the real endpoint, on a router of the test's
own: choices as msgmenu options remembered as numbers, numbered text when WeChat refuses the
msgmenu, a dialogue step's own options, typed words, menu clicks that leave a dialogue, forged
option ids, long answers split, and the phone's position remembered without an answer."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.domain.dialogues import ChoicesData, Dialogue, LinkData
from tests.e2e.wechat_chat import ZH, WeChatChat, wechat_chat
from tests.fake_bot_api import FakeBotApi
from tests.fake_wechat import FakeWeChat
from wechat_adapter.conversation.actions import Action
from wechat_adapter.conversation.router import Router
from wechat_adapter.conversation.screens import Choice, Screen
from wechat_adapter.conversation.turn import Turn
from wechat_adapter.messages import MAX_TEXT_BYTES

ALICE = "o-alice-0123456789abcdef"
FRUITS = ("apple", "pear", "plum")


def fruit_router() -> Router:
    router = Router()

    @router.action("fruits", "水果")
    async def fruits(turn: Turn, action: Action) -> Screen:
        return Screen("Which fruit?", tuple(Choice(name, Action("eat", name)) for name in FRUITS))

    @router.action("eat")
    async def eat(turn: Turn, action: Action) -> Screen:
        return Screen(f"eaten: {action.arg}")

    @router.action("ask")
    async def ask(turn: Turn, action: Action) -> Screen:
        await turn.services.dialogues.begin(turn.user_id, LinkData(), "code")
        return Screen("Your code, or a number:", tuple(await code_options(turn, None)))

    @router.options(LinkData, "code")
    async def code_options(turn: Turn, dialogue: Dialogue[LinkData] | None) -> Sequence[Choice]:
        return [Choice("skip", Action("eat", "skipped"))]

    @router.step(LinkData, "code")
    async def typed_code(turn: Turn, dialogue: Dialogue[LinkData]) -> Screen:
        await turn.services.dialogues.end(turn.user_id)
        return Screen(f"code: {turn.message.text}")

    @router.action("long")
    async def long(turn: Turn, action: Action) -> Screen:
        return Screen("\n".join(f"第{n}行：" + "长" * 90 for n in range(60)))

    return router


@pytest.fixture
async def wechat(clock: ManualClock) -> AsyncIterator[FakeWeChat]:
    async with FakeWeChat(clock) as fake:
        yield fake


@pytest.fixture
async def chat(
    tmp_path: Path, api: FakeBotApi, wechat: FakeWeChat, clock: ManualClock
) -> AsyncIterator[WeChatChat]:
    async with wechat_chat(tmp_path, api, wechat, clock, router=fruit_router()) as running:
        yield running


async def test_choices_go_as_a_numbered_msgmenu_and_a_typed_number_picks_one(
    chat: WeChatChat,
) -> None:
    seen = await chat.send(ALICE, "水果")
    assert seen.push.success  # the msgmenu went as a customer-service message
    assert seen.menu is not None and seen.menu["head_content"] == "Which fruit?"
    assert seen.options == [
        ("eat:apple", "1. apple"),
        ("eat:pear", "2. pear"),
        ("eat:plum", "3. plum"),
    ]
    assert seen.menu["tail_content"] == ZH("wechat.choose_hint")
    assert (await chat.send(ALICE, "2")).text == "eaten: pear"
    assert (await chat.send(ALICE, "２")).text == "eaten: pear"  # full-width digits too
    assert (await chat.pick(ALICE, seen, 3)).text == "eaten: plum"


async def test_a_number_out_of_range_says_which_numbers_there_are(chat: WeChatChat) -> None:
    await chat.send(ALICE, "fruits")
    for typed in ("0", "4", "99"):
        assert (await chat.send(ALICE, typed)).text == ZH("wechat.no_such_number", count=3)


async def test_a_refused_msgmenu_goes_as_numbered_text_and_the_numbers_still_work(
    chat: WeChatChat, wechat: FakeWeChat
) -> None:
    wechat.inject("custom", 45047)  # WeChat refuses the msgmenu
    seen = await chat.send(ALICE, "水果")
    assert seen.push.reply is not None
    assert seen.text == "\n".join(
        ["Which fruit?", "", "1. apple", "2. pear", "3. plum", ZH("wechat.type_number")]
    )
    assert (await chat.send(ALICE, "1")).text == "eaten: apple"


async def test_a_forged_or_stale_option_changes_nothing(chat: WeChatChat) -> None:
    for forged in ("nonsense", "drop:tables", "eat:';--", "x" * 300, ""):
        seen = await chat.choose(ALICE, forged or " ", "label")
        assert seen.text in (ZH("wechat.expired"), ZH("wechat.fallback.unknown"))
    user_id = await chat.user_id(ALICE)
    assert await chat.services.dialogues.current(user_id) is None


async def test_a_step_takes_typed_text_and_numbers_pick_its_own_options(chat: WeChatChat) -> None:
    seen = await chat.click(ALICE, "ask")
    assert seen.labels == ["1. skip"]
    user_id = await chat.user_id(ALICE)
    dialogue = await chat.services.dialogues.current(user_id)
    assert dialogue is not None and dialogue.flow == "link"  # not replaced by the choices
    assert (await chat.send(ALICE, "1")).text == "eaten: skipped"
    await chat.click(ALICE, "ask")
    assert (await chat.send(ALICE, "水果")).text == "code: 水果"  # a step's answer, not a word


async def test_cancel_leaves_a_step_and_a_menu_click_leaves_it_too(chat: WeChatChat) -> None:
    await chat.click(ALICE, "ask")
    assert (await chat.send(ALICE, "取消")).text == ZH("cancel.done")
    assert (await chat.send(ALICE, "取消")).text == ZH("cancel.nothing")
    await chat.click(ALICE, "ask")
    seen = await chat.click(ALICE, "fruits")
    assert seen.labels[0] == "1. apple"
    user_id = await chat.user_id(ALICE)
    dialogue = await chat.services.dialogues.current(user_id)
    assert dialogue is not None and isinstance(dialogue.data, ChoicesData)
    assert dialogue.data.options == ["eat:apple", "eat:pear", "eat:plum"]
    await chat.click(ALICE, "ask")
    assert (await chat.send(ALICE, "/fruits")).labels[0] == "1. apple"  # a command, not a code


async def test_words_nobody_handles_and_media_get_the_fallback(chat: WeChatChat) -> None:
    assert (await chat.send(ALICE, "what?")).text == ZH("wechat.fallback.unknown")
    assert (await chat.send(ALICE, "1")).text == ZH("wechat.fallback.unknown")  # nothing shown
    assert (await chat.location(ALICE, 22.5, 112.9)).text == ZH("wechat.fallback.unknown")


async def test_a_long_answer_is_split_into_pieces_wechat_takes(chat: WeChatChat) -> None:
    seen = await chat.click(ALICE, "long")
    assert len(seen.texts) > 1
    assert all(len(piece.encode()) <= MAX_TEXT_BYTES for piece in seen.texts)
    assert "\n".join(seen.texts) == "\n".join(f"第{n}行：" + "长" * 90 for n in range(60))


async def test_the_phones_position_is_remembered_unanswered_and_opens_no_window(
    chat: WeChatChat,
) -> None:
    seen = await chat.report_position(ALICE, 22.56, 112.97)
    assert seen.push.success and seen.sent == []
    async with chat.bot.db.reader.execute(
        "SELECT COUNT(*) FROM identities WHERE address = ?", (ALICE,)
    ) as cursor:
        row = await cursor.fetchone()
    assert row is not None and row[0] == 0  # no one is made up from an event they did not send

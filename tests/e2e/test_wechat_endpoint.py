"""The WeChat endpoint end to end: the fake WeChat signs and encrypts pushes, the endpoint
answers within WeChat's window, and bad pushes are refused without reaching the handler."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest

from bot.clock import ManualClock
from tests.e2e.wechat_harness import Conversation, running_channel
from tests.fake_wechat import (
    AES_KEY,
    APP_SECRET,
    TOKEN,
    Cryptor,
    FakeWeChat,
    Tamper,
    sign,
    xml_of,
)
from wechat_adapter.channel import WeChatChannel
from wechat_adapter.messages import ImageReply, MenuOption, MenuReply

ALICE, BOB = "o-alice-0123456789abcdef", "o-bob-0123456789abcdef0"


@pytest.fixture
async def wechat(clock: ManualClock) -> AsyncIterator[FakeWeChat]:
    async with FakeWeChat(clock) as fake:
        yield fake


@pytest.fixture
def conversation() -> Conversation:
    return Conversation()


@pytest.fixture
async def endpoint(
    wechat: FakeWeChat, clock: ManualClock, conversation: Conversation
) -> AsyncIterator[tuple[WeChatChannel, str]]:
    async with running_channel(wechat, clock, conversation) as running:
        yield running


@pytest.fixture
def url(endpoint: tuple[WeChatChannel, str]) -> str:
    return endpoint[1]


@pytest.fixture
def channel(endpoint: tuple[WeChatChannel, str]) -> WeChatChannel:
    return endpoint[0]


def assert_no_secrets(text: str, wechat: FakeWeChat) -> None:
    for secret in (TOKEN, AES_KEY, APP_SECRET, *wechat.issued):
        assert secret not in text


async def test_the_server_url_check_echoes_echostr_when_signed(
    wechat: FakeWeChat, url: str
) -> None:
    answer = await wechat.verify_url(url, "echo-4242")
    assert (answer.status, answer.body) == (200, "echo-4242")


async def test_a_server_url_check_with_a_bad_signature_is_refused(
    wechat: FakeWeChat, url: str
) -> None:
    answer = await wechat.verify_url(url, "echo-4242", signature="0" * 40)
    assert answer.status == 403 and "echo-4242" not in answer.body


async def test_a_text_comes_back_as_an_encrypted_passive_reply(
    wechat: FakeWeChat, url: str, conversation: Conversation
) -> None:
    answer = await wechat.push(url, wechat.text(ALICE, "你好"))
    assert answer.reply is not None
    assert answer.reply["MsgType"] == "text"
    assert answer.reply["Content"] == "echo: 你好"
    assert answer.reply["ToUserName"] == ALICE
    assert answer.reply["FromUserName"] == conversation.seen[0].account
    [message] = conversation.seen
    assert (message.openid, message.kind, message.text) == (ALICE, "text", "你好")
    assert message.msg_id is not None
    assert wechat.sent == []  # nothing went by the API


async def test_text_that_closes_a_cdata_section_survives_the_passive_reply(
    wechat: FakeWeChat, url: str
) -> None:
    answer = await wechat.push(url, wechat.text(ALICE, "a]]>b<c>&d"))
    assert answer.reply is not None and answer.reply["Content"] == "echo: a]]>b<c>&d"


async def test_an_image_answer_goes_back_as_a_passive_image(
    wechat: FakeWeChat, url: str, conversation: Conversation
) -> None:
    conversation.answer = lambda m: ImageReply("MEDIA-7")
    answer = await wechat.push(url, wechat.text(ALICE, "certificate"))
    assert answer.reply is not None
    assert answer.reply["MsgType"] == "image"
    assert answer.reply["Image/MediaId"] == "MEDIA-7"


async def test_a_slow_answer_is_success_then_a_customer_service_message(
    wechat: FakeWeChat, clock: ManualClock, conversation: Conversation
) -> None:
    conversation.hold = lambda m: True
    async with running_channel(wechat, clock, conversation, reply_budget_seconds=0.05) as (
        channel,
        url,
    ):
        answer = await wechat.push(url, wechat.text(ALICE, "slow"))
        assert answer.success
        assert conversation.finished == [] and wechat.sent == []
        conversation.release.set()
        await channel.settled()
    [sent] = wechat.sent
    assert (sent.api, sent.openid, sent.text) == ("custom", ALICE, "echo: slow")


async def test_choices_go_as_a_customer_service_menu_at_once(
    wechat: FakeWeChat, url: str, channel: WeChatChannel, conversation: Conversation
) -> None:
    choices = MenuReply(
        "想做什么？", (MenuOption("a1", "报名"), MenuOption("a2", "取消")), "回复数字"
    )
    conversation.answer = lambda m: choices
    answer = await wechat.push(url, wechat.text(ALICE, "菜单"))
    await channel.settled()
    assert answer.success
    [sent] = wechat.sent
    assert sent.payload["msgtype"] == "msgmenu"
    assert sent.payload["msgmenu"] == {
        "head_content": "想做什么？",
        "list": [{"id": "a1", "content": "报名"}, {"id": "a2", "content": "取消"}],
        "tail_content": "回复数字",
    }


async def test_a_pressed_menu_option_reaches_the_handler_with_its_id(
    wechat: FakeWeChat, url: str, conversation: Conversation
) -> None:
    await wechat.push(url, wechat.text(ALICE, "报名", menu_choice="a1"))
    assert conversation.seen[0].menu_choice == "a1"


async def test_no_answer_is_an_empty_success(
    wechat: FakeWeChat, url: str, conversation: Conversation
) -> None:
    conversation.answer = lambda m: None
    answer = await wechat.push(url, wechat.event(ALICE, "subscribe"))
    assert answer.success
    assert [(m.kind, m.event) for m in conversation.seen] == [("event", "subscribe")]


async def test_a_location_and_a_menu_click_reach_the_handler_parsed(
    wechat: FakeWeChat, url: str, conversation: Conversation
) -> None:
    conversation.answer = lambda m: None
    await wechat.push(url, wechat.location(ALICE, 22.765, 112.96, "鹤山市沙坪街道"))
    await wechat.push(url, wechat.event(ALICE, "CLICK", "activities"))
    place, click = conversation.seen
    assert (place.latitude, place.longitude, place.label) == (22.765, 112.96, "鹤山市沙坪街道")
    assert (click.event, click.event_key) == ("click", "activities")


async def test_a_failing_handler_is_logged_and_answered_success(
    wechat: FakeWeChat, url: str, conversation: Conversation, caplog: pytest.LogCaptureFixture
) -> None:
    conversation.failure = RuntimeError("boom")
    with caplog.at_level(logging.ERROR):
        answer = await wechat.push(url, wechat.text(ALICE, "hi"))
    assert answer.success
    assert "handler failed" in caplog.text


async def test_one_persons_messages_are_handled_in_order_others_meanwhile(
    wechat: FakeWeChat, clock: ManualClock, conversation: Conversation
) -> None:
    conversation.hold = lambda m: m.text == "first"
    async with running_channel(wechat, clock, conversation, reply_budget_seconds=0.05) as (
        channel,
        url,
    ):
        assert (await wechat.push(url, wechat.text(ALICE, "first"))).success
        assert (await wechat.push(url, wechat.text(ALICE, "second"))).success
        bobs = await wechat.push(url, wechat.text(BOB, "meanwhile"))
        assert bobs.reply is not None and bobs.reply["Content"] == "echo: meanwhile"
        assert [m.text for m in conversation.seen] == ["first", "meanwhile"]
        conversation.release.set()
        await channel.settled()
    assert [m.text for m in conversation.finished] == ["meanwhile", "first", "second"]
    assert [s.text for s in wechat.to(ALICE)] == ["echo: first", "echo: second"]


# -- refused without effect ----------------------------------------------------------------


async def test_a_forged_signature_is_refused_and_logged_without_secrets(
    wechat: FakeWeChat, url: str, conversation: Conversation, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        answer = await wechat.push(url, wechat.text(ALICE, "hi"), Tamper(msg_signature="0" * 40))
    assert answer.status == 403
    assert conversation.seen == []
    assert "refused" in caplog.text
    assert_no_secrets(caplog.text, wechat)


async def test_a_body_swapped_under_a_real_signature_is_refused(
    wechat: FakeWeChat, url: str, conversation: Conversation
) -> None:
    query, _ = wechat.sealed(wechat.text(ALICE, "genuine"))
    _, other = wechat.sealed(wechat.text(ALICE, "forged"))
    answer = await wechat.post(url, query, other)
    assert answer.status == 403 and conversation.seen == []


async def test_a_plaintext_push_is_refused(
    wechat: FakeWeChat, url: str, conversation: Conversation
) -> None:
    query, _ = wechat.sealed(wechat.text(ALICE, "hi"))
    plain_query = {key: query[key] for key in ("signature", "timestamp", "nonce", "openid")}
    plain_body = xml_of(wechat.text(ALICE, "hi")).encode()
    answer = await wechat.post(url, plain_query, plain_body)
    assert answer.status == 403 and conversation.seen == []


async def test_a_message_for_another_account_is_refused(
    wechat: FakeWeChat, url: str, conversation: Conversation
) -> None:
    elsewhere = Cryptor(AES_KEY, "wx9999999999999999").encrypt(xml_of(wechat.text(ALICE, "hi")))
    answer = await wechat.push(url, wechat.text(ALICE, "hi"), Tamper(encrypted=elsewhere))
    assert answer.status == 403 and conversation.seen == []


async def test_a_replayed_push_is_answered_once(
    wechat: FakeWeChat, url: str, conversation: Conversation
) -> None:
    query, body = wechat.sealed(wechat.text(ALICE, "once"))
    first = await wechat.post(url, query, body)
    again = await wechat.post(url, query, body)
    assert first.reply is not None and again.success
    assert [m.text for m in conversation.seen] == ["once"]


async def test_the_same_message_id_signed_afresh_is_not_handled_twice(
    wechat: FakeWeChat, url: str, conversation: Conversation, clock: ManualClock
) -> None:
    message = wechat.text(ALICE, "once")
    await wechat.push(url, message)
    clock.advance(timedelta(seconds=10))  # WeChat's retry, with a new timestamp and nonce
    again = await wechat.push(url, message)
    assert again.success and len(conversation.seen) == 1


async def test_events_are_told_apart_by_sender_and_time(
    wechat: FakeWeChat, url: str, conversation: Conversation, clock: ManualClock
) -> None:
    conversation.answer = lambda m: None
    click = wechat.event(ALICE, "CLICK", "hours")
    await wechat.push(url, click)
    await wechat.push(url, click)
    await wechat.push(url, wechat.event(BOB, "CLICK", "hours"))
    clock.advance(timedelta(seconds=1))
    await wechat.push(url, wechat.event(ALICE, "CLICK", "hours"))
    assert [m.openid for m in conversation.seen] == [ALICE, BOB, ALICE]


async def test_a_push_signed_outside_the_replay_window_is_refused(
    wechat: FakeWeChat, url: str, conversation: Conversation, clock: ManualClock
) -> None:
    stale = int(clock.now().timestamp()) - 301
    answer = await wechat.push(url, wechat.text(ALICE, "old"), Tamper(timestamp=stale))
    assert answer.status == 403 and conversation.seen == []


@pytest.mark.parametrize(
    "body",
    [b"", b"<xml><Encrypt>", b"not xml at all", b"<root><Encrypt>x</Encrypt></root>"],
    ids=["empty", "unclosed", "text", "wrong root"],
)
async def test_a_malformed_body_is_refused(
    wechat: FakeWeChat, url: str, conversation: Conversation, body: bytes
) -> None:
    answer = await wechat.push(url, wechat.text(ALICE, "hi"), Tamper(body=body))
    assert answer.status == 400 and conversation.seen == []


async def test_entities_in_the_body_are_refused(
    wechat: FakeWeChat, url: str, conversation: Conversation
) -> None:
    bomb = (
        b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        b"<xml><Encrypt>&b;</Encrypt></xml>"
    )
    answer = await wechat.push(url, wechat.text(ALICE, "hi"), Tamper(body=bomb))
    assert answer.status == 400 and conversation.seen == []


@pytest.mark.parametrize(
    "encrypted",
    ["AAAA", "not base64 !!", Cryptor(AES_KEY, "x").encrypt("")[:-4] + "AAAA"],
    ids=["short", "not base64", "cut"],
)
async def test_a_signed_ciphertext_that_does_not_decrypt_is_refused(
    wechat: FakeWeChat, url: str, conversation: Conversation, encrypted: str
) -> None:
    answer = await wechat.push(url, wechat.text(ALICE, "hi"), Tamper(encrypted=encrypted))
    assert answer.status in (400, 403) and conversation.seen == []


async def test_a_decrypted_message_missing_its_sender_is_refused(
    wechat: FakeWeChat, url: str, conversation: Conversation
) -> None:
    fields = wechat.text(ALICE, "hi")
    del fields["FromUserName"]
    encrypted = Cryptor(AES_KEY, wechat.config()["app_id"]).encrypt(xml_of(fields))
    answer = await wechat.push(url, wechat.text(ALICE, "hi"), Tamper(encrypted=encrypted))
    assert answer.status == 400 and conversation.seen == []


async def test_a_huge_body_is_refused_unread(
    wechat: FakeWeChat, url: str, conversation: Conversation, caplog: pytest.LogCaptureFixture
) -> None:
    huge = wechat.text(ALICE, "x" * 70_000)
    with caplog.at_level(logging.WARNING):
        answer = await wechat.push(url, huge)
    assert answer.status == 413 and conversation.seen == []
    assert_no_secrets(caplog.text, wechat)


async def test_a_huge_body_without_a_length_is_refused(
    wechat: FakeWeChat, url: str, conversation: Conversation
) -> None:
    query, _ = wechat.sealed(wechat.text(ALICE, "hi"))

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(100):
            yield b"<" * 1024

    async with (
        aiohttp.ClientSession() as session,
        session.post(url, params=query, data=chunks()) as response,
    ):
        assert response.status == 413
    assert conversation.seen == []


async def test_refusals_never_log_a_secret(
    wechat: FakeWeChat, url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        await wechat.push(url, wechat.text(ALICE, "a"), Tamper(msg_signature=sign("x")))
        await wechat.push(url, wechat.text(ALICE, "b"), Tamper(body=b"<xml>"))
        await wechat.push(url, wechat.text(ALICE, "c"), Tamper(timestamp=0))
        await wechat.verify_url(url, "e", signature="1" * 40)
    assert caplog.text.count("refused") == 4
    assert_no_secrets(caplog.text, wechat)

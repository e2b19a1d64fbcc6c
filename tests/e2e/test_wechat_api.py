"""The WeChat API client against the fake WeChat: the shared access token, the messages, and
WeChat's refusals as the outbox's errors."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest

from bot.clock import ManualClock
from bot.config_wechat import WeChatConfig, WeChatMenuButton
from bot.outbox.errors import (
    NoAnswer,
    Rejected,
    RetryLater,
    ServiceDown,
    Transient,
    Unreachable,
)
from tests.e2e.wechat_harness import Conversation, running_channel
from tests.fake_wechat import APP_SECRET, FakeWeChat
from wechat_adapter.api import WeChatApi
from wechat_adapter.errors import OutsideWindow, QuotaReached

ALICE, BOB = "o-alice-0123456789abcdef", "o-bob-0123456789abcdef0"


class Monotonic:
    def __init__(self) -> None:
        self.value = 1000.0

    def __call__(self) -> float:
        return self.value


@pytest.fixture
def monotonic() -> Monotonic:
    return Monotonic()


@pytest.fixture
async def wechat(clock: ManualClock) -> AsyncIterator[FakeWeChat]:
    async with FakeWeChat(clock) as fake:
        yield fake


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as opened:
        yield opened


def make_api(
    session: aiohttp.ClientSession,
    wechat: FakeWeChat,
    clock: ManualClock,
    monotonic: Monotonic,
    **settings: object,
) -> WeChatApi:
    return WeChatApi(session, WeChatConfig(**wechat.config(**settings)), clock, monotonic)


@pytest.fixture
def api(
    session: aiohttp.ClientSession, wechat: FakeWeChat, clock: ManualClock, monotonic: Monotonic
) -> WeChatApi:
    return make_api(session, wechat, clock, monotonic)


async def wrote(wechat: FakeWeChat, *openids: str) -> None:
    """The people wrote to the account (opening their 48-hour windows)."""
    async with running_channel(wechat, wechat.clock, Conversation()) as (_, url):
        for openid in openids:
            await wechat.push(url, wechat.text(openid, "hi"))


# -- the access token ------------------------------------------------------------------------


async def test_one_token_serves_every_call(api: WeChatApi, wechat: FakeWeChat) -> None:
    await wrote(wechat, ALICE, BOB)
    await api.send_text(ALICE, "one")
    await api.send_text(BOB, "two")
    assert len(wechat.issued) == 1
    assert [sent.text for sent in wechat.sent] == ["one", "two"]


async def test_concurrent_senders_share_one_fetch(api: WeChatApi, wechat: FakeWeChat) -> None:
    await wrote(wechat, ALICE)
    await asyncio.gather(*(api.send_text(ALICE, f"n{n}") for n in range(15)))
    assert len(wechat.issued) == 1 and len(wechat.sent) == 15


async def test_the_token_is_renewed_before_it_expires(
    api: WeChatApi, wechat: FakeWeChat, clock: ManualClock, monotonic: Monotonic
) -> None:
    await wrote(wechat, ALICE)
    await api.send_text(ALICE, "first")
    # 6,901 s of its 7,200: within the last five minutes, so replaced before WeChat refuses it.
    monotonic.value += 6901
    clock.advance(timedelta(seconds=6901))
    await wrote(wechat, ALICE)
    await api.send_text(ALICE, "second")
    assert len(wechat.issued) == 2
    assert wechat.calls.count("custom") == 2  # no call refused for an expired token


async def test_a_token_wechat_no_longer_takes_is_renewed_once_and_the_call_retried(
    api: WeChatApi, wechat: FakeWeChat
) -> None:
    await wrote(wechat, ALICE)
    await api.send_text(ALICE, "first")
    wechat.revoke_tokens()  # another client fetched a token: 40001 for ours
    await api.send_text(ALICE, "second")
    assert len(wechat.issued) == 2
    assert [sent.text for sent in wechat.sent] == ["first", "second"]


async def test_an_expired_token_is_renewed_once_and_the_call_retried(
    api: WeChatApi, wechat: FakeWeChat, clock: ManualClock
) -> None:
    await wrote(wechat, ALICE)
    await api.send_text(ALICE, "first")
    clock.advance(timedelta(hours=3))  # the server expired it (42001); our clock did not move
    await wrote(wechat, ALICE)
    await api.send_text(ALICE, "second")
    assert len(wechat.issued) == 2 and len(wechat.sent) == 2


async def test_a_token_refused_twice_pauses_sending_after_one_renewal(
    api: WeChatApi, wechat: FakeWeChat
) -> None:
    await wrote(wechat, ALICE)
    wechat.inject("custom", 40001, 40001)
    with pytest.raises(ServiceDown):
        await api.send_text(ALICE, "never")
    assert len(wechat.issued) == 2 and wechat.sent == []


async def test_concurrent_refusals_of_one_token_renew_it_once(
    api: WeChatApi, wechat: FakeWeChat
) -> None:
    await wrote(wechat, ALICE)
    await api.send_text(ALICE, "warm")
    wechat.revoke_tokens()
    await asyncio.gather(*(api.send_text(ALICE, f"n{n}") for n in range(10)))
    assert len(wechat.issued) == 2 and len(wechat.sent) == 11


async def test_a_wrong_app_secret_pauses_sending_and_is_never_shown(
    session: aiohttp.ClientSession,
    wechat: FakeWeChat,
    clock: ManualClock,
    monotonic: Monotonic,
    caplog: pytest.LogCaptureFixture,
) -> None:
    api = make_api(session, wechat, clock, monotonic, app_secret="the-wrong-secret-123")
    with caplog.at_level(logging.DEBUG), pytest.raises(ServiceDown) as raised:
        await api.send_text(ALICE, "hi")
    assert "40125" in str(raised.value)
    for shown in (str(raised.value), caplog.text):
        assert "the-wrong-secret-123" not in shown and APP_SECRET not in shown


async def test_no_error_or_log_line_shows_an_access_token(
    api: WeChatApi, wechat: FakeWeChat, caplog: pytest.LogCaptureFixture
) -> None:
    await wrote(wechat, ALICE)
    errors = []
    with caplog.at_level(logging.DEBUG):
        await api.send_text(ALICE, "ok")
        wechat.revoke_tokens()
        for code in (40001, 40001, 45009, 40007, -1):
            wechat.inject("custom", code)
        for _ in range(4):
            try:
                await api.send_text(ALICE, "x")
            except Exception as error:
                errors.append(f"{error!r} {error}")
    assert len(errors) == 4
    for token in wechat.issued:
        assert token not in caplog.text and all(token not in error for error in errors)


# -- WeChat's refusals in the outbox's terms --------------------------------------------------


async def test_someone_silent_for_48_hours_is_outside_the_window(
    api: WeChatApi, wechat: FakeWeChat, clock: ManualClock
) -> None:
    await wrote(wechat, ALICE)
    clock.advance(timedelta(hours=48, minutes=1))
    with pytest.raises(OutsideWindow) as raised:
        await api.send_text(ALICE, "reminder")
    assert isinstance(raised.value, Rejected) and raised.value.errcode == 45015
    assert await api.send_template(ALICE, "TPL-1", {"first": "提醒"}) > 0  # templates still go


async def test_someone_who_never_wrote_is_outside_the_window(
    api: WeChatApi, wechat: FakeWeChat
) -> None:
    with pytest.raises(OutsideWindow):
        await api.send_text(BOB, "hello")


async def test_the_twenty_first_message_since_their_last_is_outside_the_window(
    api: WeChatApi, wechat: FakeWeChat
) -> None:
    await wrote(wechat, ALICE)
    for n in range(20):
        await api.send_text(ALICE, f"n{n}")
    with pytest.raises(OutsideWindow) as raised:
        await api.send_text(ALICE, "one too many")
    assert raised.value.errcode == 45047


async def test_the_daily_quota_waits_for_midnight_in_beijing(
    api: WeChatApi, wechat: FakeWeChat, clock: ManualClock
) -> None:
    clock.advance(clock.now().replace(hour=15, minute=0, second=0) - clock.now())  # 23:00 Beijing
    await wrote(wechat, ALICE)
    wechat.inject("custom", 45009)
    with pytest.raises(QuotaReached) as raised:
        await api.send_text(ALICE, "hi")
    assert isinstance(raised.value, RetryLater)
    assert raised.value.seconds == 3600


async def test_the_per_minute_quota_waits_a_minute(api: WeChatApi, wechat: FakeWeChat) -> None:
    await wrote(wechat, ALICE)
    wechat.inject("custom", 45011)
    with pytest.raises(RetryLater) as raised:
        await api.send_text(ALICE, "hi")
    assert raised.value.seconds == 60


async def test_someone_who_unfollowed_is_unreachable(api: WeChatApi, wechat: FakeWeChat) -> None:
    wechat.unfollow(ALICE)
    with pytest.raises(Unreachable):
        await api.send_template(ALICE, "TPL-1", {"first": "提醒"})


@pytest.mark.parametrize(
    ("errcode", "error"),
    [(-1, Transient), (40007, Rejected), (40003, Unreachable), (40164, ServiceDown)],
)
async def test_other_codes_map_to_the_outbox_errors(
    api: WeChatApi, wechat: FakeWeChat, errcode: int, error: type[Exception]
) -> None:
    await wrote(wechat, ALICE)
    wechat.inject("custom", errcode)
    with pytest.raises(error) as raised:
        await api.send_text(ALICE, "hi")
    assert type(raised.value) is error


async def test_wechat_unreachable_is_transient(
    session: aiohttp.ClientSession, clock: ManualClock, monotonic: Monotonic
) -> None:
    async with FakeWeChat(clock) as gone:
        settings = gone.config()
    api = WeChatApi(session, WeChatConfig(**settings), clock, monotonic)
    with pytest.raises(Transient):
        await api.send_text(ALICE, "hi")


async def test_a_message_whose_answer_never_comes_may_have_been_delivered(
    wechat: FakeWeChat, clock: ManualClock, monotonic: Monotonic
) -> None:
    await wrote(wechat, ALICE)
    timeout = aiohttp.ClientTimeout(total=0.2)
    async with aiohttp.ClientSession(timeout=timeout) as short:
        api = make_api(short, wechat, clock, monotonic)
        await api.tokens.current()
        wechat.hold("custom")
        with pytest.raises(NoAnswer):
            await api.send_text(ALICE, "hi")


# -- messages ---------------------------------------------------------------------------------


async def test_text_goes_as_utf8_json(api: WeChatApi, wechat: FakeWeChat) -> None:
    await wrote(wechat, ALICE)
    await api.send_text(ALICE, "明天 9:00 集合 ✅")
    [sent] = wechat.sent
    assert sent.payload == {
        "touser": ALICE,
        "msgtype": "text",
        "text": {"content": "明天 9:00 集合 ✅"},
    }


async def test_an_uploaded_image_can_be_sent(
    api: WeChatApi, wechat: FakeWeChat, tmp_path: Path
) -> None:
    await wrote(wechat, ALICE)
    picture = tmp_path / "chart.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    media_id = await api.upload_image(picture)
    await api.send_image(ALICE, media_id)
    assert wechat.media[media_id] == picture.read_bytes()
    assert wechat.sent[0].payload["image"] == {"media_id": media_id}


async def test_a_template_message_carries_its_fields_and_link(
    api: WeChatApi, wechat: FakeWeChat
) -> None:
    msgid = await api.send_template(
        BOB, "TPL-remind", {"thing1": "清洁活动", "time2": "2026-12-01 09:00"}, "https://e.org/a"
    )
    [sent] = wechat.sent
    assert msgid > 0 and sent.api == "template"
    assert sent.payload == {
        "touser": BOB,
        "template_id": "TPL-remind",
        "url": "https://e.org/a",
        "data": {"thing1": {"value": "清洁活动"}, "time2": {"value": "2026-12-01 09:00"}},
    }


async def test_the_menu_goes_as_wechat_expects(api: WeChatApi, wechat: FakeWeChat) -> None:
    menu = [
        WeChatMenuButton(
            name="活动",
            sub=[
                WeChatMenuButton(name="近期活动", type="click", key="activities"),
                WeChatMenuButton(name="位置签到", type="location_select", key="checkin"),
            ],
        ),
        WeChatMenuButton(name="官网", type="view", url="https://example.org"),
    ]
    await api.create_menu(menu)
    assert wechat.menus == [
        {
            "button": [
                {
                    "name": "活动",
                    "sub_button": [
                        {"type": "click", "name": "近期活动", "key": "activities"},
                        {"type": "location_select", "name": "位置签到", "key": "checkin"},
                    ],
                },
                {"type": "view", "name": "官网", "url": "https://example.org"},
            ]
        }
    ]


async def test_the_channel_creates_the_configured_menu_at_start(
    wechat: FakeWeChat, clock: ManualClock
) -> None:
    menu = [{"name": "时长", "type": "click", "key": "hours"}]
    async with running_channel(wechat, clock, Conversation(), menu=menu):
        pass
    assert wechat.menus == [{"button": [{"type": "click", "name": "时长", "key": "hours"}]}]


async def test_a_refused_menu_is_logged_and_the_endpoint_still_starts(
    wechat: FakeWeChat, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    wechat.inject("menu", 40016)
    menu = [{"name": "时长", "type": "click", "key": "hours"}]
    with caplog.at_level(logging.ERROR):
        async with running_channel(wechat, clock, Conversation(), menu=menu) as (_, url):
            answer = await wechat.verify_url(url, "still-up")
    assert answer.body == "still-up"
    assert "menu was not created" in caplog.text and wechat.menus == []

"""The bot starts the WeChat endpoint beside Telegram when `wechat.enabled` and a WeChat
conversation is supplied, and stops it with the bot; without a conversation it stays off."""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.clock import ManualClock
from bot.services import Services
from telegram_adapter.app import build_application, running
from tests.conftest import make_config
from tests.e2e.wechat_harness import Conversation
from tests.fake_bot_api import FakeBotApi
from tests.fake_wechat import FakeWeChat
from wechat_adapter.api import WeChatApi
from wechat_adapter.messages import InboundHandler


@pytest.fixture
async def wechat(clock: ManualClock) -> AsyncIterator[FakeWeChat]:
    async with FakeWeChat(clock) as fake:
        yield fake


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as fake:
        yield fake


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def listening(port: int) -> bool:
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{port}/wechat"),
        ):
            return True
    except aiohttp.ClientConnectorError:
        return False


async def test_the_endpoint_runs_with_the_bot_when_a_conversation_is_supplied(
    tmp_path: Path, api: FakeBotApi, wechat: FakeWeChat, clock: ManualClock
) -> None:
    port = free_port()
    menu = [{"name": "时长", "type": "click", "key": "hours"}]
    config = make_config(
        tmp_path,
        telegram={"token": api.token, "base_url": api.base_url},
        wechat=wechat.config(listen=f"127.0.0.1:{port}", menu=menu),
    )
    built: list[tuple[Services, WeChatApi]] = []

    def conversation(services: Services, wechat_api: WeChatApi) -> InboundHandler:
        built.append((services, wechat_api))
        return Conversation()

    application = build_application(config, clock, wechat_conversation=conversation)
    async with running(application):
        answer = await wechat.verify_url(f"http://127.0.0.1:{port}/wechat", "ready")
        reply = await wechat.push(
            f"http://127.0.0.1:{port}/wechat", wechat.text("o-alice-0123456789", "hi")
        )
    assert answer.body == "ready"
    assert reply.reply is not None and reply.reply["Content"] == "echo: hi"
    [(services, wechat_api)] = built
    assert isinstance(services, Services) and isinstance(wechat_api, WeChatApi)
    assert len(wechat.menus) == 1
    assert not await listening(port)  # stopped with the bot


async def test_without_a_conversation_the_endpoint_stays_off_and_says_so(
    tmp_path: Path,
    api: FakeBotApi,
    wechat: FakeWeChat,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    port = free_port()
    config = make_config(
        tmp_path,
        telegram={"token": api.token, "base_url": api.base_url},
        wechat=wechat.config(listen=f"127.0.0.1:{port}"),
    )
    with caplog.at_level(logging.WARNING):
        async with running(build_application(config, clock)):
            assert not await listening(port)
    assert "WeChat endpoint stays off" in caplog.text
    assert wechat.calls == []  # not even a token was fetched

"""The WeChat channel on the fake WeChat, with a stand-in for the conversation layer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from bot.clock import Clock
from bot.config_wechat import WeChatConfig
from tests.fake_wechat import FakeWeChat
from wechat_adapter.channel import WeChatChannel
from wechat_adapter.messages import InboundMessage, Reply, TextReply


class Conversation:
    """Stands in for the conversation layer: records what it is handed, answers `answer(m)`,
    and, for the messages `hold` picks, waits for `release` before answering."""

    def __init__(self) -> None:
        self.seen: list[InboundMessage] = []
        self.finished: list[InboundMessage] = []
        self.answer: Callable[[InboundMessage], Reply | None] = lambda m: TextReply(
            f"echo: {m.text}"
        )
        self.hold: Callable[[InboundMessage], bool] = lambda m: False
        self.release = asyncio.Event()
        self.failure: Exception | None = None

    async def handle(self, message: InboundMessage) -> Reply | None:
        self.seen.append(message)
        if self.hold(message):
            await self.release.wait()
        self.finished.append(message)
        if self.failure is not None:
            raise self.failure
        return self.answer(message)


@asynccontextmanager
async def running_channel(
    wechat: FakeWeChat, clock: Clock, conversation: Conversation, **settings: Any
) -> AsyncIterator[tuple[WeChatChannel, str]]:
    """The channel listening on a free port; yields it and the endpoint's URL."""
    config = WeChatConfig(**wechat.config(**settings))
    channel = WeChatChannel(config, lambda api: conversation, clock)
    await channel.start()
    try:
        yield channel, f"http://127.0.0.1:{channel.port}{config.path}"
    finally:
        conversation.release.set()
        await channel.stop()

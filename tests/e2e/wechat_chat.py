"""The whole bot (Telegram and WeChat) on the fake Bot API and the fake WeChat, and people
talking to it on WeChat as WeChat would push their messages, for the conversation's tests.

`chat.send(openid, "活动")` pushes a text and returns what the person saw: the passive reply
or the customer-service messages sent while it was handled, with the msgmenu options.
`chat.pick(openid, seen, 2)` presses the second option of a msgmenu they were shown."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.clock import Clock, ManualClock
from bot.services import Services
from telegram_adapter.app import build_application, running
from tests.conftest import make_config
from tests.e2e.helpers import FAST, Harness
from tests.fake_bot_api import FakeBotApi
from tests.fake_wechat import FakeWeChat, Push, Sent
from tests.wording import CATALOGS
from wechat_adapter.conversation import conversation_factory
from wechat_adapter.conversation.router import Router

ZH = CATALOGS.translator("zh")
EN = CATALOGS.translator("en")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Seen:
    """What a person saw in answer to one push: the messages, in order."""

    push: Push
    sent: list[Sent] = field(default_factory=list)

    @property
    def texts(self) -> list[str]:
        shown = []
        for message in self.sent:
            if message.payload.get("msgtype") == "msgmenu":
                shown.append(str(message.payload["msgmenu"]["head_content"]))
            elif message.payload.get("msgtype") == "text":
                shown.append(message.text)
        if self.push.reply is not None and "Content" in self.push.reply:
            shown.append(self.push.reply["Content"])
        return shown

    @property
    def text(self) -> str:
        return "\n".join(self.texts)

    @property
    def menu(self) -> dict[str, Any] | None:
        """The msgmenu shown, if any (the last one)."""
        menus = [m.payload["msgmenu"] for m in self.sent if m.payload.get("msgtype") == "msgmenu"]
        return menus[-1] if menus else None

    @property
    def options(self) -> list[tuple[str, str]]:
        """The msgmenu's options as (id, label)."""
        menu = self.menu
        return [(o["id"], o["content"]) for o in menu["list"]] if menu else []

    @property
    def labels(self) -> list[str]:
        return [label for _, label in self.options]


@dataclass
class WeChatChat:
    wechat: FakeWeChat
    url: str
    bot: Harness

    @property
    def services(self) -> Services:
        return self.bot.services

    async def _seen(self, openid: str, fields: dict[str, Any]) -> Seen:
        since = len(self.wechat.sent)
        push = await self.wechat.push(self.url, fields)
        assert push.status == 200, push.body
        # The answer is complete when the push returns: the endpoint waits for the handler
        # (well within the reply budget here), customer-service messages included.
        return Seen(push, [s for s in self.wechat.sent[since:] if s.openid == openid])

    async def send(self, openid: str, text: str) -> Seen:
        return await self._seen(openid, self.wechat.text(openid, text))

    def _next_second(self) -> None:
        """Events have no message id: WeChat (and the endpoint) tell them apart by sender and
        second, so two clicks of one button are a second apart here as in life."""
        if isinstance(self.wechat.clock, ManualClock):
            self.wechat.clock.advance(timedelta(seconds=1))

    async def click(self, openid: str, key: str) -> Seen:
        """A click on the custom menu's button with this key."""
        self._next_second()
        return await self._seen(openid, self.wechat.event(openid, "CLICK", key))

    async def pick(self, openid: str, seen: Seen, number: int) -> Seen:
        """Press the msgmenu option `number` (from 1) of what they saw: WeChat sends its label
        as text with the option's id."""
        option_id, label = seen.options[number - 1]
        return await self._seen(openid, self.wechat.text(openid, label, menu_choice=option_id))

    async def choose(self, openid: str, option_id: str, label: str = "?") -> Seen:
        """An option id sent as a msgmenu press (also one never offered: clients can forge)."""
        return await self._seen(openid, self.wechat.text(openid, label, menu_choice=option_id))

    async def location(self, openid: str, latitude: float, longitude: float) -> Seen:
        """A location message: a point picked on the map."""
        return await self._seen(openid, self.wechat.location(openid, latitude, longitude))

    async def report_position(self, openid: str, latitude: float, longitude: float) -> Seen:
        """WeChat's LOCATION event: the phone's position, reported when the chat is opened."""
        self._next_second()
        fields = self.wechat.event(openid, "LOCATION")
        fields.update(Latitude=latitude, Longitude=longitude, Precision=30.0)
        return await self._seen(openid, fields)

    async def user_id(self, openid: str) -> int:
        return await self.services.identities.wechat_user(openid, None)


@asynccontextmanager
async def wechat_chat(
    tmp_path: Path,
    api: FakeBotApi,
    wechat: FakeWeChat,
    clock: Clock,
    router: Router | None = None,
    wechat_settings: dict[str, Any] | None = None,
    **overrides: Any,
) -> AsyncIterator[WeChatChat]:
    """The bot with its WeChat endpoint on a free port, talking to both fakes; `wechat_settings`
    add to or change its [wechat] table."""
    port = free_port()
    wechat_settings = wechat.config(listen=f"127.0.0.1:{port}", **(wechat_settings or {}))
    config = make_config(
        tmp_path,
        telegram={"token": api.token, "base_url": api.base_url, "base_file_url": api.base_file_url},
        wechat=wechat_settings,
        **(FAST | overrides),
    )
    application = build_application(
        config, clock, wechat_conversation=conversation_factory(config, router=router)
    )
    async with running(application, poll_timeout=1):
        yield WeChatChat(
            wechat, f"http://127.0.0.1:{port}/wechat", Harness(api, application, config)
        )


__all__ = ["EN", "ZH", "Seen", "WeChatChat", "wechat_chat"]

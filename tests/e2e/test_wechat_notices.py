"""Notices by the person's channel, end to end: the outbox's rows for someone who last wrote on
WeChat reach the fake WeChat as customer-service messages inside the 48-hour window, as the
kind's template outside it, or on Telegram when they have it and there is no template; a token
WeChat stopped taking is renewed and the row sent once; WeChat down holds only WeChat's rows."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.clock import ManualClock
from bot.domain.models import Activity
from bot.services import Services
from telegram_adapter.app import build_application, running
from tests.conftest import ADMIN_ID, make_config
from tests.e2e.helpers import FAST, LUCY, ZHANG, Harness, enrol, publish, says
from tests.fake_bot_api import FakeBotApi
from tests.fake_wechat import FakeWeChat
from wechat_adapter.api import WeChatApi
from wechat_adapter.messages import InboundHandler, InboundMessage, Reply

OPENID = "o-wang-0123456789abcdef"
TEMPLATE = "TPL-reminder-0001"


class Greeter:
    """Stands in for the conversation: knows who writes (as the real one does), answers nothing."""

    def __init__(self, services: Services) -> None:
        self._services = services

    async def handle(self, message: InboundMessage) -> Reply | None:
        await self._services.identities.wechat_user(message.openid, "zh_CN")
        return None


def _greeter(services: Services, api: WeChatApi) -> InboundHandler:
    return Greeter(services)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def wechat(clock: ManualClock) -> AsyncIterator[FakeWeChat]:
    async with FakeWeChat(clock) as fake:
        yield fake


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as fake:
        yield fake
        fake.assert_no_violations()


class Both:
    def __init__(self, bot: Harness, wechat: FakeWeChat, url: str, clock: ManualClock) -> None:
        self.bot, self.wechat, self.url, self.clock = bot, wechat, url, clock

    async def writes(self, openid: str = OPENID) -> int:
        """The person writes on WeChat; their user id."""
        await self.wechat.push(self.url, self.wechat.text(openid, "你好"))
        user_id = await self.bot.services.identities.wechat_user(openid, "zh_CN")
        return user_id

    async def remind(self, user_id: int, days: float = 4) -> Activity:
        """An activity `days` ahead that the person has a place in, and its day-before
        reminder dispatched."""
        activity = await publish(self.bot, "周末劝导", capacity=5, days=days, place="人民路口")
        await self.bot.services.signups.sign_up(user_id, activity.id)
        self.clock.advance(timedelta(days=days - 1, minutes=1))
        await self.bot.services.reminders.dispatch_due()
        return activity

    async def row_of(self, chat_id: int) -> tuple[str, str | None]:
        """The state and error of the chat's one row, once it is not being sent."""
        for _ in range(200):
            async with self.bot.db.reader.execute(
                "SELECT state, last_error FROM outbox WHERE chat_id = ?", (chat_id,)
            ) as cursor:
                [(state, error)] = list(await cursor.fetchall())
            if state != "sending":
                return state, error
            await asyncio.sleep(0.02)
        raise AssertionError("the row stayed in sending")

    async def outbox(self) -> list[tuple[int, str, str | None]]:
        """(chat, state, error) of every row, once none is pending or being sent."""
        for _ in range(200):
            await self.bot.api.wait_idle()
            async with self.bot.db.reader.execute(
                "SELECT chat_id, state, last_error FROM outbox ORDER BY id"
            ) as cursor:
                rows = [(r[0], r[1], r[2]) for r in await cursor.fetchall()]
            if all(state not in ("pending", "sending") for _, state, _ in rows):
                return rows
            self.bot.services.outbox_signal.notify()
            await asyncio.sleep(0.02)
        raise AssertionError(f"the outbox did not settle: {rows}")


@asynccontextmanager
async def both(
    tmp_path: Path, api: FakeBotApi, wechat: FakeWeChat, clock: ManualClock, **settings: Any
) -> AsyncIterator[Both]:
    port = _free_port()
    config = make_config(
        tmp_path,
        telegram={"token": api.token, "base_url": api.base_url, "base_file_url": api.base_file_url},
        wechat=wechat.config(listen=f"127.0.0.1:{port}", **settings),
        **FAST,
    )
    app = build_application(config, clock, wechat_conversation=_greeter)
    async with running(app, poll_timeout=1):
        yield Both(Harness(api, app, config), wechat, f"http://127.0.0.1:{port}/wechat", clock)


async def _registered_on_wechat(scene: Both) -> int:
    user_id = await scene.writes()
    await scene.bot.services.registration.register(
        user_id, "王五", "13700137000", ["traffic"], consent=True
    )
    return user_id


async def test_a_reminder_inside_the_window_is_a_customer_service_message(
    tmp_path: Path, api: FakeBotApi, wechat: FakeWeChat, clock: ManualClock
) -> None:
    async with both(tmp_path, api, wechat, clock, templates={"reminder": TEMPLATE}) as scene:
        user_id = await _registered_on_wechat(scene)
        activity = await scene.remind(user_id, days=2)  # due a day after they wrote
        assert await scene.outbox() == [(user_id, "sent", None)]
        [sent] = wechat.to(OPENID)
        # The reminder's "can't come" button is a msgmenu option the conversation acts on.
        assert sent.api == "custom" and sent.payload["msgtype"] == "msgmenu"
        menu = sent.payload["msgmenu"]
        assert says(menu["head_content"].strip(), "reminder.text", title="周末劝导")
        assert [option["id"] for option in menu["list"]] == [f"withdraw:{activity.id}"]
        address = await scene.bot.services.identities.wechat_address(user_id)
        assert address is not None and address.sent_since_inbound == 1
        assert api.sent_messages(user_id) == []


async def test_a_reminder_outside_the_window_is_the_template_of_its_kind(
    tmp_path: Path, api: FakeBotApi, wechat: FakeWeChat, clock: ManualClock
) -> None:
    async with both(tmp_path, api, wechat, clock, templates={"reminder": TEMPLATE}) as scene:
        user_id = await _registered_on_wechat(scene)
        await scene.remind(user_id, days=4)  # due three days after they last wrote
        assert await scene.outbox() == [(user_id, "sent", None)]
        [sent] = wechat.to(OPENID)
        assert sent.api == "template" and sent.payload["template_id"] == TEMPLATE
        assert "周末劝导" in sent.payload["data"]["content"]["value"]


async def test_outside_the_window_without_a_template_a_linked_person_hears_on_telegram(
    tmp_path: Path, api: FakeBotApi, wechat: FakeWeChat, clock: ManualClock
) -> None:
    async with both(tmp_path, api, wechat, clock) as scene:
        await enrol(scene.bot, LUCY, "Lucy Li", "13900139000", ["traffic"])
        code = await scene.bot.services.identities.link_code(LUCY.id)
        assert await scene.bot.services.identities.link(await scene.writes(), code) == LUCY.id
        await scene.writes()  # WeChat is where Lucy last wrote
        await scene.remind(LUCY.id, days=4)
        assert await scene.outbox() == [(LUCY.id, "sent", None)]
        assert wechat.to(OPENID) == []
        [reminder] = api.sent_messages(LUCY.id)
        assert says(reminder.text, "reminder.text", title="周末劝导")


async def test_outside_the_window_with_no_way_to_reach_them_the_row_fails_and_says_why(
    tmp_path: Path, api: FakeBotApi, wechat: FakeWeChat, clock: ManualClock
) -> None:
    async with both(tmp_path, api, wechat, clock) as scene:
        user_id = await _registered_on_wechat(scene)
        await scene.remind(user_id, days=4)
        [(chat, state, error)] = await scene.outbox()
        assert (chat, state) == (user_id, "failed")
        assert error is not None and "48-hour window" in error and "'reminder'" in error
        assert wechat.to(OPENID) == [] and api.sent_messages(user_id) == []


async def test_a_closed_window_wechat_reports_falls_back_to_the_template(
    tmp_path: Path, api: FakeBotApi, wechat: FakeWeChat, clock: ManualClock
) -> None:
    async with both(tmp_path, api, wechat, clock, templates={"reminder": TEMPLATE}) as scene:
        user_id = await _registered_on_wechat(scene)
        wechat.inject("custom", 45047)  # 20 sent since their last message, by WeChat's count
        await scene.remind(user_id, days=2)
        assert await scene.outbox() == [(user_id, "sent", None)]
        assert [sent.api for sent in wechat.to(OPENID)] == ["template"]
        address = await scene.bot.services.identities.wechat_address(user_id)
        assert address is not None and not address.in_window(clock.now())


async def test_a_refused_token_is_renewed_once_and_the_reminder_sent_once(
    tmp_path: Path, api: FakeBotApi, wechat: FakeWeChat, clock: ManualClock
) -> None:
    async with both(tmp_path, api, wechat, clock) as scene:
        user_id = await _registered_on_wechat(scene)
        wechat.revoke_tokens()  # another client fetched a token: ours now gets 40001
        issued = len(wechat.issued)
        await scene.remind(user_id, days=2)
        assert await scene.outbox() == [(user_id, "sent", None)]
        assert [sent.api for sent in wechat.to(OPENID)] == ["custom"]
        assert len(wechat.issued) == issued + 1


async def test_wechat_down_holds_its_rows_while_telegram_goes_on(
    tmp_path: Path, api: FakeBotApi, wechat: FakeWeChat, clock: ManualClock
) -> None:
    async with both(tmp_path, api, wechat, clock) as scene:
        user_id = await _registered_on_wechat(scene)
        await enrol(scene.bot, ZHANG, "张三", "13800138000", ["traffic"])
        # WeChat refuses the token twice in a row: the channel is down as a whole.
        wechat.inject("custom", 40001, 40001)
        activity = await publish(scene.bot, "周末劝导", capacity=5, days=1.5, place="人民路口")
        await scene.bot.services.signups.sign_up(user_id, activity.id)
        await scene.bot.services.signups.sign_up(ZHANG.id, activity.id)
        clock.advance(timedelta(hours=12, minutes=1))
        await scene.bot.services.reminders.dispatch_due()
        telegram = await scene.bot.api.wait_for(
            lambda c: c.chat_id == ZHANG.id and says(c.text, "reminder.text", title="周末劝导")
        )
        assert telegram.ok
        state, error = await scene.row_of(user_id)
        assert state == "pending" and error is not None and "credentials refused" in error
        assert wechat.to(OPENID) == []
        # WeChat works again: the held row goes at the next probe, once.
        clock.advance(timedelta(minutes=5))
        states = {chat: state for chat, state, _ in await scene.outbox()}
        assert states[user_id] == "sent" and states[ZHANG.id] == "sent"
        assert ADMIN_ID in states  # the admins are told sending resumed
        assert [sent.api for sent in wechat.to(OPENID)] == ["custom"]
        assert len(api.sent_messages(ZHANG.id)) == 1

"""End-to-end harness: the real Application, polling a fake Bot API server over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.clock import Clock, SystemClock
from bot.config import Config
from bot.services import Services
from storage.db import Database
from telegram_adapter.app import build_application, running
from telegram_adapter.context import AppType
from tests.conftest import ADMIN_ID, make_config
from tests.fake_bot_api import Call, FakeBotApi, FakeUser

# Dialogue tests go faster than people type: lift the flood guard and Telegram's pacing, which
# have tests of their own.
FAST: dict[str, Any] = {
    "flood": {"max_updates": 10_000},
    "sending": {"global_per_second": 1000, "private_per_second": 100, "private_burst": 100},
}
ADMIN = FakeUser(id=ADMIN_ID, first_name="Admin", language_code="zh-hans")


@dataclass
class Harness:
    api: FakeBotApi
    app: AppType
    config: Config

    @property
    def services(self) -> Services:
        return self.app.bot_data.runtime.services

    @property
    def db(self) -> Database:
        database = self.app.bot_data.database
        assert database is not None
        return database

    async def say(self, user: FakeUser, text: str, **kwargs: Any) -> Call:
        """Send a text as the user and return the bot's first answer."""
        self.api.send_text(user, text, **kwargs)
        return await self.api.next_message(kwargs.get("chat", {}).get("id", user.id))

    async def tap(self, user: FakeUser, message: Call, data: str) -> Call:
        """Press a button (or forge its data) and return the bot's first answer."""
        self.api.press(user, message, data)
        return await self.api.next_message(user.id)

    async def toggle(self, user: FakeUser, message: Call, data: str) -> Call:
        """Press a button that answers by editing the keyboard; return that edit."""
        since = self.api.mark()
        self.api.press(user, message, data)
        return await self.api.wait_for(
            lambda c: c.method == "editMessageReplyMarkup" and c.chat_id == user.id, since=since
        )

    async def answer_to_press(self, user: FakeUser, message: Call, data: str) -> Call:
        """Press a button (or forge its data) and return the callback answer."""
        since = self.api.mark()
        self.api.press(user, message, data)
        return await self.api.wait_for_method("answerCallbackQuery", since=since)

    async def reply(self, user: FakeUser) -> Call:
        return await self.api.next_message(user.id)

    async def count(self, table: str) -> int:
        async with self.db.reader.execute(f"SELECT COUNT(*) FROM {table}") as cursor:
            row = await cursor.fetchone()
        assert row is not None
        return int(row[0])


def button_data(call: Call) -> list[str]:
    return [button["callback_data"] for button in call.buttons if "callback_data" in button]


async def start_harness(
    tmp_path: Path, api: FakeBotApi, clock: Clock | None = None, **overrides: Any
) -> AsyncIterator[Harness]:
    """The bot on a fresh database, with the system clock unless a test brings its own (the
    outbox's retry times are real: Telegram's retry_after is in real seconds)."""
    config = make_config(
        tmp_path,
        telegram={"token": api.token, "base_url": api.base_url, "base_file_url": api.base_file_url},
        **(FAST | overrides),
    )
    app = build_application(config, clock or SystemClock())
    async with running(app, poll_timeout=1):
        yield Harness(api, app, config)


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    """The fake Bot API; every test ends by checking that no request broke Telegram's limits
    (text over 4096 characters, callback data over 64 bytes, edits of unknown messages...)."""
    async with FakeBotApi() as fake:
        yield fake
        fake.assert_no_violations()


@pytest.fixture
async def bot(tmp_path: Path, api: FakeBotApi) -> AsyncIterator[Harness]:
    async for harness in start_harness(tmp_path, api):
        yield harness

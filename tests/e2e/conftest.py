"""End-to-end fixtures: the real Application, polling a fake Bot API server over HTTP. The
harness and the steps tests share are in helpers.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.clock import ManualClock
from tests.e2e.helpers import Harness, start_harness
from tests.fake_bot_api import FakeBotApi


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    """The fake Bot API; every test ends by checking that no request broke Telegram's limits
    (text over 4096 characters, callback data over 64 bytes, edits of unknown messages...)."""
    async with FakeBotApi() as fake:
        yield fake
        fake.assert_no_violations()


@pytest.fixture
def bot_settings() -> dict[str, Any]:
    """Configuration tables (beyond FAST) for the bot of a test module that overrides this."""
    return {}


@pytest.fixture
async def bot(
    tmp_path: Path, api: FakeBotApi, bot_settings: dict[str, Any]
) -> AsyncIterator[Harness]:
    """The bot on the system clock."""
    async for harness in start_harness(tmp_path, api, **bot_settings):
        yield harness


@pytest.fixture
async def timed_bot(
    tmp_path: Path, api: FakeBotApi, clock: ManualClock, bot_settings: dict[str, Any]
) -> AsyncIterator[Harness]:
    """The bot on the injected clock (the `clock` fixture, which the test advances)."""
    async for harness in start_harness(tmp_path, api, clock=clock, **bot_settings):
        yield harness

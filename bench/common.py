"""Shared pieces of the benchmarks: the fake Bot API, a bare echo bot, update-rate timing."""

from __future__ import annotations

import statistics
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters

from tests.fake_bot_api import FakeBotApi, FakeUser


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Echo the text back, as in python-telegram-bot's echobot example."""
    assert update.message is not None and update.message.text is not None
    await update.message.reply_text(update.message.text)


@asynccontextmanager
async def echo_bot(api: FakeBotApi) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    """A bare python-telegram-bot echo bot on the fake server, default settings."""
    app = ApplicationBuilder().token(api.token).base_url(api.base_url).build()
    app.add_handler(MessageHandler(filters.TEXT, _echo))
    async with app:
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        await app.start()
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


async def updates_per_second(api: FakeBotApi, messages: list[tuple[FakeUser, str]]) -> float:
    """Enqueue every message at once; the rate at which the bot answers them all."""
    await api.wait_idle(quiet=0.1)
    since = api.mark()
    started = time.perf_counter()
    for user, text in messages:
        api.send_text(user, text)
    expected = len(messages)
    counted = {"index": since, "replies": 0}

    def all_answered() -> bool:
        # Count incrementally: rescanning every call on each wake-up would cost O(n^2).
        calls = api.calls
        for call in calls[counted["index"] :]:
            counted["replies"] += call.method == "sendMessage" and call.ok
        counted["index"] = len(calls)
        return counted["replies"] >= expected

    await api.wait_until(all_answered, timeout=300, description=f"{expected} replies")
    return expected / (time.perf_counter() - started)


def median(values: list[float]) -> float:
    return round(statistics.median(values), 1)

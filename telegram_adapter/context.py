"""Typed context: handlers reach the services through `context.runtime`, not string keys."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from telegram import InlineKeyboardMarkup
from telegram.ext import Application, CallbackContext, ExtBot

from bot.clock import Clock
from bot.config import Config
from bot.domain.flood import FloodGuard
from bot.domain.replay import RecentIds
from bot.i18n import Catalogs
from bot.outbox.sender import OutboxSender
from bot.services import Services
from storage.db import Database

Rendered = tuple[str, InlineKeyboardMarkup]


@dataclass
class Runtime:
    """What the handlers need, built once in post_init."""

    config: Config
    services: Services
    catalogs: Catalogs
    flood: FloodGuard
    monotonic: Callable[[], float]
    clock: Clock
    recent_updates: RecentIds = field(default_factory=lambda: RecentIds(10_000))
    progress_shown: dict[int, str] = field(default_factory=dict)
    # Text and keyboard of lists many people ask for unchanged, with what they came from.
    rendered: dict[Hashable, tuple[Hashable, Rendered]] = field(default_factory=dict)


class BotData:
    """The application's bot_data; holds the runtime once the database is open."""

    def __init__(self) -> None:
        self._runtime: Runtime | None = None
        self.database: Database | None = None
        self.sender: OutboxSender | None = None

    def attach(self, runtime: Runtime) -> None:
        self._runtime = runtime

    @property
    def runtime(self) -> Runtime:
        if self._runtime is None:
            raise RuntimeError("the runtime is attached in post_init; no update can come before")
        return self._runtime


# The bot's rate-limit arguments: {"priority": n} on outbox requests.
RateLimitArgs = dict[str, int]


class AppContext(CallbackContext[ExtBot[RateLimitArgs], dict[Any, Any], dict[Any, Any], BotData]):
    @property
    def runtime(self) -> Runtime:
        return self.bot_data.runtime


AppType = Application[
    ExtBot[RateLimitArgs], AppContext, dict[Any, Any], dict[Any, Any], BotData, Any
]

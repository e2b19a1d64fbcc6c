"""Decides when each outgoing request may go: within the global and per-chat limits at the
moment it is sent, higher priority first, first come first served within a priority."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.config import SendingConfig
from bot.outbox.limits import SlidingWindow, TokenBucket

INTERACTIVE = 0  # replies to a person's own command; outbox rows use 10 + their priority

# Requests reach Telegram some milliseconds after they are admitted, each with its own delay;
# limits are applied with this much to spare so that arrival times keep them too.
MARGIN = 1.05
# The overall limit is paced evenly (no bursts) at this share of it: a burst admitted at once
# arrives spread out and would crowd the next second.
GLOBAL_PACE = 0.96

ChatKey = int | str


@dataclass(order=True)
class _Waiter:
    priority: int
    sequence: int
    chat: ChatKey | None = field(compare=False)
    future: asyncio.Future[None] = field(compare=False)


class SendScheduler:
    def __init__(self, config: SendingConfig, clock: Callable[[], float] = time.monotonic) -> None:
        self._config = config
        self._clock = clock
        self._global_window = SlidingWindow(config.global_per_second, MARGIN)
        self._global_pace = TokenBucket(config.global_per_second * GLOBAL_PACE, 1)
        self._chats: dict[ChatKey, SlidingWindow | TokenBucket] = {}
        self._waiting: list[_Waiter] = []
        self._sequence = itertools.count()
        self._timer: asyncio.TimerHandle | None = None

    def _chat(self, chat: ChatKey) -> SlidingWindow | TokenBucket:
        window = self._chats.get(chat)
        if window is None:
            if isinstance(chat, int) and chat > 0:
                rate = self._config.private_per_second / MARGIN
                window = TokenBucket(rate, self._config.private_burst)
            else:
                period = self._config.group_window_seconds * MARGIN
                window = SlidingWindow(self._config.group_messages, period)
            self._chats[chat] = window
        return window

    async def admit(self, chat: ChatKey | None, priority: int = INTERACTIVE) -> None:
        """Return when a message to `chat` may be sent now (and count it as sent)."""
        waiter = _Waiter(
            priority, next(self._sequence), chat, asyncio.get_running_loop().create_future()
        )
        self._waiting.append(waiter)
        self._waiting.sort()
        self._pump()
        try:
            await waiter.future
        except asyncio.CancelledError:
            if waiter in self._waiting:
                self._waiting.remove(waiter)
            raise

    def pause(self, chat: ChatKey | None, seconds: float) -> None:
        """Telegram asked us to wait: nothing more to this chat (or at all) for a while."""
        targets: list[SlidingWindow | TokenBucket] = (
            [self._global_window, self._global_pace] if chat is None else [self._chat(chat)]
        )
        for target in targets:
            target.paused_until = max(target.paused_until, self._clock() + seconds)
        self._pump()

    def _pump(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        now = self._clock()
        soonest = float("inf")
        for waiter in list(self._waiting):
            if waiter.future.done():
                self._waiting.remove(waiter)
                continue
            global_wait = max(self._global_window.wait(now), self._global_pace.wait(now))
            if global_wait > 0:
                soonest = min(soonest, global_wait)
                break
            chat_wait = self._chat(waiter.chat).wait(now) if waiter.chat is not None else 0.0
            if chat_wait > 0:
                soonest = min(soonest, chat_wait)
                continue
            self._global_window.record(now)
            self._global_pace.record(now)
            if waiter.chat is not None:
                self._chat(waiter.chat).record(now)
            self._waiting.remove(waiter)
            waiter.future.set_result(None)
        if self._waiting and soonest < float("inf"):
            self._timer = asyncio.get_running_loop().call_later(soonest, self._pump)
        if len(self._chats) > 10_000:
            self._chats = {k: w for k, w in self._chats.items() if not w.idle(now)}

"""Decides when each outgoing request may go: within the global and per-chat limits at the
moment it arrives at Telegram, higher priority first, first come first served within a
priority.

The overall limit (30/s) is kept where it counts, at arrival: a request occupies its place in
the window from its admission until a second after its answer (see `SpanWindow`), so network
jitter cannot crowd a second, and no share of the limit is set aside for it. Requests are
paced evenly at the limit, so a burst admitted at once does not delay replies to people.
Broadcast messages sent with `allow_paid_broadcast` (`sending.paid_broadcast`) have a window
of their own: Telegram lets those go at up to 1,000/s, outside the free limit.

Per chat, every message counts against the chat's limit (in a private chat a steady 1/s after a
burst of `sending.private_burst`). The burst is for replies to a person's own action, so that a
step of a dialogue lands at once; queued messages (notices, reminders, broadcasts) also keep the
steady pace on their own, without a burst."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.config import SendingConfig
from bot.outbox.limits import PrivateChat, SlidingWindow, SpanWindow, TokenBucket

INTERACTIVE = 0  # replies to a person's own command; outbox rows use 10 + their priority

# Per-chat limits are kept on admission times with this much to spare, so that arrival times
# at Telegram keep them too (a chat gets one message at a time from the outbox, rarely more).
MARGIN = 1.05
# The overall window: one second, and a millisecond for arrivals that fall on its edge.
WINDOW_SECONDS = 1.001
# The even pace may catch up this many requests after the event loop woke late.
PACE_BURST = 2
# Telegram's ceiling for paid broadcasts (`allow_paid_broadcast`), messages per second.
PAID_PER_SECOND = 1000

ChatKey = int | str


class _Pool:
    """One overall limit: its window, kept at arrival, and its even pace."""

    def __init__(self, per_second: int) -> None:
        self.window = SpanWindow(per_second, WINDOW_SECONDS)
        self.pace = TokenBucket(per_second, PACE_BURST)

    def wait(self, now: float) -> float:
        return max(self.window.wait(now), self.pace.wait(now))

    def record(self, now: float) -> None:
        self.window.record(now)
        self.pace.record(now)


class Slot:
    """An admitted request. Close it once its answer came back (or it was not sent after
    all): until then, and for a second after, it counts against the overall limit."""

    def __init__(self, scheduler: SendScheduler, pool: _Pool) -> None:
        self._scheduler = scheduler
        self._pool = pool
        self._open = True

    def close(self) -> None:
        if self._open:
            self._open = False
            self._scheduler.answered(self._pool)


@dataclass(order=True)
class _Waiter:
    priority: int
    sequence: int
    chat: ChatKey | None = field(compare=False)
    paid: bool = field(compare=False)
    future: asyncio.Future[Slot] = field(compare=False)


class SendScheduler:
    def __init__(self, config: SendingConfig, clock: Callable[[], float] = time.monotonic) -> None:
        self._config = config
        self._clock = clock
        self._free = _Pool(config.global_per_second)
        self._paid = _Pool(PAID_PER_SECOND)
        self._chats: dict[ChatKey, SlidingWindow | PrivateChat] = {}
        self._waiting: list[_Waiter] = []
        self._sequence = itertools.count()
        self._timer: asyncio.TimerHandle | None = None

    def _chat(self, chat: ChatKey) -> SlidingWindow | PrivateChat:
        window = self._chats.get(chat)
        if window is None:
            if isinstance(chat, int) and chat > 0:
                rate = self._config.private_per_second / MARGIN
                window = PrivateChat(rate, self._config.private_burst)
            else:
                period = self._config.group_window_seconds * MARGIN
                window = SlidingWindow(self._config.group_messages, period)
            self._chats[chat] = window
        return window

    async def admit(
        self, chat: ChatKey | None, priority: int = INTERACTIVE, paid: bool = False
    ) -> Slot:
        """Return when a message to `chat` may be sent now; close the slot after its answer.
        `paid`: a broadcast message sent with `allow_paid_broadcast`."""
        waiter = _Waiter(
            priority,
            next(self._sequence),
            chat,
            paid,
            asyncio.get_running_loop().create_future(),
        )
        self._waiting.append(waiter)
        self._waiting.sort()
        self._pump()
        try:
            return await waiter.future
        except asyncio.CancelledError:
            if waiter in self._waiting:
                self._waiting.remove(waiter)
            elif waiter.future.done() and not waiter.future.cancelled():
                waiter.future.result().close()  # admitted, then cancelled: never sent
            raise

    def pause(self, chat: ChatKey | None, seconds: float) -> None:
        """Telegram asked us to wait: nothing more to this chat (or at all) for a while."""
        targets: list[SlidingWindow | PrivateChat | TokenBucket | SpanWindow] = (
            [self._free.window, self._free.pace, self._paid.window, self._paid.pace]
            if chat is None
            else [self._chat(chat)]
        )
        for target in targets:
            target.paused_until = max(target.paused_until, self._clock() + seconds)
        self._pump()

    def answered(self, pool: _Pool) -> None:
        """A slot of `pool` was closed: its request has its answer."""
        pool.window.answer(self._clock())
        self._pump()

    def _pump(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        now = self._clock()
        soonest = float("inf")
        full: list[_Pool] = []  # a pool's later waiters wait behind its first one
        for waiter in list(self._waiting):
            if waiter.future.done():
                self._waiting.remove(waiter)
                continue
            pool = self._paid if waiter.paid else self._free
            if pool in full:
                continue
            pool_wait = pool.wait(now)
            if pool_wait > 0:
                soonest = min(soonest, pool_wait)
                full.append(pool)
                if len(full) == 2:
                    break
                continue
            chat = self._chat(waiter.chat) if waiter.chat is not None else None
            queued = waiter.priority != INTERACTIVE  # not a reply: kept to the steady pace
            if isinstance(chat, PrivateChat):
                chat_wait = chat.wait(now, queued)
            else:
                chat_wait = chat.wait(now) if chat is not None else 0.0
            if chat_wait > 0:
                soonest = min(soonest, chat_wait)
                continue
            pool.record(now)
            if isinstance(chat, PrivateChat):
                chat.record(now, queued)
            elif chat is not None:
                chat.record(now)
            self._waiting.remove(waiter)
            waiter.future.set_result(Slot(self, pool))
        if self._waiting and soonest < float("inf"):
            self._timer = asyncio.get_running_loop().call_later(soonest, self._pump)
        if len(self._chats) > 10_000:
            self._chats = {k: w for k, w in self._chats.items() if not w.idle(now)}

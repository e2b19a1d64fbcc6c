"""Telegram's sending limits as pure rules: how long until the next message to a chat may go.
Times are seconds on a monotonic scale, passed in."""

from __future__ import annotations

import math
from collections import deque

# Waits computed from float sums land a hair short; this much counts as "now".
EPSILON = 1e-9


class SlidingWindow:
    """At most `limit` events in any `period` seconds."""

    def __init__(self, limit: int, period: float) -> None:
        self.limit = limit
        self.period = period
        self._events: deque[float] = deque()
        self.paused_until = 0.0

    def _forget(self, now: float) -> None:
        while self._events and self._events[0] <= now - self.period + EPSILON:
            self._events.popleft()

    def wait(self, now: float) -> float:
        """Seconds until one more event fits (0 if it fits now)."""
        self._forget(now)
        pause = max(0.0, self.paused_until - now)
        if len(self._events) < self.limit:
            return pause
        return max(pause, self._events[0] + self.period - now)

    def record(self, now: float) -> None:
        self._events.append(now)

    def idle(self, now: float) -> bool:
        self._forget(now)
        return not self._events and now >= self.paused_until


class TokenBucket:
    """A steady `rate` per second with bursts of up to `burst`."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self._tokens = float(burst)
        self._updated = 0.0
        self._started = False
        self.paused_until = 0.0

    def _refill(self, now: float) -> None:
        if not self._started:
            self._started, self._updated = True, now
        self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
        self._updated = now

    def wait(self, now: float) -> float:
        self._refill(now)
        pause = max(0.0, self.paused_until - now)
        if self._tokens >= 1 - EPSILON:
            return pause
        return max(pause, (1 - self._tokens) / self.rate)

    def record(self, now: float) -> None:
        self._refill(now)
        self._tokens -= 1

    def idle(self, now: float) -> bool:
        self._refill(now)
        return self._tokens >= self.burst - EPSILON and now >= self.paused_until


class PrivateChat:
    """A private chat's pace: every message counts against a steady `rate` with bursts of up
    to `burst`, and the burst is for replies to the person's own action. Queued messages
    (notices, reminders, broadcasts) also keep the steady rate on their own, without a burst,
    so that they never take more than their one place at a time in the chat's burst."""

    def __init__(self, rate: float, burst: int) -> None:
        self._all = TokenBucket(rate, burst)
        self._queued = TokenBucket(rate, 1)

    @property
    def paused_until(self) -> float:
        return self._all.paused_until

    @paused_until.setter
    def paused_until(self, until: float) -> None:
        self._all.paused_until = until

    def wait(self, now: float, queued: bool = False) -> float:
        """Seconds until one more reply (or, `queued`, one more queued message) may go."""
        wait = self._all.wait(now)
        return max(wait, self._queued.wait(now)) if queued else wait

    def record(self, now: float, queued: bool = False) -> None:
        self._all.record(now)
        if queued:
            self._queued.record(now)

    def idle(self, now: float) -> bool:
        return self._all.idle(now) and self._queued.idle(now)


class SpanWindow:
    """At most `limit` requests arriving within any `period` seconds, measured where they
    arrive (at Telegram), not where they leave. A request arrives at some moment between its
    admission and its answer, unknown which, so it counts from its admission until `period`
    after its answer: a new one is admitted only while fewer than `limit` requests are
    unanswered or were answered less than `period` ago. Then no arrival order can put more than
    `limit` arrivals in a period, whatever the network delays; the only cost is each request's
    own round trip."""

    def __init__(self, limit: int, period: float) -> None:
        self.limit = limit
        self.period = period
        self.open = 0  # admitted, not answered yet
        self._answered: deque[float] = deque()  # answer times, in order
        self.paused_until = 0.0

    def _forget(self, now: float) -> None:
        while self._answered and self._answered[0] <= now - self.period + EPSILON:
            self._answered.popleft()

    def wait(self, now: float) -> float:
        """Seconds until one more request fits (0 if it fits now); infinite while `limit`
        requests are unanswered (an answer must come first)."""
        self._forget(now)
        pause = max(0.0, self.paused_until - now)
        over = self.open + len(self._answered) - self.limit
        if over < 0:
            return pause
        if self.open >= self.limit:
            return math.inf
        return max(pause, self._answered[over] + self.period - now)

    def record(self, now: float) -> None:
        self.open += 1

    def answer(self, now: float) -> None:
        """A request admitted earlier has its answer (or will never be sent)."""
        self.open -= 1
        self._answered.append(now)

    def idle(self, now: float) -> bool:
        self._forget(now)
        return not self.open and not self._answered and now >= self.paused_until

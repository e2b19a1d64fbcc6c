"""Drains the outbox: claims due rows, delivers each through a transport, records the end.

Crash safety: a row is marked `sending` in a committed transaction when claimed and `sent`
right after its request succeeds. A claimed row first waits for the scheduler to admit it
within Telegram's limits; if the sender stops (or its broadcast is stopped) during that wait,
the row goes back to `pending` (or to `cancelled`) and nothing was sent. Only a process killed
while a request is on the wire leaves a row `sending` that did reach Telegram; on the next
start it goes back to `pending` and is sent again. Only one row per chat is ever in flight, so
each chat can get at most one duplicate from that window.

A request whose answer timed out may have been delivered: it is retried once at most. While the
Bot API refuses requests as a whole (bad token, outage) nothing is final: sending pauses and
one row probes with growing pauses until Telegram accepts it. Recording an outcome is retried
while the database is locked or full, so a row never stays `sending` while its delivery task
lives; one whose task is gone is released after `stuck_seconds`.

Over 400 lines because claiming, sending, recording and the outage handling are one state
machine over the same rows: split, each part would need the others' invariants restated.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

import aiosqlite

from bot.clock import Clock
from bot.config import SendingConfig
from bot.outbox.errors import (
    ChatMoved,
    NoAnswer,
    Rejected,
    RetryLater,
    ServiceDown,
    Transient,
    Unreachable,
)
from bot.outbox.models import QueuedMessage
from storage import outbox
from storage.db import Database

log = logging.getLogger(__name__)

IDLE_POLL_SECONDS = 5.0
MAX_BACKOFF_SECONDS = 300.0
MAX_PAUSE_SECONDS = 60.0  # while the Bot API is down, probe at least once a minute
RECORD_RETRY_FIRST_SECONDS = 0.05
RECORD_RETRY_MAX_SECONDS = 5.0
NO_ANSWER_RETRIES = 1


class Transport(Protocol):
    async def deliver(self, message: QueuedMessage) -> int:
        """Send the message now (it was admitted); return the chat's message id.
        Raises a DeliveryError."""
        ...


class Admitted(Protocol):
    def close(self) -> None:
        """The request has its answer (or was not sent after all)."""
        ...


class Admission(Protocol):
    async def admit(self, chat: int | str | None, priority: int, paid: bool) -> Admitted:
        """Return when a message to the chat may be sent within the limits."""
        ...


OUTBOX_PRIORITY_BASE = 10  # after replies to people (priority 0), most urgent rows first

# The channel whose outage pauses claiming as a whole (the Bot API); another channel's outage
# (WeChat's) only holds the rows that go through it.
MAIN_CHANNEL = "telegram"


UnreachableHook = Callable[[int, datetime], Awaitable[None]]
ChannelOf = Callable[[QueuedMessage], Awaitable[str]]
MovedHook = Callable[[int, int], Awaitable[None]]
ResumedHook = Callable[[datetime, str], Awaitable[None]]
Write = Callable[[aiosqlite.Connection], Awaitable[object]]


@dataclass
class _Outage:
    """The Bot API refuses requests: nothing is claimed but one probe after each pause."""

    since: datetime
    reason: str
    pause: float
    resume_at: datetime
    probe: int | None = None


class OutboxSender:
    def __init__(
        self,
        db: Database,
        transport: Transport,
        admission: Admission,
        clock: Clock,
        config: SendingConfig,
        on_unreachable: UnreachableHook,
        on_moved: MovedHook,
        on_resumed: ResumedHook | None = None,
        channel_of: ChannelOf | None = None,
    ) -> None:
        self._db = db
        self._transport = transport
        self._admission = admission
        self._clock = clock
        self._config = config
        self._on_unreachable = on_unreachable
        self._on_moved = on_moved
        self._on_resumed = on_resumed
        self._outage: _Outage | None = None
        # Which channel a row goes through (none given: every row goes through the main one),
        # and the outages of channels other than the main one.
        self._channel_of = channel_of
        self._side_outages: dict[str, _Outage] = {}
        # Rows whose refusal started an outage: refused "as a whole" again once the service
        # works, the refusal was about them.
        self._suspects: set[int] = set()
        self._claimed: set[int] = set()
        self._next_sweep: datetime | None = None
        self._wake = asyncio.Event()
        self._stopping = False
        self._in_flight: set[asyncio.Task[None]] = set()
        self._admitting: dict[asyncio.Task[None], QueuedMessage] = {}
        self._stopped_broadcasts: set[int] = set()
        self._runner: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """New rows were committed: look now instead of at the next poll."""
        self._wake.set()

    def broadcast_stopped(self, broadcast_id: int) -> None:
        """Drop this broadcast's rows that are claimed but not yet on the wire."""
        self._stopped_broadcasts.add(broadcast_id)
        for task, message in list(self._admitting.items()):
            if message.broadcast_id == broadcast_id:
                task.cancel()

    def start(self) -> None:
        self._runner = asyncio.create_task(self._run(), name="outbox-sender")

    async def stop(self, grace: float = 5.0) -> None:
        """Stop claiming; let requests in flight finish for up to `grace` seconds."""
        self._stopping = True
        self._wake.set()
        if self._runner is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._runner
        if self._in_flight:
            _, late = await asyncio.wait(self._in_flight, timeout=grace)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)

    async def _run(self) -> None:
        async with self._db.transaction() as tx:
            released = await outbox.release_in_flight(tx, self._clock.now())
        if released:
            log.warning(
                "%d outbox rows were in flight at the last stop; sending them again", released
            )
        while not self._stopping:
            try:
                await self._fill()
                await self._wait()
            except Exception:
                log.exception("outbox sender loop failed; retrying shortly")
                await asyncio.sleep(min(1.0, self._config.retry_base_seconds))

    async def _fill(self) -> None:
        # Cleared before claiming, so a wake-up that comes while we claim is not lost.
        self._wake.clear()
        await self._release_stuck()
        free = self._config.in_flight - len(self._in_flight)
        if free <= 0 or self._stopping:
            return
        outage = self._outage
        if outage is not None:
            if outage.probe is not None or self._clock.now() < outage.resume_at:
                return
            free = 1
        async with self._db.transaction() as tx:
            claimed = await outbox.claim(tx, self._clock.now(), free)
        if outage is not None and claimed:
            outage.probe = claimed[0].id
        for message in claimed:
            self._claimed.add(message.id)
            task = asyncio.create_task(self._deliver(message), name=f"outbox-{message.id}")
            self._in_flight.add(task)
            task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        self._wake.set()

    async def _release_stuck(self) -> None:
        """A row `sending` for longer than `stuck_seconds` that no delivery of ours holds
        (its task ended before its outcome was written) would hold its chat until a restart."""
        now = self._clock.now()
        if self._next_sweep is not None and now < self._next_sweep:
            return
        stuck_seconds = self._config.stuck_seconds
        self._next_sweep = now + timedelta(seconds=min(stuck_seconds / 2, 30.0))
        async with self._db.transaction() as tx:
            released = await outbox.release_stuck(
                tx, now - timedelta(seconds=stuck_seconds), set(self._claimed), now
            )
        for row_id in released:
            log.warning(
                "outbox row %s was stuck in 'sending' for over %gs with no delivery running;"
                " released to pending (it may have reached Telegram and be sent again)",
                row_id,
                stuck_seconds,
            )

    async def _wait(self) -> None:
        """Sleep until woken (rows committed, a delivery ended) or a postponed row falls due.
        Rows due now but held back by their chat's row in flight wait for that delivery."""
        now = self._clock.now()
        timeout = IDLE_POLL_SECONDS
        due = await outbox.next_due_after(self._db.reader, now)
        if due is not None:
            timeout = min(timeout, (due - now).total_seconds())
        if self._outage is not None and self._outage.probe is None:
            timeout = min(timeout, (self._outage.resume_at - now).total_seconds())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), max(timeout, 0.01))

    async def _admit(self, message: QueuedMessage) -> Admitted | None:
        """Wait for the scheduler; None (and the row released) if cancelled meanwhile."""
        task = asyncio.current_task()
        assert task is not None
        self._admitting[task] = message
        try:
            slot = await self._admission.admit(
                message.chat_id, OUTBOX_PRIORITY_BASE + message.priority, message.paid
            )
        except asyncio.CancelledError:
            stopped = message.broadcast_id in self._stopped_broadcasts
            now = self._clock.now()
            if stopped:
                await self._record(
                    message,
                    "its cancellation",
                    lambda tx: outbox.finish(tx, message.id, "cancelled", "broadcast stopped", now),
                )
            else:
                await self._record(
                    message, "its release", lambda tx: outbox.release(tx, message.id, now)
                )
            if not stopped:
                raise
            return None
        finally:
            del self._admitting[task]
        return slot

    async def _deliver(self, message: QueuedMessage) -> None:
        try:
            await self._deliver_claimed(message)
        finally:
            self._claimed.discard(message.id)
            self._probe_unanswered(message)

    def _probe_unanswered(self, message: QueuedMessage) -> None:
        """The probe ended without Telegram answering either way (a network error, no answer,
        its broadcast stopped, shutdown): probe again, with another row, after a longer pause.
        (A refusal or an answer has already cleared it.)"""
        for side in self._side_outages.values():
            if side.probe == message.id:
                side.pause = min(MAX_PAUSE_SECONDS, side.pause * 2)
                side.resume_at = self._clock.now() + timedelta(seconds=side.pause)
                side.probe = None
        outage = self._outage
        if outage is None or outage.probe != message.id:
            return
        outage.pause = min(MAX_PAUSE_SECONDS, outage.pause * 2)
        outage.resume_at = self._clock.now() + timedelta(seconds=outage.pause)
        outage.probe = None
        self._wake.set()

    async def _deliver_claimed(self, message: QueuedMessage) -> None:
        if self._config.paid_broadcast and message.broadcast_id is not None:
            message = replace(message, paid=True)
        channel = await self._channel(message)
        if channel != MAIN_CHANNEL and await self._held_by_side_outage(message, channel):
            return
        slot = await self._admit(message)
        if slot is None:
            return
        outage = self._outage
        if outage is not None and outage.probe == message.id and channel != MAIN_CHANNEL:
            # Claimed to probe the Bot API, but it goes through another channel: it does not
            # tell whether Telegram works, so another row probes at once.
            outage.probe = None
            outage.resume_at = self._clock.now()
            self._wake.set()
        elif channel != MAIN_CHANNEL:
            outage = None
        if outage is not None and outage.probe != message.id:
            slot.close()
            now = self._clock.now()
            await self._record(
                message,
                "its release",
                lambda tx: outbox.set_aside(tx, message.id, outage.reason, now),
            )
            return
        try:
            with contextlib.closing(slot):
                telegram_id = await self._transport.deliver(message)
        except asyncio.CancelledError:
            raise
        except ServiceDown as error:
            if channel == MAIN_CHANNEL:
                await self._service_down(message, str(error))
            else:
                await self._side_service_down(message, channel, str(error))
        except NoAnswer as error:
            await self._no_answer(message, str(error))
        except RetryLater as error:
            await self._postpone(message, error.seconds, str(error), whole_chat=True)
            await self._answered(channel)
        except Unreachable as error:
            await self._unreachable(message, str(error))
            await self._answered(channel)
        except ChatMoved as error:
            await self._on_moved(message.chat_id, error.new_chat_id)
            await self._postpone(message, 0, str(error), whole_chat=False)
            await self._answered(channel)
        except Rejected as error:
            await self._end(message, "failed", str(error))
            await self._answered(channel)
        except Transient as error:
            if message.attempts >= self._config.max_attempts:
                await self._end(message, "failed", str(error))
            else:
                await self._postpone(message, self._backoff(message), str(error), False)
        except Exception as error:
            log.exception("outbox row %s failed unexpectedly", message.id)
            await self._end(message, "failed", f"unexpected: {type(error).__name__}")
        else:
            now = self._clock.now()
            await self._record(
                message,
                "that it was sent",
                lambda tx: outbox.mark_sent(tx, message.id, telegram_id, now),
            )
            self._suspects.discard(message.id)
            await self._answered(channel)

    async def _channel(self, message: QueuedMessage) -> str:
        if self._channel_of is None:
            return MAIN_CHANNEL
        try:
            return await self._channel_of(message)
        except Exception:
            # The delivery asks again, and its failure is recorded on the row.
            log.exception("could not tell the channel of outbox row %s", message.id)
            return MAIN_CHANNEL

    async def _answered(self, channel: str = MAIN_CHANNEL) -> None:
        """The channel answered about this message itself (sent, or refused for its own
        reasons): the service works."""
        if channel != MAIN_CHANNEL:
            await self._side_healed(channel)
        elif self._outage is not None:
            await self._healed()

    async def _held_by_side_outage(self, message: QueuedMessage, channel: str) -> bool:
        """While a channel other than the main one is down, its rows wait (their chat put off
        until the next probe) but one, which probes; True if this row was put back."""
        outage = self._side_outages.get(channel)
        if outage is None or outage.probe == message.id:
            return False
        now = self._clock.now()
        if outage.probe is None and now >= outage.resume_at:
            outage.probe = message.id
            return False
        later = max(outage.resume_at, now + timedelta(seconds=outage.pause))

        async def set_aside(tx: aiosqlite.Connection) -> None:
            await outbox.set_aside(tx, message.id, outage.reason, now)
            await outbox.postpone_chat(tx, message.chat_id, later, now)

        await self._record(message, "its release", set_aside)
        return True

    async def _side_service_down(self, message: QueuedMessage, channel: str, reason: str) -> None:
        """A channel other than the main one refuses requests as a whole: its rows wait and
        one probes with growing pauses; the main channel's rows go on."""
        now = self._clock.now()
        outage = self._side_outages.get(channel)
        if outage is None and message.id in self._suspects:
            self._suspects.discard(message.id)
            await self._end(message, "failed", f"refused by {channel} twice: {reason}")
            return
        if outage is None:
            self._suspects.add(message.id)
            pause = self._config.retry_base_seconds
            outage = _Outage(now, reason, pause, now + timedelta(seconds=pause))
            self._side_outages[channel] = outage
            log.error(
                "%s REFUSES REQUESTS (%s): its messages wait, other channels go on; trying"
                " again in %gs",
                channel.upper(),
                reason,
                pause,
            )
        elif outage.probe == message.id:
            outage.pause = min(MAX_PAUSE_SECONDS, outage.pause * 2)
            outage.resume_at = now + timedelta(seconds=outage.pause)
            outage.probe = None
            log.error(
                "%s still refuses requests (%s) since %s: trying again in %gs",
                channel,
                reason,
                outage.since.isoformat(timespec="seconds"),
                outage.pause,
            )
        later = outage.resume_at + timedelta(seconds=outage.pause)

        async def set_aside(tx: aiosqlite.Connection) -> None:
            await outbox.set_aside(tx, message.id, reason, now)
            await outbox.postpone_chat(tx, message.chat_id, later, now)

        await self._record(message, "its release", set_aside)

    async def _side_healed(self, channel: str) -> None:
        outage = self._side_outages.pop(channel, None)
        if outage is None:
            return
        log.warning(
            "%s accepts requests again (refused since %s: %s); its messages go on",
            channel,
            outage.since.isoformat(timespec="seconds"),
            outage.reason,
        )
        if self._on_resumed is not None:
            try:
                await self._on_resumed(outage.since, f"{channel}: {outage.reason}")
            except Exception:
                log.exception("could not tell the admins that sending resumed")

    def _backoff(self, message: QueuedMessage) -> float:
        base = self._config.retry_base_seconds
        return min(MAX_BACKOFF_SECONDS, base * 2.0 ** (message.attempts - 1))

    async def _record(self, message: QueuedMessage, what: str, write: Write) -> None:
        """Write how a delivery ended, retrying while the database is locked or full: until it
        is written the row stays `sending` and holds back its chat, and after a restart it
        would be sent again."""
        pause = RECORD_RETRY_FIRST_SECONDS
        while True:
            try:
                async with self._db.transaction() as tx:
                    await write(tx)
                return
            except sqlite3.OperationalError as error:
                log.warning(
                    "could not record %s for outbox row %s (%s); retrying in %.2fs",
                    what,
                    message.id,
                    error,
                    pause,
                )
            try:
                await asyncio.sleep(pause)
            except asyncio.CancelledError:
                log.error(
                    "stopped before recording %s for outbox row %s: it stays 'sending' and is"
                    " sent again after the restart",
                    what,
                    message.id,
                )
                raise
            pause = min(pause * 2, RECORD_RETRY_MAX_SECONDS)

    async def _service_down(self, message: QueuedMessage, reason: str) -> None:
        now = self._clock.now()
        outage = self._outage
        if outage is None and message.id in self._suspects:
            # Refused "as a whole" twice while every other message went through: the status
            # is about this message (PTB does not say which status it was), so it ends here
            # instead of pausing everyone again.
            self._suspects.discard(message.id)
            await self._end(message, "failed", f"refused by the Bot API twice: {reason}")
            return
        if outage is None:
            self._suspects.add(message.id)
            pause = self._config.retry_base_seconds
            outage = _Outage(now, reason, pause, now + timedelta(seconds=pause))
            self._outage = outage
            log.error(
                "THE BOT API REFUSES REQUESTS (%s): outbox sending paused, queued messages kept;"
                " trying again in %gs",
                reason,
                pause,
            )
        elif outage.probe == message.id:
            outage.pause = min(MAX_PAUSE_SECONDS, outage.pause * 2)
            outage.resume_at = now + timedelta(seconds=outage.pause)
            outage.probe = None
            log.error(
                "the Bot API still refuses requests (%s) since %s: outbox paused, trying again"
                " in %gs",
                reason,
                outage.since.isoformat(timespec="seconds"),
                outage.pause,
            )
        # The next probe is another row, if there is one: a row that only fails itself must
        # not stand in for the whole service.
        later = outage.resume_at + timedelta(seconds=outage.pause)

        async def set_aside(tx: aiosqlite.Connection) -> None:
            await outbox.set_aside(tx, message.id, reason, now)
            await outbox.postpone_chat(tx, message.chat_id, later, now)

        await self._record(message, "its release", set_aside)

    async def _healed(self) -> None:
        outage, self._outage = self._outage, None
        if outage is None:
            return
        log.warning(
            "the Bot API accepts requests again (refused since %s: %s); outbox sending resumed",
            outage.since.isoformat(timespec="seconds"),
            outage.reason,
        )
        self._wake.set()
        if self._on_resumed is not None:
            try:
                await self._on_resumed(outage.since, outage.reason)
            except Exception:
                log.exception("could not tell the admins that sending resumed")

    async def _no_answer(self, message: QueuedMessage, error: str) -> None:
        """Telegram may have delivered it: one more try at most, so at most one duplicate."""
        if message.unanswered >= NO_ANSWER_RETRIES:
            reason = f"{error}; no answer twice, it may have been delivered"
            await self._end(message, "failed", reason)
            return
        now = self._clock.now()
        due = now + timedelta(seconds=self._backoff(message))
        log.warning("no answer to outbox row %s (%s); trying once more", message.id, error)
        await self._record(
            message,
            "its retry",
            lambda tx: outbox.retry_unanswered(tx, message.id, due, error, now),
        )

    async def _postpone(
        self, message: QueuedMessage, seconds: float, error: str, whole_chat: bool
    ) -> None:
        now = self._clock.now()
        due = now + timedelta(seconds=seconds)

        async def write(tx: aiosqlite.Connection) -> None:
            await outbox.retry_later(tx, message.id, due, error, now)
            if whole_chat:
                await outbox.postpone_chat(tx, message.chat_id, due, now)

        await self._record(message, "its retry", write)

    async def _unreachable(self, message: QueuedMessage, error: str) -> None:
        now = self._clock.now()

        async def write(tx: aiosqlite.Connection) -> None:
            await outbox.finish(tx, message.id, "blocked", error, now)
            await outbox.block_chat(tx, message.chat_id, error, now)

        await self._record(message, "that it is blocked", write)
        await self._on_unreachable(message.chat_id, now)

    async def _end(self, message: QueuedMessage, state: str, error: str) -> None:
        now = self._clock.now()
        await self._record(
            message,
            f"that it {state}",
            lambda tx: outbox.finish(tx, message.id, state, error[:500], now),
        )

"""Drains the outbox: claims due rows, delivers each through a transport, records the end.

Crash safety: a row is marked `sending` in a committed transaction when claimed and `sent`
right after its request succeeds. A claimed row first waits for the scheduler to admit it
within Telegram's limits; if the sender stops (or its broadcast is stopped) during that wait,
the row goes back to `pending` (or to `cancelled`) and nothing was sent. Only a process killed
while a request is on the wire leaves a row `sending` that did reach Telegram; on the next
start it goes back to `pending` and is sent again. Only one row per chat is ever in flight, so
each chat can get at most one duplicate, and only from that window.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Protocol

from bot.clock import Clock
from bot.config import SendingConfig
from bot.outbox.errors import ChatMoved, Rejected, RetryLater, Transient, Unreachable
from bot.outbox.models import QueuedMessage
from storage import outbox
from storage.db import Database

log = logging.getLogger(__name__)

IDLE_POLL_SECONDS = 5.0
MAX_BACKOFF_SECONDS = 300.0


class Transport(Protocol):
    async def deliver(self, message: QueuedMessage) -> int:
        """Send the message now (it was admitted); return the chat's message id.
        Raises a DeliveryError."""
        ...


class Admission(Protocol):
    async def admit(self, chat: int | str | None, priority: int) -> None:
        """Return when a message to the chat may be sent within the limits."""
        ...


OUTBOX_PRIORITY_BASE = 10  # after replies to people (priority 0), most urgent rows first


UnreachableHook = Callable[[int, datetime], Awaitable[None]]
MovedHook = Callable[[int, int], Awaitable[None]]


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
    ) -> None:
        self._db = db
        self._transport = transport
        self._admission = admission
        self._clock = clock
        self._config = config
        self._on_unreachable = on_unreachable
        self._on_moved = on_moved
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
                log.exception("outbox sender loop failed; retrying in a second")
                await asyncio.sleep(1)

    async def _fill(self) -> None:
        # Cleared before claiming, so a wake-up that comes while we claim is not lost.
        self._wake.clear()
        free = self._config.in_flight - len(self._in_flight)
        if free <= 0 or self._stopping:
            return
        async with self._db.transaction() as tx:
            claimed = await outbox.claim(tx, self._clock.now(), free)
        for message in claimed:
            task = asyncio.create_task(self._deliver(message), name=f"outbox-{message.id}")
            self._in_flight.add(task)
            task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        self._wake.set()

    async def _wait(self) -> None:
        """Sleep until woken (rows committed, a delivery ended) or a postponed row falls due.
        Rows due now but held back by their chat's row in flight wait for that delivery."""
        now = self._clock.now()
        timeout = IDLE_POLL_SECONDS
        due = await outbox.next_due_after(self._db.reader, now)
        if due is not None:
            timeout = min(timeout, (due - now).total_seconds())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), max(timeout, 0.01))

    async def _admit(self, message: QueuedMessage) -> bool:
        """Wait for the scheduler; False (and the row released) if cancelled meanwhile."""
        task = asyncio.current_task()
        assert task is not None
        self._admitting[task] = message
        try:
            await self._admission.admit(message.chat_id, OUTBOX_PRIORITY_BASE + message.priority)
        except asyncio.CancelledError:
            stopped = message.broadcast_id in self._stopped_broadcasts
            async with self._db.transaction() as tx:
                if stopped:
                    await outbox.finish(
                        tx, message.id, "cancelled", "broadcast stopped", self._clock.now()
                    )
                else:
                    await outbox.release(tx, message.id, self._clock.now())
            if not stopped:
                raise
            return False
        finally:
            del self._admitting[task]
        return True

    async def _deliver(self, message: QueuedMessage) -> None:
        if not await self._admit(message):
            return
        try:
            telegram_id = await self._transport.deliver(message)
        except asyncio.CancelledError:
            raise
        except RetryLater as error:
            await self._postpone(message, error.seconds, str(error), whole_chat=True)
        except Unreachable as error:
            await self._unreachable(message, str(error))
        except ChatMoved as error:
            await self._on_moved(message.chat_id, error.new_chat_id)
            await self._postpone(message, 0, str(error), whole_chat=False)
        except Rejected as error:
            await self._end(message, "failed", str(error))
        except Transient as error:
            if message.attempts >= self._config.max_attempts:
                await self._end(message, "failed", str(error))
            else:
                backoff = min(MAX_BACKOFF_SECONDS, 2.0**message.attempts)
                await self._postpone(message, backoff, str(error), whole_chat=False)
        except Exception as error:
            log.exception("outbox row %s failed unexpectedly", message.id)
            await self._end(message, "failed", f"unexpected: {type(error).__name__}")
        else:
            async with self._db.transaction() as tx:
                await outbox.mark_sent(tx, message.id, telegram_id, self._clock.now())

    async def _postpone(
        self, message: QueuedMessage, seconds: float, error: str, whole_chat: bool
    ) -> None:
        now = self._clock.now()
        due = now + timedelta(seconds=seconds)
        async with self._db.transaction() as tx:
            await outbox.retry_later(tx, message.id, due, error, now)
            if whole_chat:
                await outbox.postpone_chat(tx, message.chat_id, due, now)

    async def _unreachable(self, message: QueuedMessage, error: str) -> None:
        now = self._clock.now()
        async with self._db.transaction() as tx:
            await outbox.finish(tx, message.id, "blocked", error, now)
            await outbox.block_chat(tx, message.chat_id, error, now)
        await self._on_unreachable(message.chat_id, now)

    async def _end(self, message: QueuedMessage, state: str, error: str) -> None:
        async with self._db.transaction() as tx:
            await outbox.finish(tx, message.id, state, error[:500], self._clock.now())

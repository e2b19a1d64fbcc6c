"""Faults around delivery that must heal by themselves: a locked database while recording an
outcome, a row stranded in `sending`, and a read timeout after Telegram may have delivered.
The sender runs against a real SQLite file; the Bot API is the fake server over HTTP, through
the real Telegram transport."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from bot.clock import Clock, ManualClock
from bot.config import SendingConfig
from bot.outbox.errors import ServiceDown, Transient
from bot.outbox.models import OutgoingMessage, Priority, QueuedMessage
from bot.outbox.scheduler import SendScheduler
from bot.outbox.sender import OutboxSender, Transport
from bot.services import Services
from storage import outbox
from storage.db import Database
from telegram_adapter.transport import SchedulingRateLimiter, TelegramTransport
from tests.conftest import ADMIN_ID
from tests.fake_bot_api import FakeBotApi
from tests.wording import says

FAST = SendingConfig(
    global_per_second=1000,
    private_per_second=100,
    private_burst=100,
    in_flight=8,
    max_attempts=5,
    retry_base_seconds=0.01,
)
LOCK_TIMEOUT_MS = 50  # the sender's connection gives up on a lock this fast


async def _states(db: Database) -> dict[int, tuple[str, int, str | None]]:
    async with db.reader.execute(
        "SELECT id, state, attempts, last_error FROM outbox ORDER BY id"
    ) as cursor:
        return {row[0]: (row[1], row[2], row[3]) for row in await cursor.fetchall()}


async def _until(condition: Callable[[], Awaitable[bool]], timeout: float = 10) -> None:
    async with asyncio.timeout(timeout):
        while True:
            if await condition():
                return
            await asyncio.sleep(0.01)


def _message(chat_id: int, text: str) -> OutgoingMessage:
    return OutgoingMessage(chat_id, "test", text, Priority.NOTICE)


async def _enqueue(db: Database, clock: Clock, messages: list[OutgoingMessage]) -> None:
    async with db.transaction() as tx:
        await outbox.enqueue(tx, messages, clock.now())


@pytest.fixture
async def quick_db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "quick.sqlite3", busy_timeout_ms=LOCK_TIMEOUT_MS)
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
async def run_sender(services: Services) -> AsyncIterator[Callable[..., OutboxSender]]:
    senders: list[OutboxSender] = []

    def start(
        db: Database, transport: Transport, clock: Clock, config: SendingConfig = FAST
    ) -> OutboxSender:
        sender = OutboxSender(
            db,
            transport,
            SendScheduler(config),
            clock,
            config,
            on_unreachable=services.chat_unreachable,
            on_moved=services.groups.moved,
            on_resumed=services.delivery.resumed,
        )
        sender.start()
        senders.append(sender)
        return sender

    yield start
    for sender in senders:
        await sender.stop()


@pytest.fixture
async def telegram(api: FakeBotApi) -> AsyncIterator[ExtBot[Any]]:
    """A real bot on the fake server; answers later than 0.2 s count as lost."""
    bot: ExtBot[Any] = ExtBot(
        api.token,
        base_url=api.base_url,
        request=HTTPXRequest(read_timeout=0.2, connection_pool_size=16),
        rate_limiter=SchedulingRateLimiter(SendScheduler(FAST)),
    )
    await bot.initialize()
    yield bot
    await bot.shutdown()


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as fake:
        yield fake


class LockingTransport:
    """Delivers at once, but as the first message goes out another process takes the
    database's write lock and keeps it well past the sender's busy timeout."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self.delivered: list[tuple[int, str]] = []
        self.lock_held = asyncio.Event()
        self.lock_released = asyncio.Event()
        self._holder: asyncio.Task[None] | None = None

    async def deliver(self, message: QueuedMessage) -> int:
        if self._holder is None:
            self._holder = asyncio.create_task(self._hold_lock())
            await self.lock_held.wait()
        self.delivered.append((message.chat_id, message.text))
        return len(self.delivered)

    async def _hold_lock(self) -> None:
        async with aiosqlite.connect(self._path, isolation_level=None) as other:
            await other.execute("BEGIN IMMEDIATE")
            self.lock_held.set()
            await asyncio.sleep(LOCK_TIMEOUT_MS * 6 / 1000)
            await other.execute("COMMIT")
        self.lock_released.set()


async def test_item2_a_locked_database_does_not_strand_a_chat(
    quick_db: Database, tmp_path: Path, clock: ManualClock, run_sender, caplog
) -> None:
    transport = LockingTransport(tmp_path / "quick.sqlite3")
    await _enqueue(quick_db, clock, [_message(7, "first"), _message(7, "second")])
    run_sender(quick_db, transport, clock)

    async def settled() -> bool:
        states = await _states(quick_db)
        return all(state == "sent" for state, _, _ in states.values())

    await _until(settled)
    assert transport.lock_released.is_set(), "the lock was held while the outcome was recorded"
    assert transport.delivered == [(7, "first"), (7, "second")], "each once, in order"
    assert [attempts for _, attempts, _ in (await _states(quick_db)).values()] == [1, 1]
    assert any("could not record that it was sent" in r.message for r in caplog.records)


class GatedTransport:
    """Delivers only when let through."""

    def __init__(self) -> None:
        self.delivered: list[tuple[int, str]] = []
        self.gate = asyncio.Event()
        self.waiting = asyncio.Event()

    async def deliver(self, message: QueuedMessage) -> int:
        self.waiting.set()
        await self.gate.wait()
        self.delivered.append((message.chat_id, message.text))
        return len(self.delivered)


async def test_item2_a_row_stuck_in_sending_with_no_delivery_is_released(
    db: Database, clock: ManualClock, run_sender, caplog
) -> None:
    transport = GatedTransport()
    transport.gate.set()
    sender = run_sender(db, transport, clock)
    later = clock.now() + timedelta(minutes=10)
    # A delivery that ended without writing its outcome left this row `sending`.
    await _enqueue(db, ManualClock(later), [_message(5, "stranded"), _message(5, "next")])
    async with db.transaction() as tx:
        assert [m.text for m in await outbox.claim(tx, later, 1)] == ["stranded"]
    clock.advance(timedelta(minutes=10, seconds=FAST.stuck_seconds - 1))
    sender.wake()
    await asyncio.sleep(0.05)
    assert transport.delivered == [], "not stuck for long enough yet"

    clock.advance(timedelta(seconds=31))  # past the next look for stuck rows
    sender.wake()

    async def delivered() -> bool:
        return len(transport.delivered) == 2

    await _until(delivered)
    assert transport.delivered == [(5, "stranded"), (5, "next")]
    assert any("stuck in 'sending'" in r.message for r in caplog.records)


async def test_item2_a_row_whose_delivery_is_still_running_is_not_released(
    db: Database, clock: ManualClock, run_sender
) -> None:
    transport = GatedTransport()
    await _enqueue(db, clock, [_message(6, "slow")])
    sender = run_sender(db, transport, clock)
    await transport.waiting.wait()
    clock.advance(timedelta(seconds=FAST.stuck_seconds * 3))
    sender.wake()
    await asyncio.sleep(0.05)
    assert [state for state, _, _ in (await _states(db)).values()] == ["sending"]
    transport.gate.set()

    async def sent() -> bool:
        return [s for s, _, _ in (await _states(db)).values()] == ["sent"]

    await _until(sent)
    assert transport.delivered == [(6, "slow")]


async def test_item3_401_pauses_sending_and_all_rows_go_out_once_healthy(
    db: Database,
    clock: ManualClock,
    services: Services,
    api: FakeBotApi,
    telegram: ExtBot[Any],
    run_sender,
    caplog,
) -> None:
    await services.accounts.seen(ADMIN_ID, "en")
    config = FAST.model_copy(update={"retry_base_seconds": 1.0})
    chats = list(range(2001, 2021))
    await _enqueue(db, clock, [_message(chat, f"reminder {chat}") for chat in chats])
    api.inject("sendMessage", "unauthorized", times=10**6)
    sender = run_sender(db, TelegramTransport(telegram), clock, config)

    async def refused() -> int:
        return sum(1 for c in api.calls if c.status == 401)

    async def some_refused() -> bool:
        return await refused() > 0

    await _until(some_refused)
    # A minute of a revoked token: nothing is given up, and Telegram is asked rarely.
    for _ in range(60):
        clock.advance(timedelta(seconds=1))
        sender.wake()
        await asyncio.sleep(0.01)
        states = await _states(db)
        assert all(state in ("pending", "sending") for state, _, _ in states.values())
    first_wave = config.in_flight
    assert await refused() <= first_wave + 7, "paused, probed with doubling pauses"
    assert any("THE BOT API REFUSES REQUESTS" in r.message for r in caplog.records)

    api.clear_faults()

    async def healed() -> bool:
        clock.advance(timedelta(seconds=1))
        sender.wake()
        states = await _states(db)
        return len(states) == 21 and all(s == "sent" for s, _, _ in states.values())

    await _until(healed)
    received = [c.chat_id for c in api.sent_messages() if (c.text or "").startswith("reminder")]
    assert sorted(received) == chats, "all 20 sent, each once"
    states = await _states(db)
    assert all(attempts == 1 for _, attempts, _ in states.values()), "refusals are no attempts"
    told = [c for c in api.sent_messages() if c.chat_id == ADMIN_ID]
    assert len(told) == 1 and says(told[0].text, "outbox.sending_resumed")


async def test_item3_a_bot_api_outage_pauses_sending_instead_of_failing_rows(
    db: Database, clock: ManualClock, api: FakeBotApi, telegram: ExtBot[Any], run_sender
) -> None:
    await _enqueue(db, clock, [_message(chat, f"notice {chat}") for chat in (31, 32, 33)])
    api.inject("sendMessage", "server_error", times=15)  # as many as the three rows' attempts
    sender = run_sender(db, TelegramTransport(telegram), clock)

    async def all_sent() -> bool:
        clock.advance(timedelta(seconds=5))
        sender.wake()
        notices = [state for row_id, (state, _, _) in (await _states(db)).items() if row_id <= 3]
        assert "failed" not in notices
        return notices == ["sent"] * 3

    await _until(all_sent)
    received = [c.chat_id for c in api.sent_messages() if (c.text or "").startswith("notice")]
    assert sorted(received) == [31, 32, 33]


async def test_item4_a_read_timeout_is_retried_at_most_once(
    db: Database, clock: ManualClock, api: FakeBotApi, telegram: ExtBot[Any], run_sender
) -> None:
    await _enqueue(db, clock, [_message(41, "once"), _message(42, "lost answers")])
    api.inject("sendMessage", "late", retry_after=0.5, chat_id=41)
    api.inject("sendMessage", "late", retry_after=0.5, times=5, chat_id=42)
    sender = run_sender(db, TelegramTransport(telegram), clock)

    async def settled() -> bool:
        clock.advance(timedelta(seconds=1))
        sender.wake()
        states = await _states(db)
        return all(state not in ("pending", "sending") for state, _, _ in states.values())

    await _until(settled)
    copies = [c.chat_id for c in api.sent_messages()]
    assert copies.count(41) == 2, "the answer was lost once: one retry, one duplicate"
    assert copies.count(42) == 2, "lost twice: not retried again, at most one duplicate"
    states = await _states(db)
    assert states[1][:2] == ("sent", 2)
    assert states[2][0] == "failed" and states[2][1] == 2
    assert "may have been delivered" in (states[2][2] or "")


class ScriptedTransport:
    """Answers each delivery as `answer(message, n)` says: an exception to raise, or None to
    deliver (n counts this chat's attempts)."""

    def __init__(self, answer: Callable[[QueuedMessage, int], Exception | None]) -> None:
        self._answer = answer
        self.tries: dict[int, int] = {}
        self.delivered: list[int] = []

    async def deliver(self, message: QueuedMessage) -> int:
        n = self.tries[message.chat_id] = self.tries.get(message.chat_id, 0) + 1
        error = self._answer(message, n)
        if error is not None:
            raise error
        self.delivered.append(message.chat_id)
        return len(self.delivered)


async def _drive(sender: OutboxSender, clock: ManualClock, done: Callable[[], Awaitable[bool]]):
    async def step() -> bool:
        clock.advance(timedelta(seconds=5))
        sender.wake()
        return await done()

    await _until(step)


async def test_item3_a_probe_that_gets_no_answer_is_followed_by_another(
    db: Database, clock: ManualClock, run_sender
) -> None:
    calls: list[int] = []

    def answer(message: QueuedMessage, n: int) -> Exception | None:
        calls.append(message.chat_id)
        if len(calls) == 1:
            return ServiceDown("Unauthorized")
        if len(calls) == 2:
            return Transient("connection reset")  # the probe: no answer either way
        return None

    transport = ScriptedTransport(answer)
    await _enqueue(db, clock, [_message(chat, f"reminder {chat}") for chat in (41, 42, 43)])
    config = FAST.model_copy(update={"in_flight": 1, "retry_base_seconds": 10.0})
    sender = run_sender(db, transport, clock, config)

    async def all_sent() -> bool:
        states = await _states(db)
        return [states[row][0] for row in (1, 2, 3)] == ["sent"] * 3

    await _drive(sender, clock, all_sent)
    assert sorted(transport.delivered) == [41, 42, 43]
    assert calls[:3] == [41, 42, 41], "refused, a probe lost on the network, another probe"


async def test_item3_a_row_refused_on_its_own_does_not_hold_up_the_others(
    db: Database, clock: ManualClock, services: Services, run_sender
) -> None:
    await services.accounts.seen(ADMIN_ID, "en")

    def answer(message: QueuedMessage, n: int) -> Exception | None:
        # Chat 51's message draws a status PTB reports like an outage (413, say), every time.
        return ServiceDown("Request Entity Too Large") if message.chat_id == 51 else None

    transport = ScriptedTransport(answer)
    await _enqueue(db, clock, [_message(chat, f"notice {chat}") for chat in (51, 52, 53)])
    config = FAST.model_copy(update={"in_flight": 1, "retry_base_seconds": 10.0})
    sender = run_sender(db, transport, clock, config)

    async def settled() -> bool:
        states = await _states(db)
        return [states[row][0] for row in (1, 2, 3)] == ["failed", "sent", "sent"]

    await _drive(sender, clock, settled)
    states = await _states(db)
    assert "refused by the Bot API twice" in (states[1][2] or "")
    assert transport.tries[51] == 2, "refused twice, then given up, not probed for ever"
    notices = [row for row, (_, _, _) in states.items() if row > 3]
    assert len(notices) <= 1, "the admins were told at most once that sending resumed"

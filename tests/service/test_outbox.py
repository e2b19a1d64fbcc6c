"""The outbox and its sender against a real SQLite file, with a scripted transport."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.clock import SystemClock
from bot.config import SendingConfig
from bot.outbox.errors import ChatMoved, DeliveryError, Rejected, RetryLater, Transient, Unreachable
from bot.outbox.models import OutgoingMessage, Priority, QueuedMessage
from bot.outbox.scheduler import SendScheduler
from bot.outbox.sender import OutboxSender
from bot.services import Services
from storage import outbox
from storage.db import Database

# Delivery, not pacing, is tested here (the scheduler's tests pace): a chat's queued messages
# go 1/s, and a row waiting for its chat's turn keeps its place among the 4 in flight.
CONFIG = SendingConfig(in_flight=4, max_attempts=3, retry_base_seconds=0.01, private_per_second=100)


class ScriptedTransport:
    """Answers each chat's deliveries from a script of errors, then succeeds."""

    def __init__(self, script: dict[int, list[DeliveryError]] | None = None) -> None:
        self.script = script or {}
        self.delivered: list[tuple[int, str]] = []
        self.attempts: list[int] = []
        self.in_flight: dict[int, int] = {}
        self.max_in_flight_per_chat = 0

    async def deliver(self, message: QueuedMessage) -> int:
        self.attempts.append(message.chat_id)
        self.in_flight[message.chat_id] = self.in_flight.get(message.chat_id, 0) + 1
        self.max_in_flight_per_chat = max(
            self.max_in_flight_per_chat, self.in_flight[message.chat_id]
        )
        try:
            await asyncio.sleep(0)
            errors = self.script.get(message.chat_id, [])
            if errors:
                raise errors.pop(0)
            self.delivered.append((message.chat_id, message.text))
            return len(self.delivered)
        finally:
            self.in_flight[message.chat_id] -= 1


async def _states(db: Database) -> dict[int, tuple[str, int, str | None]]:
    async with db.reader.execute(
        "SELECT id, state, attempts, last_error FROM outbox ORDER BY id"
    ) as cursor:
        return {row[0]: (row[1], row[2], row[3]) for row in await cursor.fetchall()}


async def _enqueue(db: Database, messages: list[OutgoingMessage]) -> None:
    async with db.transaction() as tx:
        await outbox.enqueue(tx, messages, SystemClock().now())


@pytest.fixture
async def run_sender(db: Database, services: Services) -> AsyncIterator:
    senders: list[OutboxSender] = []

    async def start(transport: ScriptedTransport) -> OutboxSender:
        sender = OutboxSender(
            db,
            transport,
            SendScheduler(CONFIG),
            SystemClock(),
            CONFIG,
            on_unreachable=services.chat_unreachable,
            on_moved=services.groups.moved,
        )
        sender.start()
        senders.append(sender)
        return sender

    yield start
    for sender in senders:
        await sender.stop()


async def _until_settled(
    db: Database, timeout: float = 10
) -> dict[int, tuple[str, int, str | None]]:
    async with asyncio.timeout(timeout):
        while True:
            states = await _states(db)
            if all(state not in ("pending", "sending") for state, _, _ in states.values()):
                return states
            await asyncio.sleep(0.01)


def _message(
    chat_id: int, text: str = "hi", priority: Priority = Priority.NOTICE
) -> OutgoingMessage:
    return OutgoingMessage(chat_id, "test", text, priority)


async def test_claims_take_one_row_per_chat_most_urgent_first(db: Database) -> None:
    await _enqueue(
        db,
        [
            _message(1, "a", Priority.BROADCAST),
            _message(1, "b", Priority.URGENT),
            _message(2, "c", Priority.REMINDER),
            _message(3, "d", Priority.DIGEST),
        ],
    )
    async with db.transaction() as tx:
        first = await outbox.claim(tx, SystemClock().now(), 10)
    assert [(m.chat_id, m.text) for m in first] == [(1, "b"), (2, "c"), (3, "d")]
    async with db.transaction() as tx:
        assert await outbox.claim(tx, SystemClock().now(), 10) == [], "chat 1 has a row in flight"
        assert await outbox.release_in_flight(tx, SystemClock().now()) == 3


async def test_every_row_is_delivered_once_and_recorded(db: Database, run_sender) -> None:
    transport = ScriptedTransport()
    await _enqueue(db, [_message(chat, f"m{chat}-{n}") for chat in range(1, 21) for n in range(3)])
    await run_sender(transport)
    states = await _until_settled(db)
    assert {state for state, _, _ in states.values()} == {"sent"}
    assert sorted(transport.delivered) == sorted(
        (chat, f"m{chat}-{n}") for chat in range(1, 21) for n in range(3)
    )
    assert transport.max_in_flight_per_chat == 1
    per_chat = [text for chat, text in transport.delivered if chat == 7]
    assert per_chat == ["m7-0", "m7-1", "m7-2"], "one chat's messages keep their order"


async def test_a_throttled_chat_is_retried_after_the_pause_in_order(
    db: Database, run_sender
) -> None:
    transport = ScriptedTransport({5: [RetryLater(0.05)]})
    await _enqueue(db, [_message(5, "first"), _message(5, "second"), _message(6, "other")])
    await run_sender(transport)
    states = await _until_settled(db)
    assert [s for s, _, _ in states.values()] == ["sent", "sent", "sent"]
    assert [text for chat, text in transport.delivered if chat == 5] == ["first", "second"]
    assert states[1][1] == 2, "the throttled row was attempted twice"


async def test_a_blocked_person_ends_blocked_with_their_other_rows_and_is_marked(
    db: Database, services: Services, run_sender
) -> None:
    await services.accounts.seen(8, "zh")
    transport = ScriptedTransport({8: [Unreachable("Forbidden: bot was blocked by the user")]})
    await _enqueue(db, [_message(8, "a"), _message(8, "b"), _message(9, "c")])
    await run_sender(transport)
    states = await _until_settled(db)
    assert [s for s, _, _ in states.values()] == ["blocked", "blocked", "sent"]
    assert states[1][2] == "Forbidden: bot was blocked by the user"
    assert transport.attempts.count(8) == 1, "no request for the rows after the refusal"
    account = await services.accounts.seen(8, "zh")
    assert not account.unreachable, "writing to the bot again makes them reachable"


async def test_network_errors_are_retried_then_fail_with_the_reason(
    db: Database, run_sender
) -> None:
    transport = ScriptedTransport({3: [Transient("timed out")] * 5, 4: [Transient("reset")]})
    await _enqueue(db, [_message(3), _message(4)])
    await run_sender(transport)
    states = await _until_settled(db)
    assert states[1] == ("failed", 3, "timed out")
    assert states[2] == ("sent", 2, None)


async def test_a_rejected_message_fails_at_once(db: Database, run_sender) -> None:
    transport = ScriptedTransport({3: [Rejected("Bad Request: chat not found")]})
    await _enqueue(db, [_message(3)])
    await run_sender(transport)
    assert (await _until_settled(db))[1] == ("failed", 1, "Bad Request: chat not found")


async def test_a_moved_group_gets_the_message_at_its_new_id(db: Database, run_sender) -> None:
    transport = ScriptedTransport({-100: [ChatMoved(-100200)]})
    await _enqueue(db, [_message(-100, "hello group")])
    await run_sender(transport)
    await _until_settled(db)
    assert transport.delivered == [(-100200, "hello group")]


async def test_rows_left_in_flight_by_a_crash_are_sent_after_restart(
    db: Database, run_sender
) -> None:
    await _enqueue(db, [_message(1), _message(2)])
    async with db.transaction() as tx:
        claimed = await outbox.claim(tx, SystemClock().now(), 10)
    assert len(claimed) == 2
    transport = ScriptedTransport()
    await run_sender(transport)
    states = await _until_settled(db)
    assert [s for s, _, _ in states.values()] == ["sent", "sent"]


async def test_postponed_rows_wait_for_their_time(db: Database, run_sender) -> None:
    await _enqueue(db, [_message(1)])
    later = SystemClock().now() + timedelta(seconds=0.2)
    async with db.transaction() as tx:
        await outbox.postpone_chat(tx, 1, later, SystemClock().now())
    transport = ScriptedTransport()
    await run_sender(transport)
    await _until_settled(db)
    assert transport.delivered == [(1, "hi")]


async def test_known_unreachable_recipients_are_recorded_without_a_request(
    db: Database, run_sender
) -> None:
    await _enqueue(db, [OutgoingMessage(1, "test", "x", blocked=True), _message(2)])
    transport = ScriptedTransport()
    await run_sender(transport)
    states = await _until_settled(db)
    assert states[1] == ("blocked", 0, "recipient unreachable")
    assert transport.attempts == [2]


async def test_an_outbox_row_over_telegrams_limit_cannot_be_stored(db: Database) -> None:
    import aiosqlite

    with pytest.raises(aiosqlite.IntegrityError):
        await _enqueue(db, [_message(1, "x" * 4097)])
    assert await _states(db) == {}

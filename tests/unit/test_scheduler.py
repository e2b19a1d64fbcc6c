"""The send scheduler's overall limits: free and paid broadcasts each keep their own ceiling,
and a request holds its place until its answer. The clock is frozen: nothing waits for time."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

from bot.config import SendingConfig
from bot.outbox.models import Priority
from bot.outbox.scheduler import INTERACTIVE, SendScheduler
from bot.outbox.sender import OUTBOX_PRIORITY_BASE
from telegram_adapter.transport import SchedulingRateLimiter

BROADCAST = 17


async def test_item12_paid_messages_do_not_wait_for_the_free_ceiling_nor_it_for_them() -> None:
    scheduler = SendScheduler(SendingConfig(global_per_second=2), clock=lambda: 100.0)
    first = await scheduler.admit(1, INTERACTIVE)
    await scheduler.admit(2, INTERACTIVE)
    third = asyncio.create_task(scheduler.admit(3, INTERACTIVE))
    await asyncio.sleep(0)
    assert not third.done(), "the free ceiling (2/s) is reached"
    paid = [await scheduler.admit(10 + n, BROADCAST, paid=True) for n in range(2)]
    assert len(paid) == 2, "paid broadcast messages go beside it"
    first.close()
    await asyncio.sleep(0)
    assert not third.done(), "an answer frees its place only a second after it"
    third.cancel()
    await asyncio.gather(third, return_exceptions=True)


# Issue 12, item 12: replies to a person's own action may use a burst of 5 before the per-chat
# pace (about 1/s: 1.05 s between admissions, see MARGIN); queued notices and broadcasts to the
# same chat keep that pace without a burst. Time moves only when the test moves it; requests
# come 1/30 s apart, as the overall even pace lets them, and a request to another chat makes
# the scheduler look again.
CHAT = 7
PACE = 1.05
STEP = 1 / 30
T = TypeVar("T")
NOTICE = OUTBOX_PRIORITY_BASE + Priority.NOTICE
BROADCAST_ROW = OUTBOX_PRIORITY_BASE + Priority.BROADCAST


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def _look_again(scheduler: SendScheduler) -> None:
    (await _at_once(scheduler.admit(CHAT + 1))).close()
    await asyncio.sleep(0)


async def _at_once(request: Coroutine[Any, Any, T]) -> T:
    """The request's result, which must come without waiting for time to pass."""
    task = asyncio.ensure_future(request)
    await asyncio.sleep(0)
    if not task.done():
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        raise AssertionError("the request had to wait for time to pass")
    return task.result()


async def test_item12_five_replies_go_at_once_and_a_sixth_at_the_chat_pace() -> None:
    clock = _Clock()
    scheduler = SendScheduler(SendingConfig(), clock=clock)
    limiter = SchedulingRateLimiter(scheduler)
    sent: list[float] = []

    async def send_message() -> bool:
        sent.append(clock.now)
        return True

    def reply() -> Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]:
        # A reply, as python-telegram-bot hands it to the rate limiter: no rate_limit_args.
        return limiter.process_request(send_message, (), {}, "sendMessage", {"chat_id": CHAT}, None)

    asked = []
    for _ in range(5):
        asked.append(clock.now)
        await _at_once(reply())
        clock.now += STEP
    assert sent == asked, "a burst of 5 replies is not paced"
    sixth = asyncio.create_task(reply())
    await asyncio.sleep(0)
    assert not sixth.done(), "the sixth waits for the chat's pace"
    clock.now = 100.0 + PACE / 2
    await _look_again(scheduler)
    assert not sixth.done()
    clock.now = 100.0 + PACE
    await _look_again(scheduler)
    await sixth
    assert sent[-1] == 100.0 + PACE


async def test_item12_notices_and_broadcasts_to_one_chat_keep_one_a_second() -> None:
    clock = _Clock()
    scheduler = SendScheduler(SendingConfig(), clock=clock)
    (await _at_once(scheduler.admit(CHAT, NOTICE))).close()
    for n, priority in enumerate((BROADCAST_ROW, NOTICE), start=1):
        queued = asyncio.create_task(scheduler.admit(CHAT, priority))
        await asyncio.sleep(0)
        assert not queued.done(), "no burst for queued messages"
        clock.now = 100.0 + (n - 0.5) * PACE
        await _look_again(scheduler)
        assert not queued.done(), "half a second is too soon"
        clock.now = 100.0 + n * PACE
        await _look_again(scheduler)
        assert queued.done(), "a second after the one before, it goes"
        queued.result().close()


async def test_item12_every_message_counts_against_the_chat_burst() -> None:
    """A notice takes its place in the chat's burst: the chat never gets more than 5 at
    once, whatever mix of replies and notices."""
    clock = _Clock()
    scheduler = SendScheduler(SendingConfig(), clock=clock)
    (await _at_once(scheduler.admit(CHAT, NOTICE))).close()
    for _ in range(4):
        clock.now += STEP
        (await _at_once(scheduler.admit(CHAT, INTERACTIVE))).close()
    reply = asyncio.create_task(scheduler.admit(CHAT, INTERACTIVE))
    await asyncio.sleep(0)
    assert not reply.done()
    clock.now = 100.0 + PACE
    await _look_again(scheduler)
    assert reply.done()
    reply.result().close()

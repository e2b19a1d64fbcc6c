"""The send scheduler's overall limits: free and paid broadcasts each keep their own ceiling,
and a request holds its place until its answer. The clock is frozen: nothing waits for time."""

from __future__ import annotations

import asyncio

from bot.config import SendingConfig
from bot.outbox.scheduler import INTERACTIVE, SendScheduler

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

"""The update processor: one chat strictly in order, different chats at the same time."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from telegram import Chat, Message, Update

from telegram_adapter.processing import ChatOrderedUpdateProcessor, chat_key


def _update(update_id: int, chat_id: int) -> Update:
    chat = Chat(chat_id, Chat.PRIVATE)
    return Update(update_id, message=Message(update_id, datetime.now(UTC), chat, text="x"))


async def test_one_chats_updates_run_in_arrival_order_one_at_a_time() -> None:
    processor = ChatOrderedUpdateProcessor(max_running=8)
    log: list[tuple[str, int]] = []

    async def handle(n: int) -> None:
        log.append(("start", n))
        await asyncio.sleep(0.001 * (5 - n % 5))
        log.append(("end", n))

    await asyncio.gather(*(processor.process_update(_update(n, 1), handle(n)) for n in range(20)))
    assert log == [(kind, n) for n in range(20) for kind in ("start", "end")]


async def test_different_chats_run_concurrently_up_to_the_limit() -> None:
    processor = ChatOrderedUpdateProcessor(max_running=3)
    running = 0
    peak = 0
    release = asyncio.Event()
    saturated = asyncio.Event()

    async def handle() -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        if running == 3:
            saturated.set()
        await release.wait()
        running -= 1

    tasks = [
        asyncio.create_task(processor.process_update(_update(n, 100 + n), handle()))
        for n in range(6)
    ]
    await asyncio.wait_for(saturated.wait(), timeout=5)
    for _ in range(10):
        await asyncio.sleep(0)
    release.set()
    await asyncio.gather(*tasks)
    assert peak == 3


async def test_a_busy_chat_does_not_hold_back_another_chat() -> None:
    processor = ChatOrderedUpdateProcessor(max_running=2)
    done: list[int] = []
    slow_gate = asyncio.Event()

    async def slow(n: int) -> None:
        await slow_gate.wait()
        done.append(n)

    async def fast() -> None:
        done.append(-1)

    queued = [
        asyncio.create_task(processor.process_update(_update(n, 1), slow(n))) for n in range(50)
    ]
    await processor.process_update(_update(99, 2), fast())
    assert done == [-1], "chat 2 ran while 50 updates of chat 1 were waiting"
    slow_gate.set()
    await asyncio.gather(*queued)
    assert done[1:] == list(range(50))
    # Memory only (no behaviour shows whether a chat's lock is kept): the tables are the effect.
    assert processor._chat_locks == {} and processor._waiting == {}


def test_updates_are_keyed_by_chat() -> None:
    assert chat_key(_update(1, 42)) == 42
    assert chat_key(object()) is None

"""One person's messages are handled in arrival order; different people's concurrently."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable


class PerPersonOrder:
    """Runs jobs FIFO per openid, at most `max_running` at once over everyone."""

    def __init__(self, max_running: int) -> None:
        self._running = asyncio.Semaphore(max_running)
        self._locks: dict[str, asyncio.Lock] = {}
        self._waiting: dict[str, int] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def submit(self, openid: str, job: Callable[[], Awaitable[None]]) -> None:
        # Taken here, synchronously, so that jobs queue in the order they were submitted.
        lock = self._locks.setdefault(openid, asyncio.Lock())
        self._waiting[openid] = self._waiting.get(openid, 0) + 1
        task = asyncio.create_task(self._run(openid, lock, job), name=f"wechat-{openid[-6:]}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(
        self, openid: str, lock: asyncio.Lock, job: Callable[[], Awaitable[None]]
    ) -> None:
        try:
            async with lock, self._running:
                await job()
        finally:
            self._waiting[openid] -= 1
            if self._waiting[openid] == 0:
                del self._waiting[openid]
                del self._locks[openid]

    async def settled(self) -> None:
        """Return once every job submitted so far (and any they queued behind) has ended."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))

    async def close(self, grace: float) -> None:
        """Let running jobs finish for up to `grace` seconds, then cancel the rest."""
        if not self._tasks:
            return
        _, late = await asyncio.wait(set(self._tasks), timeout=grace)
        for task in late:
            task.cancel()
        for task in late:
            with contextlib.suppress(asyncio.CancelledError):
                await task

"""Updates of one chat are handled in arrival order; different chats run concurrently."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# PTB's own semaphore is taken before our per-chat wait; it only bounds memory here, so a
# person with many queued updates never holds slots that other chats need.
_QUEUE_BOUND = 100_000


def chat_key(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None


class ChatOrderedUpdateProcessor(BaseUpdateProcessor):
    """Serialises updates per chat (FIFO) and runs at most `max_running` handlers at once."""

    def __init__(self, max_running: int) -> None:
        super().__init__(_QUEUE_BOUND)
        self._running = asyncio.Semaphore(max_running)
        self._chat_locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = chat_key(update)
        if key is None:
            async with self._running:
                await coroutine
            return
        lock = self._chat_locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock, self._running:
                await coroutine
        finally:
            self._waiting[key] -= 1
            if self._waiting[key] == 0:
                del self._waiting[key]
                del self._chat_locks[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

"""Group commit: requests that arrive while a write transaction is running wait for the next
one, which takes all of them. One BEGIN IMMEDIATE and one fsync serve a whole burst (a storm
of sign-ups), while each request is still its own statement, checked by the same triggers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import aiosqlite

log = logging.getLogger(__name__)

Request = TypeVar("Request")
Result = TypeVar("Result")


@dataclass
class _Waiting(Generic[Request, Result]):
    request: Request
    future: asyncio.Future[Result] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class GroupCommit(Generic[Request, Result]):
    """Runs `step` for each submitted request inside a transaction shared with the requests
    waiting beside it. If the transaction fails, each request of that group gets the error (and
    nothing of the group is written)."""

    def __init__(
        self,
        transaction: Callable[[], AbstractAsyncContextManager[aiosqlite.Connection]],
        step: Callable[[aiosqlite.Connection, Request], Awaitable[Result]],
        largest: int = 500,
    ) -> None:
        self._transaction = transaction
        self._step = step
        self._largest = largest
        self._waiting: list[_Waiting[Request, Result]] = []
        self._drainer: asyncio.Task[None] | None = None

    async def submit(self, request: Request) -> Result:
        waiting: _Waiting[Request, Result] = _Waiting(request)
        self._waiting.append(waiting)
        if self._drainer is None or self._drainer.done():
            self._drainer = asyncio.create_task(self._drain())
        # The drainer finishes the group even if this caller is cancelled meanwhile.
        return await asyncio.shield(waiting.future)

    async def _drain(self) -> None:
        while self._waiting:
            group, self._waiting = self._waiting[: self._largest], self._waiting[self._largest :]
            results: list[Result] = []
            try:
                async with self._transaction() as tx:
                    for waiting in group:
                        results.append(await self._step(tx, waiting.request))
            except BaseException as error:
                for waiting in group:
                    if not waiting.future.done():
                        waiting.future.set_exception(error)
                if not isinstance(error, Exception):
                    raise
                log.warning("a group of %d writes failed: %s", len(group), error)
                continue
            for waiting, result in zip(group, results, strict=True):
                if not waiting.future.done():
                    waiting.future.set_result(result)

"""What the file imports share (`volunteer-bot import-volunteers`, `import-households`): every
row is checked before anything is written, so a file with any wrong row imports nothing; then
the rows go in a chunk at a time, one short write transaction each with a pause between, so
the running bot's writers are never locked out for long. Only the database itself (a full
disk) can stop an import half way; the chunks written stay, and running it again completes it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import aiosqlite

from bot.domain.errors import DomainError
from storage.db import Database

T = TypeVar("T")

IMPORT_CHUNK = 500  # rows per write transaction
# Between chunks the lock is let go this long: longer than the longest sleep (100 ms) of
# SQLite's busy handler, so a writer of the running bot, waiting in another process, retries
# within the gap and gets its turn.
IMPORT_PAUSE_SECONDS = 0.1


@dataclass(frozen=True)
class ImportReport:
    created: int
    existing: int  # rows already known (left as they are, or completed)
    errors: tuple[tuple[int, DomainError], ...]  # (line, why); when any, nothing was imported
    longest_hold: float = 0.0  # seconds: the longest one chunk held the write lock


async def write_in_chunks(
    db: Database,
    rows: Sequence[T],
    write: Callable[[aiosqlite.Connection, Sequence[T]], Awaitable[int]],
    *,
    chunk: int = IMPORT_CHUNK,
    pause: float = IMPORT_PAUSE_SECONDS,
    monotonic: Callable[[], float] = time.monotonic,
) -> tuple[int, float]:
    """`write` each `chunk` of the checked rows in a transaction of its own, pausing between;
    how many rows were new (what `write` returns, summed) and the longest a chunk held the
    lock, in seconds."""
    created, longest = 0, 0.0
    for first in range(0, len(rows), chunk):
        if first:
            await asyncio.sleep(pause)
        began = monotonic()
        async with db.transaction() as tx:
            created += await write(tx, rows[first : first + chunk])
        longest = max(longest, monotonic() - began)
    return created, longest

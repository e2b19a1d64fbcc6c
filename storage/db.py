"""The SQLite database: connections, pragmas, migrations and write transactions.

One connection writes (every write transaction starts with BEGIN IMMEDIATE and holds an
asyncio lock, so coroutines never interleave inside a transaction); a second connection reads,
so a reader never sees another coroutine's uncommitted writes.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractContextManager, asynccontextmanager, contextmanager
from importlib import resources
from pathlib import Path

import aiosqlite

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{3})-[\w-]+\.sql$")


class DatabaseTooNewError(Exception):
    """The database was migrated by a newer version of the bot than this one."""


def migrations() -> list[tuple[int, str, str]]:
    """The numbered migrations shipped with the code, as (number, name, sql), in order."""
    found = []
    for entry in resources.files("storage").joinpath("migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    numbers = [number for number, _, _ in found]
    if numbers != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations must be numbered 001, 002, ... without gaps: {numbers}")
    return found


async def _connect(path: Path, busy_timeout_ms: int) -> aiosqlite.Connection:
    conn = await aiosqlite.connect(path, isolation_level=None)
    conn.row_factory = aiosqlite.Row
    await conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    await conn.execute("PRAGMA journal_mode = WAL")
    await conn.execute("PRAGMA synchronous = FULL")
    await conn.execute("PRAGMA foreign_keys = ON")
    # Deleted or overwritten content is zeroed on the pages being written anyway (FAST costs no
    # extra I/O): erased personal data does not linger in the file's free space.
    await conn.execute("PRAGMA secure_delete = FAST")
    return conn


class Database:
    """Owns the writer and reader connections of one SQLite file."""

    def __init__(
        self,
        writer: aiosqlite.Connection,
        reader: aiosqlite.Connection,
        path: Path | None = None,
        busy_timeout_ms: int = 5000,
    ) -> None:
        self._writer = writer
        self._reader = reader
        self._write_lock = asyncio.Lock()
        self.commits = 0  # write transactions committed since opening (each one fsync)
        self.path = path
        self.busy_timeout_ms = busy_timeout_ms

    @classmethod
    async def open(cls, path: Path, busy_timeout_ms: int = 5000) -> Database:
        """Open (creating if needed) the database and apply pending migrations."""
        path.parent.mkdir(parents=True, exist_ok=True)
        writer = await _connect(path, busy_timeout_ms)
        try:
            await migrate(writer)
            reader = await _connect(path, busy_timeout_ms)
        except BaseException:
            await writer.close()
            raise
        return cls(writer, reader, path, busy_timeout_ms)

    async def close(self) -> None:
        """Close both connections (their threads are non-daemon and would hang the process)."""
        async with self._write_lock:
            await self._writer.close()
        await self._reader.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction: BEGIN IMMEDIATE, COMMIT on success, ROLLBACK on error."""
        async with self._write_lock:
            await self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield self._writer
            except BaseException:
                await self._writer.execute("ROLLBACK")
                raise
            try:
                await self._writer.execute("COMMIT")
            except BaseException:
                # A failed COMMIT (locked, disk full) may leave the transaction open, and every
                # later BEGIN would fail with it.
                if self._writer.in_transaction:
                    await self._writer.execute("ROLLBACK")
                raise
            self.commits += 1

    async def checkpoint(self) -> None:
        """Copy the write-ahead log into the database and empty it, so that what a committed
        erasure overwrote survives in neither file (best effort: a reader in the middle of a
        read keeps its frames until the next checkpoint)."""
        async with self._write_lock:
            await self._writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    @property
    def reader(self) -> aiosqlite.Connection:
        """The connection for reads outside a transaction (each statement sees committed data)."""
        return self._reader

    def long_read(self) -> AbstractContextManager[sqlite3.Connection]:
        """A connection of its own for one long read (an export), to use in a worker thread."""
        assert self.path is not None, "opened with Database.open"
        return read_connection(self.path, self.busy_timeout_ms)


@contextmanager
def read_connection(path: Path, busy_timeout_ms: int = 5000) -> Iterator[sqlite3.Connection]:
    """A short-lived, query-only connection (blocking; for a worker thread). A read that runs
    for seconds holds its snapshot of the database that long: on the shared reader it would
    make every other read see the database as it was when the long one began."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        conn.execute("PRAGMA query_only = ON")
        yield conn
    finally:
        conn.close()


async def schema_version(conn: aiosqlite.Connection) -> int:
    async with conn.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def migrate(conn: aiosqlite.Connection) -> list[str]:
    """Apply every migration newer than the database, each in its own transaction."""
    available = migrations()
    current = await schema_version(conn)
    if current > len(available):
        raise DatabaseTooNewError(
            f"the database is at schema version {current}, but this bot only knows "
            f"{len(available)}; upgrade the bot instead of opening it with an older one"
        )
    applied = []
    for number, name, sql in available[current:]:
        script = f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;"
        try:
            await conn.executescript(script)
        except BaseException:
            if conn.in_transaction:
                await conn.execute("ROLLBACK")
            raise
        log.info("applied migration %s", name)
        applied.append(name)
    return applied


async def migrate_file(path: Path, busy_timeout_ms: int = 5000) -> list[str]:
    """Apply pending migrations to the database file and close it; the names applied."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = await _connect(path, busy_timeout_ms)
    try:
        return await migrate(conn)
    finally:
        await conn.close()

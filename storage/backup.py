"""The database as a file: online copies, checks of a copy, putting a copy in place, the lock
a running bot holds, and the figures `volunteer-bot doctor` prints. Blocking (plain sqlite3
and file calls): run them in a worker thread from async code."""

from __future__ import annotations

import fcntl
import os
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from storage.db import read_connection

# The tables that grow with use; doctor counts their rows.
BIG_TABLES = (
    "volunteers",
    "activities",
    "signups",
    "checkins",
    "service_records",
    "record_audit",
    "reminders",
    "outbox",
    "broadcasts",
)


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


class AlreadyRunning(Exception):
    """Another bot runs on this database."""

    def __init__(self, database: Path, pid: int | None) -> None:
        super().__init__(
            f"another bot (process {pid or 'unknown'}) is running on {database}; stop it first"
        )


class RunLock:
    """An exclusive lock on `<database>.lock`, held by a running bot (and by a restore while
    it works). The operating system lets it go when the process ends, however it ends, so
    a bot killed with -9 leaves no stale lock; the file keeps the holder's process id."""

    def __init__(self, handle: int) -> None:
        self._handle = handle

    @classmethod
    def take(cls, database: Path) -> RunLock | None:
        """The lock, or None when another process (or another part of this one) holds it."""
        database.parent.mkdir(parents=True, exist_ok=True)
        handle = os.open(lock_path(database), os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(handle)
            return None
        os.ftruncate(handle, 0)
        os.write(handle, f"{os.getpid()}\n".encode())
        return cls(handle)

    def release(self) -> None:
        if self._handle >= 0:
            os.ftruncate(self._handle, 0)
            os.close(self._handle)  # closing lets the lock go
            self._handle = -1

    def __enter__(self) -> RunLock:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.release()


def lock_holder(database: Path) -> int | None:
    """The process id of the bot running on this database, if one is (0: id unknown)."""
    if not database.parent.exists():
        return None
    lock = RunLock.take(database)
    if lock is not None:
        lock.release()
        return None
    try:
        text = lock_path(database).read_text(encoding="ascii").strip()
    except OSError:
        return 0
    return int(text) if text.isdigit() else 0


def _fsync(path: Path) -> None:
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def copy_online(database: Path, out: Path, busy_timeout_ms: int = 5000) -> None:
    """A consistent copy of the database as it is at one moment, made while the bot writes
    (`VACUUM INTO` reads one snapshot; writers are not blocked, the copy holds no free pages
    and so nothing erased). Written beside `out` and renamed, so `out` is whole or absent."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        # Not query_only: SQLite counts VACUUM INTO as a write, though it changes only `out`.
        conn = sqlite3.connect(database, isolation_level=None)
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            conn.execute("VACUUM INTO ?", (str(partial),))
        finally:
            conn.close()
        _fsync(partial)
        os.replace(partial, out)
        _fsync(out.parent)
    finally:
        partial.unlink(missing_ok=True)


@dataclass(frozen=True)
class FileCheck:
    integrity: str  # "ok", or what PRAGMA integrity_check found
    version: int  # PRAGMA user_version: the migrations applied


def check_file(path: Path) -> FileCheck:
    """What `PRAGMA integrity_check` says of a database file, and its migration number."""
    try:
        with read_connection(path) as conn:
            problems = [str(row[0]) for row in conn.execute("PRAGMA integrity_check")]
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    except sqlite3.DatabaseError as error:
        return FileCheck(str(error), 0)
    return FileCheck("; ".join(problems[:5]), version)


def stage(source: Path, database: Path) -> Path:
    """A copy of `source` beside the database, to check and then put in place."""
    database.parent.mkdir(parents=True, exist_ok=True)
    staged = database.with_name(database.name + ".restoring")
    shutil.copyfile(source, staged)
    _fsync(staged)
    return staged


def put_in_place(staged: Path, database: Path, aside: str) -> Path | None:
    """Replace the database with the staged copy. The database it replaces (with its
    write-ahead log, which may hold committed rows) is kept as `<database>.<aside>`, whose
    path is returned; a stale log must never be applied to the restored file."""
    kept = None
    if database.exists():
        kept = database.with_name(f"{database.name}.{aside}")
        os.replace(database, kept)
    for suffix in ("-wal", "-shm"):
        companion = database.with_name(database.name + suffix)
        if companion.exists():
            if kept is not None:
                os.replace(companion, kept.with_name(kept.name + suffix))
            else:
                companion.unlink()
    os.replace(staged, database)
    _fsync(database.parent)
    return kept


@dataclass(frozen=True)
class Health:
    size_bytes: int  # the database file and its write-ahead log
    wal_bytes: int
    version: int
    rows: dict[str, int]
    outbox: dict[str, int]  # state -> rows
    oldest_pending: tuple[int, str, str, str] | None  # id, kind, created_at, not_before


def health(database: Path) -> Health:
    """The figures the person on call looks at first."""
    wal = database.with_name(database.name + "-wal")
    wal_bytes = wal.stat().st_size if wal.exists() else 0
    with read_connection(database) as conn:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        present = {
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        rows = {
            table: int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
            for table in BIG_TABLES
            if table in present
        }
        outbox: dict[str, int] = {}
        oldest = None
        if "outbox" in present:
            outbox = {
                row[0]: int(row[1])
                for row in conn.execute(
                    "SELECT state, COUNT(*) FROM outbox GROUP BY state ORDER BY state"
                )
            }
            row = conn.execute(
                "SELECT id, kind, created_at, not_before FROM outbox WHERE state = 'pending'"
                " ORDER BY id LIMIT 1"
            ).fetchone()
            oldest = (int(row[0]), row[1], row[2], row[3]) if row else None
    return Health(database.stat().st_size + wal_bytes, wal_bytes, version, rows, outbox, oldest)

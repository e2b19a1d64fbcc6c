"""Backups: online copies of the database (on demand and nightly, the newest `backup.keep`
kept), and restoring one when no bot is running."""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.config import BackupConfig
from storage import backup
from storage.db import migrations

log = logging.getLogger(__name__)

_NAME = re.compile(r"^volunteer-bot-(\d{8}T\d{6}Z)\.sqlite3$")
_STAMP = "%Y%m%dT%H%M%SZ"


@dataclass(frozen=True)
class BackupFile:
    path: Path
    made_at: datetime
    size: int


class RestoreRefused(Exception):
    """The copy cannot be restored (or not now); the message says why, in plain English."""


@dataclass(frozen=True)
class Restored:
    version: int
    kept: Path | None  # where the database it replaced was put aside


class BackupService:
    def __init__(
        self,
        database: Path,
        busy_timeout_ms: int,
        config: BackupConfig,
        folder: Path,
        clock: Clock,
        zone: ZoneInfo,
    ) -> None:
        self._database = database
        self._busy_timeout_ms = busy_timeout_ms
        self._config = config
        self.folder = folder
        self._clock = clock
        self._zone = zone

    async def copy_to(self, out: Path) -> None:
        """A consistent copy of the database as it is now, while the bot goes on writing."""
        await asyncio.to_thread(backup.copy_online, self._database, out, self._busy_timeout_ms)

    def copies(self) -> list[BackupFile]:
        """The copies in the backup folder, newest first (other files there are left be)."""
        found = []
        if self.folder.is_dir():
            for path in self.folder.iterdir():
                match = _NAME.match(path.name)
                if match:
                    made_at = datetime.strptime(match.group(1), _STAMP).replace(tzinfo=UTC)
                    found.append(BackupFile(path, made_at, path.stat().st_size))
        return sorted(found, key=lambda copy: copy.made_at, reverse=True)

    def last(self) -> BackupFile | None:
        copies = self.copies()
        return copies[0] if copies else None

    async def make(self) -> BackupFile:
        """A copy into the backup folder; then only the newest `keep` copies stay."""
        made_at = self._clock.now().astimezone(UTC).replace(microsecond=0)
        path = self.folder / f"volunteer-bot-{made_at.strftime(_STAMP)}.sqlite3"
        return await asyncio.to_thread(self._make, path, made_at)

    def _make(self, path: Path, made_at: datetime) -> BackupFile:
        backup.copy_online(self._database, path, self._busy_timeout_ms)
        for old in self.copies()[self._config.keep :]:
            old.path.unlink(missing_ok=True)
            log.info("backup %s deleted (backup.keep is %d)", old.path.name, self._config.keep)
        return BackupFile(path, made_at, path.stat().st_size)

    def due(self) -> bool:
        """No copy yet since the last nightly time passed (org time)."""
        now = self._clock.now().astimezone(self._zone)
        slot = datetime.combine(now.date(), self._config.nightly_time, self._zone)
        if now < slot:
            slot -= timedelta(days=1)
        last = self.last()
        return last is None or last.made_at < slot

    async def nightly(self) -> BackupFile | None:
        """The night's copy, once the time has come (after downtime: now)."""
        if not await asyncio.to_thread(self.due):
            return None
        return await self.make()


def restore(database: Path, source: Path, aside: str) -> Restored:
    """Replace the database with the copy `source` (blocking). Refused while a bot runs on
    the database, and for a copy that fails `PRAGMA integrity_check` or was migrated further
    than this code knows. The replaced database is kept, named with `aside`."""
    if not source.is_file():
        raise RestoreRefused(f"{source} is not a file")
    lock = backup.RunLock.take(database)
    if lock is None:
        pid = backup.lock_holder(database)
        raise RestoreRefused(
            f"a bot is running on {database} (process {pid or 'unknown'}); stop it first"
        )
    with lock:
        staged = backup.stage(source, database)
        try:
            check = backup.check_file(staged)
            known = len(migrations())
            if check.integrity != "ok":
                raise RestoreRefused(f"{source} is damaged: {check.integrity}")
            if check.version < 1:
                raise RestoreRefused(f"{source} is not a volunteer-bot database")
            if check.version > known:
                raise RestoreRefused(
                    f"{source} was made by a newer bot (migration {check.version}; this one"
                    f" knows {known}): upgrade the bot first"
                )
            kept = backup.put_in_place(staged, database, aside)
        finally:
            staged.unlink(missing_ok=True)
    return Restored(check.version, kept)

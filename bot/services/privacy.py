"""Erasure (/forget_me) beyond the volunteers row, and retention of messages, broadcast
bodies and generated files. What is kept, under which pseudonymous key and why, is written
down in the README's privacy section."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import aiosqlite

from bot.clock import Clock
from bot.config import RetentionConfig
from bot.domain.models import Volunteer
from bot.domain.validation import mask_phone
from bot.outbox.signal import OutboxSignal
from bot.services.left_behind import LeftBehind
from bot.services.photos import photos_of
from storage import privacy, wishes
from storage.db import Database

log = logging.getLogger(__name__)

# Shorter names or ids would match ordinary words and numbers in other people's messages.
_MIN_NAME = 2
_MIN_ID_DIGITS = 5
# Files the bot writes into the files folder: weekly boards (PNG) and fulfilled-wish walls
# (JPEG; their photos may show the person), named after their team.
_TEAM_CHART = re.compile(r"^(?:wishes-)?week-\d{4}-\d{2}-\d{2}-team-(\d+)\.(?:png|jpg)$")


def names(volunteer: Volunteer) -> list[str]:
    """The person's name, as it may stand in someone else's words."""
    return [volunteer.name] if len(volunteer.name) >= _MIN_NAME else []


def digits(volunteer: Volunteer, telegram_id: int) -> list[str]:
    """How the person's number and Telegram id may be spelled inside a message."""
    found = []
    if volunteer.phone:
        number = volunteer.phone.removeprefix("+86")
        found += [
            volunteer.phone,
            number,
            f"{number[:3]} {number[3:7]} {number[7:]}",
            f"{number[:3]}-{number[3:7]}-{number[7:]}",
            mask_phone(volunteer.phone),
        ]
    if len(str(telegram_id)) >= _MIN_ID_DIGITS:
        found.append(str(telegram_id))
    return found


@dataclass(frozen=True)
class Erasure:
    """What one erasure did; `files` are removed once its transaction has committed."""

    outbox_deleted: int
    outbox_redacted: int
    notes_redacted: int
    broadcasts_redacted: int
    running_broadcasts: tuple[int, ...]
    files: tuple[Path, ...]
    leads_told: int = 0  # of the wishes and households the person leaves behind


@dataclass(frozen=True)
class RetentionReport:
    messages_deleted: int
    broadcasts_redacted: int
    files_deleted: int


class PrivacyService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        config: RetentionConfig,
        files: Path,
        signal: OutboxSignal,
        admins: Sequence[int],
        left_behind: LeftBehind,
    ) -> None:
        self._db = db
        self._admins = frozenset(admins)
        self._left_behind = left_behind
        self._clock = clock
        self._config = config
        self._files = files
        self._signal = signal

    # ------------------------------------------------------------ erasure

    async def erase(
        self, tx: aiosqlite.Connection, volunteer: Volunteer, telegram_id: int, now: datetime
    ) -> Erasure:
        """Inside the /forget_me transaction, before the volunteers row is stripped: every
        row that names or addresses the person is deleted or redacted, and the weekly charts
        that may show their name are detached from unsent messages. Call `finish` after the
        transaction has committed."""
        # Their wish claims and households are released below: their leads are told first.
        told = await self._left_behind.tell(tx, volunteer.id, telegram_id)
        charts = self._charts_of(await privacy.team_ids_of(tx, volunteer.id))
        await privacy.detach_files(tx, [str(path) for path in charts])
        quotes = await privacy.own_texts(tx, volunteer.id)
        done = await privacy.erase(
            tx,
            volunteer.id,
            telegram_id,
            names(volunteer),
            digits(volunteer, telegram_id),
            quotes,
            now,
            keep_actor=telegram_id in self._admins,
        )
        # Their claims go back to the wall (their delivery notes and photos are dropped).
        await wishes.erase_person(tx, volunteer.id, telegram_id, privacy.ERASED_TELEGRAM_ID, now)
        return Erasure(
            done.outbox_deleted,
            done.outbox_redacted,
            done.notes_redacted,
            done.broadcasts_redacted,
            done.running_broadcasts,
            # And the photos they sent that the bot keeps itself (bot/services/photos.py).
            (*charts, *photos_of(self._files, telegram_id)),
            told,
        )

    async def finish(self, erasure: Erasure) -> None:
        """After the erasure committed: the charts go, and the sender drops claimed rows of
        the broadcasts it stopped."""
        await self._db.checkpoint()
        removed = await asyncio.to_thread(_remove, erasure.files)
        for broadcast_id in erasure.running_broadcasts:
            self._signal.broadcast_stopped(broadcast_id)
        if erasure.leads_told:
            self._signal.notify()
        log.info(
            "erasure: %d messages deleted, %d redacted, %d notes, %d broadcasts, %d files",
            erasure.outbox_deleted,
            erasure.outbox_redacted,
            erasure.notes_redacted,
            erasure.broadcasts_redacted,
            removed,
        )

    def _charts_of(self, team_ids: list[int]) -> list[Path]:
        wanted = {str(team_id) for team_id in team_ids}
        if not wanted or not self._files.is_dir():
            return []
        return sorted(
            path
            for path in self._files.iterdir()
            if (match := _TEAM_CHART.match(path.name)) and match.group(1) in wanted
        )

    # ------------------------------------------------------------ retention

    async def apply_retention(self) -> RetentionReport:
        """Finished outbox rows older than `outbox_days` deleted (a broadcast keeps its
        counts), broadcast bodies older than `broadcast_days` blanked, files in the files
        folder older than `files_days` deleted unless an unsent message still carries them."""
        now = self._clock.now()
        async with self._db.transaction() as tx:
            messages = await privacy.delete_finished_messages(
                tx, now - timedelta(days=self._config.outbox_days)
            )
            broadcasts = await privacy.redact_broadcasts(
                tx, now - timedelta(days=self._config.broadcast_days), now
            )
        in_use = await privacy.files_in_use(self._db.reader)
        cutoff = (now - timedelta(days=self._config.files_days)).timestamp()
        files = await asyncio.to_thread(_remove_older, self._files, cutoff, in_use)
        return RetentionReport(messages, broadcasts, files)


def _remove(paths: tuple[Path, ...]) -> int:
    removed = 0
    for path in paths:
        try:
            path.unlink()
            removed += 1
        except FileNotFoundError:
            pass
    return removed


def _remove_older(folder: Path, cutoff: float, in_use: set[str]) -> int:
    if not folder.is_dir():
        return 0
    old = tuple(
        path
        for path in folder.iterdir()
        if path.is_file() and path.stat().st_mtime < cutoff and str(path) not in in_use
    )
    return _remove(old)

"""Reminders: due rows go to the outbox exactly once; after downtime, a reminder whose activity
has started is skipped and logged rather than sent late."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.buttons import SignUpCancel
from bot.clock import Clock
from bot.domain.errors import NotRegistered
from bot.domain.language import resolve_language
from bot.domain.models import Language
from bot.i18n import Catalogs
from bot.outbox.models import Button, OutgoingMessage, Priority
from bot.outbox.signal import OutboxSignal
from storage import accounts, outbox, reminders, volunteers
from storage.db import Database
from storage.rows import from_iso

log = logging.getLogger(__name__)

BATCH = 500


@dataclass(frozen=True)
class DispatchReport:
    queued: int = 0
    skipped: int = 0
    dropped: int = 0


class ReminderService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        catalogs: Catalogs,
        default_language: Language,
        signal: OutboxSignal,
    ) -> None:
        self._db = db
        self._clock = clock
        self._catalogs = catalogs
        self._default = default_language
        self._signal = signal

    async def dispatch_due(self) -> DispatchReport:
        """Move every due reminder to the outbox (or skip it), batch by batch."""
        queued = skipped = dropped = 0
        while True:
            now = self._clock.now()
            async with self._db.transaction() as tx:
                rows = await reminders.due(tx, now, BATCH)
                messages = []
                for row in rows:
                    starts_at = from_iso(row["starts_at"])
                    if row["status"] != "confirmed" or row["activity_state"] != "published":
                        await reminders.settle(tx, row["id"], "dropped", "no longer confirmed", now)
                        dropped += 1
                    elif starts_at <= now:
                        await reminders.settle(tx, row["id"], "skipped", "activity started", now)
                        log.info("reminder %s skipped: its activity had started", row["id"])
                        skipped += 1
                    elif row["reminders_muted"] or row["telegram_id"] is None:
                        await reminders.settle(tx, row["id"], "skipped", "muted", now)
                        skipped += 1
                    else:
                        account = await accounts.get(tx, row["telegram_id"])
                        language = resolve_language(
                            account.language if account else None,
                            account.telegram_language if account else None,
                            self._default,
                        )
                        t = self._catalogs.translator(language)
                        text = t(
                            "reminder.text",
                            title=row["title"],
                            start=t.datetime(starts_at),
                            place=row["place"],
                        )
                        cant_come = Button(
                            t("button.cant_come"),
                            callback_data=SignUpCancel(row["activity_id"]).build(),
                        )
                        messages.append(
                            OutgoingMessage(
                                row["telegram_id"],
                                "reminder",
                                text,
                                Priority.REMINDER,
                                buttons=((cant_come,),),
                                blocked=account is not None and account.unreachable,
                            )
                        )
                        await reminders.settle(tx, row["id"], "queued", None, now)
                        queued += 1
                await outbox.enqueue(tx, messages, now)
            if len(rows) < BATCH:
                break
        if queued:
            self._signal.notify()
        return DispatchReport(queued, skipped, dropped)

    async def set_muted(self, telegram_id: int, muted: bool) -> None:
        async with self._db.transaction() as tx:
            volunteer = await volunteers.by_telegram_id(tx, telegram_id)
            if volunteer is None:
                raise NotRegistered()
            await reminders.set_muted(tx, volunteer.id, muted)

    async def muted(self, telegram_id: int) -> bool:
        volunteer = await volunteers.by_telegram_id(self._db.reader, telegram_id)
        if volunteer is None:
            raise NotRegistered()
        return await reminders.is_muted(self._db.reader, volunteer.id)

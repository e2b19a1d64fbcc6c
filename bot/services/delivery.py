"""What the admins hear about sending itself."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.clock import Clock
from bot.outbox.models import OutgoingMessage, Priority
from bot.outbox.signal import OutboxSignal
from bot.services.notices import Notices
from storage import outbox
from storage.db import Database


class DeliveryService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        notices: Notices,
        signal: OutboxSignal,
        admins: Sequence[int],
    ) -> None:
        self._db = db
        self._clock = clock
        self._notices = notices
        self._signal = signal
        self._admins = list(admins)

    async def resumed(self, since: datetime, reason: str) -> None:
        """The Bot API refused every request from `since` and accepts them again: the admins
        are told (through the outbox, so they hear it even if it fails again)."""
        now = self._clock.now()
        async with self._db.transaction() as tx:
            messages: list[OutgoingMessage] = []
            for admin in self._admins:
                t = await self._notices.translator_for(tx, admin)
                messages.append(
                    await self._notices.make(
                        tx,
                        admin,
                        "sending_resumed",
                        "outbox.sending_resumed",
                        {
                            "since": since,
                            "duration": t.duration((now - since).total_seconds()),
                            "reason": reason[:200],
                        },
                        Priority.URGENT,
                    )
                )
            await outbox.enqueue(tx, messages, now)
        self._signal.notify()

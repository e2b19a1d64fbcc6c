"""Dialogue state, stored so a half-finished dialogue survives a restart."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.clock import Clock
from bot.domain.models import Dialogue
from storage import dialogues
from storage.db import Database

# A dialogue left this long is dropped with what was typed in it (a name and phone typed
# before consent must not be kept indefinitely).
ABANDONED_AFTER = timedelta(hours=24)


class DialogueService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def current(self, telegram_id: int) -> Dialogue | None:
        return await dialogues.get(self._db.reader, telegram_id)

    async def begin(self, telegram_id: int, flow: str, step: str, **data: Any) -> Dialogue:
        dialogue = Dialogue(flow, step, dict(data))
        await self.save(telegram_id, dialogue)
        return dialogue

    async def save(self, telegram_id: int, dialogue: Dialogue) -> None:
        async with self._db.transaction() as tx:
            await dialogues.put(tx, telegram_id, dialogue, self._clock.now())

    async def end(self, telegram_id: int) -> bool:
        """Leave the dialogue; False if there was none."""
        async with self._db.transaction() as tx:
            return await dialogues.delete(tx, telegram_id)

    async def purge_abandoned(self) -> int:
        """Drop dialogues nobody touched for ABANDONED_AFTER; how many were dropped."""
        async with self._db.transaction() as tx:
            return await dialogues.delete_older_than(tx, self._clock.now() - ABANDONED_AFTER)

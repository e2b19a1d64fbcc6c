"""Dialogue state, stored so a half-finished dialogue survives a restart."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import cast

from bot.clock import Clock
from bot.domain.dialogues import D, Dialogue, DialogueData, UnreadableDialogue
from bot.domain.errors import DialogueLost
from storage import dialogues
from storage.db import Database

log = logging.getLogger(__name__)

# A dialogue left this long is dropped with what was typed in it (a name and phone typed
# before consent must not be kept indefinitely).
ABANDONED_AFTER = timedelta(hours=24)


class DialogueService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def current(self, telegram_id: int) -> Dialogue[DialogueData] | None:
        """The person's dialogue, if any. One kept in a shape this code cannot follow (an
        older version's, or damaged) is ended, and DialogueLost says so."""
        try:
            return await dialogues.get(self._db.reader, telegram_id)
        except UnreadableDialogue as error:
            log.warning("ended the unreadable dialogue of %s: %s", telegram_id, error)
            await self.end(telegram_id)
            raise DialogueLost() from None

    async def at(self, telegram_id: int, model: type[D], *steps: str) -> Dialogue[D] | None:
        """The person's dialogue if it is one of `model`'s flow (or of a flow built on it)
        and, when steps are given, at one of them; DialogueLost as for `current`."""
        dialogue = await self.current(telegram_id)
        if dialogue is None or not isinstance(dialogue.data, model):
            return None
        if steps and dialogue.step not in steps:
            return None
        return cast(Dialogue[D], dialogue)

    async def begin(self, telegram_id: int, data: D, step: str) -> Dialogue[D]:
        dialogue = Dialogue(step, data)
        await self.save(telegram_id, dialogue)
        return dialogue

    async def save(self, telegram_id: int, dialogue: Dialogue[D]) -> None:
        if dialogue.step not in dialogue.data.needs:
            raise ValueError(f"the {dialogue.flow} dialogue has no step {dialogue.step!r}")
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

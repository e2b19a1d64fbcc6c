"""The messages micro-wishes send, queued in the caller's transaction: to the team's leads (a
delivery to confirm, a wish that expired), to the claimer (a delivery sent back, a claim that
lapsed at the deadline). None of them carries a wish's private note. The callers wake the
outbox once their transaction has committed."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import aiosqlite

from bot.buttons import WishOpen
from bot.clock import Clock
from bot.domain.wishes import Wish
from bot.i18n import Translator
from bot.outbox.models import Button, Priority
from bot.services.notices import ButtonRows, Notices, leads_or_admins
from storage import outbox, volunteers


def open_wish_button(wish_id: int) -> Callable[[Translator], ButtonRows]:
    def rows(t: Translator) -> ButtonRows:
        return ((Button(t("button.open_wish"), WishOpen(wish_id).build()),),)

    return rows


class WishNotices:
    def __init__(self, notices: Notices, clock: Clock, admins: Sequence[int]) -> None:
        self._notices = notices
        self._clock = clock
        self._admins = list(admins)

    async def delivered(
        self, tx: aiosqlite.Connection, wish: Wish, claimer_name: str, claimer_telegram_id: int
    ) -> None:
        """The team's leads (other than the claimer, who may not confirm their own delivery;
        the admins when there are none) learn of a delivery to confirm, with a button to it."""
        messages = [
            await self._notices.make(
                tx,
                chat_id,
                "wish",
                "wish.delivered_notice",
                {"title": wish.title, "name": claimer_name},
                Priority.NOTICE,
                open_wish_button(wish.id),
                about=wish.claimer_id,
            )
            for chat_id in await leads_or_admins(
                tx, wish.team_key, self._admins, excluding=claimer_telegram_id
            )
        ]
        await outbox.enqueue(tx, messages, self._clock.now())

    async def expired(self, tx: aiosqlite.Connection, wish: Wish) -> None:
        """The team's leads learn that an open wish passed its deadline unclaimed."""
        messages = [
            await self._notices.make(
                tx,
                chat_id,
                "wish",
                "wish.expired_notice",
                {"title": wish.title, "day": wish.deadline},
                Priority.NOTICE,
                open_wish_button(wish.id),
            )
            for chat_id in await leads_or_admins(tx, wish.team_key, self._admins)
        ]
        await outbox.enqueue(tx, messages, self._clock.now())

    async def _to_claimer(
        self, tx: aiosqlite.Connection, wish: Wish, key: str, params: dict[str, object]
    ) -> None:
        if wish.claimer_id is None:
            return
        volunteer = await volunteers.by_id(tx, wish.claimer_id)
        if volunteer is None or volunteer.telegram_id is None:
            return
        notice = await self._notices.make(
            tx,
            volunteer.telegram_id,
            "wish",
            key,
            params,
            Priority.NOTICE,
            open_wish_button(wish.id),
        )
        await outbox.enqueue(tx, [notice], self._clock.now())

    async def sent_back(self, tx: aiosqlite.Connection, wish: Wish, reason: str) -> None:
        """The claimer learns their delivery was sent back, and why."""
        await self._to_claimer(
            tx, wish, "wish.sent_back_notice", {"title": wish.title, "reason": reason}
        )

    async def lapsed(self, tx: aiosqlite.Connection, wish: Wish) -> None:
        """The claimer learns their claim went back to the wall at the deadline."""
        await self._to_claimer(
            tx, wish, "wish.claim_lapsed", {"title": wish.title, "day": wish.deadline}
        )

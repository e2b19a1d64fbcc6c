"""What a team's leads learn when a volunteer the team counted on goes: one who erases their
data (/forget_me) leaves a wish they had claimed or delivered back on the wall and a household
they were paired with one volunteer fewer (they are not named: they are being erased); one who
leaves a team is unpaired from its households (named, and told themselves)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import aiosqlite

from bot.buttons import HouseholdOpen
from bot.clock import Clock
from bot.domain.households import Household
from bot.domain.models import Volunteer
from bot.i18n import Translator
from bot.outbox.models import Button, OutgoingMessage, Priority
from bot.services.notices import ButtonRows, Notices, leads_or_admins
from bot.services.wish_notices import open_wish_button
from storage import households, outbox, wishes


def _open_household(household_id: int) -> Callable[[Translator], ButtonRows]:
    def rows(t: Translator) -> ButtonRows:
        return ((Button(t("button.open_household"), HouseholdOpen(household_id).build()),),)

    return rows


class LeftBehind:
    def __init__(self, notices: Notices, clock: Clock, admins: Sequence[int]) -> None:
        self._notices = notices
        self._clock = clock
        self._admins = list(admins)

    async def tell(self, tx: aiosqlite.Connection, volunteer_id: int, telegram_id: int) -> int:
        """Inside the /forget_me transaction, before the person's claims and pairings are
        released: the leads of each wish and household concerned are told (the admins when a
        team has none). How many messages were queued."""
        messages: list[OutgoingMessage] = []
        for wish in await wishes.claims_of(tx, volunteer_id):
            for chat in await leads_or_admins(tx, wish.team_key, self._admins, telegram_id):
                messages.append(
                    await self._notices.make(
                        tx,
                        chat,
                        "wish",
                        "wish.claimer_left",
                        {"title": wish.title},
                        Priority.NOTICE,
                        open_wish_button(wish.id),
                    )
                )
        for household in await households.of_volunteer(tx, volunteer_id):
            for chat in await leads_or_admins(tx, household.team_key, self._admins, telegram_id):
                messages.append(
                    await self._notices.make(
                        tx,
                        chat,
                        "households",
                        "households.volunteer_left",
                        {"code": household.code, "community": household.community},
                        Priority.NOTICE,
                        _open_household(household.id),
                    )
                )
        await outbox.enqueue(tx, messages, self._clock.now())
        return len(messages)

    async def left_team(
        self, tx: aiosqlite.Connection, volunteer: Volunteer, released: Sequence[Household]
    ) -> None:
        """Inside the transaction that took the volunteer out of a team: for each household of
        that team they were paired with (and no longer are), its leads are told, and so is
        the volunteer. The caller wakes the outbox once it has committed."""
        messages: list[OutgoingMessage] = []
        for household in released:
            where = {"code": household.code, "community": household.community}
            for chat in await leads_or_admins(
                tx, household.team_key, self._admins, volunteer.telegram_id
            ):
                messages.append(
                    await self._notices.make(
                        tx,
                        chat,
                        "households",
                        "households.volunteer_left_team",
                        {"name": volunteer.name, **where},
                        Priority.NOTICE,
                        _open_household(household.id),
                        about=volunteer.id,
                    )
                )
            if volunteer.telegram_id is not None:
                messages.append(
                    await self._notices.make(
                        tx, volunteer.telegram_id, "households", "households.unpaired", where
                    )
                )
        await outbox.enqueue(tx, messages, self._clock.now())

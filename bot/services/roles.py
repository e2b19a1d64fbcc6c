"""Who may do what: admins from the configuration, leads appointed by admins."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import aiosqlite

from bot.clock import Clock
from bot.domain.errors import AlreadyLead, NotAdmin, NotLead, UnknownTeam, UnknownVolunteer
from bot.domain.language import resolve_language
from bot.domain.models import Actor, Language, LeadAssignment, Team, Volunteer
from bot.domain.validation import parse_search
from bot.i18n import Catalogs
from bot.outbox.models import OutgoingMessage
from bot.outbox.signal import OutboxSignal
from storage import accounts, leads, outbox, teams, volunteers
from storage.db import Database

SEARCH_LIMIT = 10


@dataclass(frozen=True)
class RoleChange:
    """A promotion or demotion done; `notified` is False when the person cannot be told."""

    volunteer: Volunteer
    team: Team
    notified: bool


class RoleService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        admins: Iterable[int],
        catalogs: Catalogs,
        default_language: Language,
        signal: OutboxSignal,
    ) -> None:
        self._db = db
        self._clock = clock
        self._admins = frozenset(admins)
        self._catalogs = catalogs
        self._default = default_language
        self._signal = signal

    def is_admin(self, telegram_id: int) -> bool:
        return telegram_id in self._admins

    async def actor(self, telegram_id: int) -> Actor:
        volunteer = await volunteers.by_telegram_id(self._db.reader, telegram_id)
        led = await leads.team_keys_led_by(self._db.reader, volunteer.id) if volunteer else None
        return Actor(telegram_id, self.is_admin(telegram_id), volunteer, led or frozenset())

    def _require_admin(self, actor: Actor) -> None:
        if not actor.is_admin:
            raise NotAdmin()

    async def search(self, actor: Actor, query: str) -> list[Volunteer]:
        """Volunteers whose name or phone contains the query (admins only)."""
        self._require_admin(actor)
        return await volunteers.search(self._db.reader, parse_search(query), SEARCH_LIMIT)

    async def candidate(self, actor: Actor, volunteer_id: int) -> Volunteer:
        self._require_admin(actor)
        volunteer = await volunteers.by_id(self._db.reader, volunteer_id)
        if volunteer is None:
            raise UnknownVolunteer()
        return volunteer

    async def promote(self, actor: Actor, volunteer_id: int, team_key: str) -> RoleChange:
        return await self._change(actor, volunteer_id, team_key, "promote")

    async def demote(self, actor: Actor, volunteer_id: int, team_key: str) -> RoleChange:
        return await self._change(actor, volunteer_id, team_key, "demote")

    async def _change(
        self,
        actor: Actor,
        volunteer_id: int,
        team_key: str,
        action: Literal["promote", "demote"],
    ) -> RoleChange:
        self._require_admin(actor)
        now = self._clock.now()
        async with self._db.transaction() as tx:
            volunteer = await volunteers.by_id(tx, volunteer_id)
            if volunteer is None:
                raise UnknownVolunteer()
            team = await teams.by_key(tx, team_key)
            if team is None:
                raise UnknownTeam(key=team_key)
            if action == "promote":
                if not await leads.add(tx, volunteer.id, team.id, actor.telegram_id, now):
                    raise AlreadyLead(name=volunteer.name)
            elif not await leads.remove(tx, volunteer.id, team.id):
                raise NotLead(name=volunteer.name)
            await leads.log_change(tx, actor.telegram_id, action, team.id, volunteer.id, now)
            notified = await self._tell(tx, volunteer, team, action)
        self._signal.notify()
        return RoleChange(volunteer, team, notified)

    async def _tell(
        self,
        tx: aiosqlite.Connection,
        volunteer: Volunteer,
        team: Team,
        action: Literal["promote", "demote"],
    ) -> bool:
        """Queue the notice in the same transaction as the change; False if undeliverable."""
        if volunteer.telegram_id is None:
            return False
        account = await accounts.get(tx, volunteer.telegram_id)
        chosen, telegram = (
            (account.language, account.telegram_language) if account else (None, None)
        )
        language = resolve_language(chosen, telegram, self._default)
        text = self._catalogs.translator(language)(f"{action}.told", team=team.name(language))
        unreachable = account is None or account.unreachable
        notice = OutgoingMessage(volunteer.telegram_id, "role", text, blocked=unreachable)
        await outbox.enqueue(tx, [notice], self._clock.now())
        return not unreachable

    async def lead_assignments(self, actor: Actor) -> list[LeadAssignment]:
        self._require_admin(actor)
        return await leads.all_assignments(self._db.reader)

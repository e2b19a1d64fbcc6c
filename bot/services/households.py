"""Households (千名义工助千户): registered by a team's leads or admins, paired with volunteers of
the team (each told), their details corrected, listed due-first for leads and as "my
households" for volunteers (the nudges of due households are household_nudges.py). A
volunteer is only ever handed a `Household` (code, community, needs); the contact note travels
in a `HouseholdFile`, which only the team's leads and admins get."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import aiosqlite

from bot.buttons import HouseholdsMine
from bot.clock import Clock
from bot.config import HouseholdsConfig
from bot.domain.errors import NotTeamLead, NotTeamMember, UnknownVolunteer
from bot.domain.households import (
    AlreadyPaired,
    Household,
    HouseholdCodeTaken,
    HouseholdFile,
    NotPaired,
    TooManyHouseholds,
    UnknownHousehold,
    check_radius,
    parse_cadence,
    parse_code,
    parse_community,
    parse_coordinates,
    parse_needs,
    parse_note,
)
from bot.domain.models import Actor, Team, Volunteer
from bot.domain.validation import parse_search
from bot.i18n import Translator
from bot.outbox.models import Button, Priority
from bot.outbox.signal import OutboxSignal
from bot.services.notices import ButtonRows, Notices
from bot.services.record_rules import registered
from bot.services.teams import managed_teams, team_scope
from storage import households, outbox, volunteers
from storage.db import Database
from storage.households import NewHousehold

HOUSEHOLDS_PER_PAGE = 8
SEARCH_LIMIT = 8


@dataclass(frozen=True)
class HouseholdDraft:
    """What a lead entered for a new household, checked by `HouseholdService.check`."""

    team_key: str
    code: str
    community: str
    needs: tuple[str, ...]
    cadence_days: int
    contact_note: str = ""
    latitude: float | None = None
    longitude: float | None = None
    radius_m: int | None = None


@dataclass(frozen=True)
class HouseholdPage:
    households: list[Household]
    number: int
    total: int
    per_page: int = HOUSEHOLDS_PER_PAGE

    @property
    def has_previous(self) -> bool:
        return self.number > 0

    @property
    def has_next(self) -> bool:
        return (self.number + 1) * self.per_page < self.total


def manages(actor: Actor, household: Household) -> bool:
    return actor.is_admin or household.team_key in actor.lead_team_keys


class HouseholdService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        config: HouseholdsConfig,
        zone: ZoneInfo,
        notices: Notices,
        signal: OutboxSignal,
        team_list: Callable[[], Awaitable[list[Team]]],
    ) -> None:
        self._db = db
        self._clock = clock
        self._config = config
        self._zone = zone
        self._notices = notices
        self._signal = signal
        self._teams = team_list

    @property
    def config(self) -> HouseholdsConfig:
        return self._config

    def today(self, now: datetime | None = None) -> date:
        return (now or self._clock.now()).astimezone(self._zone).date()

    async def teams_managed(self, actor: Actor) -> list[Team]:
        """Teams whose households the actor manages: every team for an admin, the led ones
        for a lead; anyone else is refused."""
        return managed_teams(actor, await self._teams())

    # ------------------------------------------------------------ registering

    def check(self, draft: HouseholdDraft) -> HouseholdDraft:
        """The draft with every field checked and cleaned (DomainError on the first bad one)."""
        latitude, longitude = draft.latitude, draft.longitude
        if latitude is not None and longitude is not None:
            latitude, longitude = parse_coordinates(latitude, longitude)
        return HouseholdDraft(
            team_key=draft.team_key,
            code=parse_code(draft.code),
            community=parse_community(draft.community),
            needs=parse_needs(draft.needs, self._config.need_keys),
            cadence_days=parse_cadence(str(draft.cadence_days)),
            contact_note=parse_note(draft.contact_note),
            latitude=latitude,
            longitude=longitude,
            radius_m=check_radius(draft.radius_m) if draft.radius_m is not None else None,
        )

    async def code_free(self, actor: Actor, code: str) -> str:
        """A new household's code, cleaned, if no household has it yet."""
        await self.teams_managed(actor)
        clean = parse_code(code)
        if await households.by_code(self._db.reader, clean) is not None:
            raise HouseholdCodeTaken(code=clean)
        return clean

    async def register(self, actor: Actor, draft: HouseholdDraft) -> Household:
        """A new household of a team the actor leads (any team, for an admin)."""
        team = next((t for t in await self.teams_managed(actor) if t.key == draft.team_key), None)
        if team is None:
            raise NotTeamLead()
        clean = self.check(draft)
        now = self._clock.now()
        async with self._db.transaction() as tx:
            household_id = await households.insert(
                tx,
                NewHousehold(
                    clean.code,
                    team.id,
                    clean.community,
                    clean.needs,
                    clean.cadence_days,
                    clean.contact_note,
                    clean.latitude,
                    clean.longitude,
                    clean.radius_m,
                ),
                actor.telegram_id,
                self.today(now),
                now,
            )
            if household_id is None:
                raise HouseholdCodeTaken(code=clean.code)
            household = await households.by_id(tx, household_id)
        assert household is not None
        return household

    # ------------------------------------------------------------ leads' view

    async def page(self, actor: Actor, number: int) -> HouseholdPage:
        """The households the actor manages, the most overdue first."""
        team_ids = team_scope(actor, await self._teams())
        number = max(number, 0)
        found, total = await households.of_teams(
            self._db.reader, team_ids, HOUSEHOLDS_PER_PAGE, number * HOUSEHOLDS_PER_PAGE
        )
        if not found and number:
            last = max((total - 1) // HOUSEHOLDS_PER_PAGE, 0)
            return await self.page(actor, last) if last < number else HouseholdPage([], 0, 0)
        return HouseholdPage(found, number, total)

    async def household_file(self, actor: Actor, household_id: int) -> HouseholdFile:
        """The household with its contact note and pairings: for its team's leads and admins."""
        found = await households.household_file(self._db.reader, household_id)
        if found is None:
            raise UnknownHousehold()
        if not manages(actor, found.household):
            raise NotTeamLead()
        return found

    async def set_pin(
        self,
        actor: Actor,
        household_id: int,
        latitude: float | None,
        longitude: float | None,
        radius_m: int | None = None,
    ) -> Household:
        """Where visits must be made from (None: no pin; visits are then confirmed by the
        lead), with the radius (None: the configured one)."""
        if latitude is not None and longitude is not None:
            latitude, longitude = parse_coordinates(latitude, longitude)
        else:
            latitude = longitude = radius_m = None
        if radius_m is not None:
            check_radius(radius_m)
        async with self._db.transaction() as tx:
            household = await households.by_id(tx, household_id)
            if household is None:
                raise UnknownHousehold()
            if not manages(actor, household):
                raise NotTeamLead()
            await households.set_pin(
                tx, household_id, latitude, longitude, radius_m, self._clock.now()
            )
            changed = await households.by_id(tx, household_id)
        assert changed is not None
        return changed

    async def edit(
        self,
        actor: Actor,
        household_id: int,
        *,
        community: str | None = None,
        needs: Sequence[str] | None = None,
        cadence_days: int | None = None,
        contact_note: str | None = None,
    ) -> HouseholdFile:
        """Correct a household's details (those given; each checked as typed input) for its
        team's leads and admins. A new cadence moves when it falls due."""
        clean_community = parse_community(community) if community is not None else None
        clean_needs = parse_needs(needs, self._config.need_keys) if needs is not None else None
        clean_cadence = parse_cadence(str(cadence_days)) if cadence_days is not None else None
        clean_note = parse_note(contact_note) if contact_note is not None else None
        async with self._db.transaction() as tx:
            found = await households.household_file(tx, household_id)
            if found is None:
                raise UnknownHousehold()
            if not manages(actor, found.household):
                raise NotTeamLead()
            was = found.household
            await households.set_details(
                tx,
                household_id,
                was.community if clean_community is None else clean_community,
                was.needs if clean_needs is None else clean_needs,
                was.cadence_days if clean_cadence is None else clean_cadence,
                found.contact_note if clean_note is None else clean_note,
                self._clock.now(),
            )
            changed = await households.household_file(tx, household_id)
        assert changed is not None
        return changed

    # ------------------------------------------------------------ pairing

    async def candidates(self, actor: Actor, household_id: int, query: str) -> list[Volunteer]:
        """Members of the household's team whose name contains the query."""
        found = await self.household_file(actor, household_id)
        team = next(t for t in await self._teams() if t.key == found.household.team_key)
        return await volunteers.search_names_in_teams(
            self._db.reader, parse_search(query), [team.id], SEARCH_LIMIT
        )

    async def pair(self, actor: Actor, household_id: int, volunteer_id: int) -> HouseholdFile:
        """Pair a member of the household's team with it (at most `max_per_volunteer`
        households each); they are told, with a button to their households."""
        now = self._clock.now()
        async with self._db.transaction() as tx:
            household = await households.by_id(tx, household_id)
            if household is None:
                raise UnknownHousehold()
            if not manages(actor, household):
                raise NotTeamLead()
            volunteer = await volunteers.by_id(tx, volunteer_id)
            if volunteer is None or volunteer.telegram_id is None:
                raise UnknownVolunteer()
            if household.team_key not in volunteer.team_keys:
                raise NotTeamMember()
            if await households.is_paired(tx, household_id, volunteer_id):
                raise AlreadyPaired(code=household.code)
            most = self._config.max_per_volunteer
            if not await households.pair(
                tx, household_id, volunteer_id, actor.telegram_id, now, most
            ):
                raise TooManyHouseholds(max=most)
            await self._tell(tx, volunteer.telegram_id, household, "households.paired", True)
            found = await households.household_file(tx, household_id)
        self._signal.notify()
        assert found is not None
        return found

    async def unpair(self, actor: Actor, household_id: int, volunteer_id: int) -> HouseholdFile:
        async with self._db.transaction() as tx:
            household = await households.by_id(tx, household_id)
            if household is None:
                raise UnknownHousehold()
            if not manages(actor, household):
                raise NotTeamLead()
            if not await households.unpair(tx, household_id, volunteer_id):
                raise NotPaired()
            volunteer = await volunteers.by_id(tx, volunteer_id)
            if volunteer is not None and volunteer.telegram_id is not None:
                await self._tell(tx, volunteer.telegram_id, household, "households.unpaired", False)
            found = await households.household_file(tx, household_id)
        self._signal.notify()
        assert found is not None
        return found

    async def _tell(
        self,
        tx: aiosqlite.Connection,
        telegram_id: int,
        household: Household,
        key: str,
        with_button: bool,
    ) -> None:
        """A notice to a volunteer about a household: its code, community and needs only."""
        t = await self._notices.translator_for(tx, telegram_id)
        message = await self._notices.make(
            tx,
            telegram_id,
            "households",
            key,
            {
                "code": household.code,
                "community": household.community,
                "needs": self.need_names(t, household.needs),
            },
            Priority.NOTICE,
            _mine_button if with_button else None,
        )
        await outbox.enqueue(tx, [message], self._clock.now())

    def need_names(self, t: Translator, keys: Sequence[str]) -> str:
        """The needs as the reader names them, joined ("—" for none)."""
        return t.join(self._config.need_names(t.language, keys)) or "—"

    # ------------------------------------------------------------ volunteers' view

    async def mine(self, telegram_id: int) -> list[Household]:
        """The households paired with this volunteer, the soonest due first."""
        volunteer = await registered(self._db.reader, telegram_id)
        return await households.of_volunteer(self._db.reader, volunteer.id)

    async def paired_household(self, telegram_id: int, household_id: int) -> Household:
        """One of the volunteer's households (refused, the same way, if it is not theirs)."""
        volunteer = await registered(self._db.reader, telegram_id)
        household = await households.by_id(self._db.reader, household_id)
        if household is None or not await households.is_paired(
            self._db.reader, household_id, volunteer.id
        ):
            raise NotPaired()
        return household


def _mine_button(t: Translator) -> ButtonRows:
    return ((Button(t("button.my_households"), HouseholdsMine().build()),),)

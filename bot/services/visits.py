"""Visits to paired households: logged by the volunteer (from a live location within the
household's radius when it has a pin; otherwise flagged for the lead to confirm), credited as a
pending service record with source 'visit' and no activity, and approved or refused by the
team's lead by the same rules as every record: never one's own, the daily limit sending it to
another admin's review, a day's 24 hours, the audit, the notices and disputes that follow."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from zoneinfo import ZoneInfo

import aiosqlite

from bot.buttons import RecordOpen, VisitOpen
from bot.clock import Clock
from bot.config import HouseholdsConfig
from bot.domain.amounts import Hours
from bot.domain.errors import InvalidMinutes, NotTeamLead, RecordNotOpen
from bot.domain.hours import (
    Mark,
    RecordState,
    ServiceRecord,
    distance_m,
    outside_activity,
    parse_reason,
)
from bot.domain.households import (
    VISIT_NOTE_MAX,
    Household,
    NotAVisit,
    NotPaired,
    Visit,
    VisitAlreadyLogged,
    VisitLiveLocationNeeded,
    VisitTooFar,
    parse_needs,
    parse_note,
)
from bot.domain.models import Actor, Team, Volunteer
from bot.i18n import Translator
from bot.outbox.models import Button, Priority
from bot.outbox.signal import OutboxSignal
from bot.services.hours_notices import HoursNotices
from bot.services.notices import ButtonRows, Notices, leads_or_admins
from bot.services.record_rules import Decisions, editable, fits_in_day, registered
from bot.services.teams import team_scope
from storage import audit, households, outbox, records, teams, visits, volunteers
from storage.db import Database
from storage.visits import PendingVisit

PENDING_SHOWN = 20
# On a visit's record: the household has no pin, so no location vouches for the visit and the
# lead's approval is their confirmation that it took place.
NO_LOCATION = "no_location"


@dataclass(frozen=True)
class VisitView:
    """A visit as the team's leads and admins see it."""

    visit: Visit
    household: Household
    record: ServiceRecord
    volunteer_name: str


@dataclass(frozen=True)
class LocatedApproval:
    approved: int
    in_review: int
    left: int  # waiting visits without a location, or the approver's own


class VisitService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        config: HouseholdsConfig,
        zone: ZoneInfo,
        decisions: Decisions,
        hours_notices: HoursNotices,
        notices: Notices,
        signal: OutboxSignal,
        admins: Sequence[int],
        team_list: Callable[[], Awaitable[list[Team]]],
    ) -> None:
        self._admins = list(admins)
        self._teams = team_list
        self._db = db
        self._clock = clock
        self._config = config
        self._zone = zone
        self._decisions = decisions
        self._hours_notices = hours_notices
        self._notices = notices
        self._signal = signal

    def _today(self) -> date:
        return self._clock.now().astimezone(self._zone).date()

    async def _paired(
        self, conn: aiosqlite.Connection, telegram_id: int, household_id: int
    ) -> tuple[Volunteer, Household]:
        volunteer = await registered(conn, telegram_id)
        household = await households.by_id(conn, household_id)
        if household is None or not await households.is_paired(conn, household_id, volunteer.id):
            raise NotPaired()
        return volunteer, household

    # ------------------------------------------------------------ logging a visit

    async def start(self, telegram_id: int, household_id: int) -> Household:
        """The household a volunteer is about to log a visit to (one of theirs, not yet
        visited by them today)."""
        volunteer, household = await self._paired(self._db.reader, telegram_id, household_id)
        if await visits.logged_on(self._db.reader, household.id, volunteer.id, self._today()):
            raise VisitAlreadyLogged(code=household.code)
        return household

    def radius(self, household: Household) -> int:
        return household.radius_m or self._config.radius_m

    def check_location(
        self, household: Household, latitude: float, longitude: float, live: bool
    ) -> float | None:
        """How far a live location is from the household's pin, if within its radius (None
        when the household has no pin); refused if not live or too far."""
        if household.latitude is None or household.longitude is None:
            return None
        if not live:
            raise VisitLiveLocationNeeded()
        distance = distance_m(latitude, longitude, household.latitude, household.longitude)
        if distance > self.radius(household):
            raise VisitTooFar(distance=round(distance), radius=self.radius(household))
        return distance

    def check_minutes(self, minutes: int) -> int:
        if not 1 <= minutes <= self._config.max_visit_minutes:
            raise InvalidMinutes(max=self._config.max_visit_minutes)
        return minutes

    def check_note(self, text: str) -> str:
        return parse_note(text, VISIT_NOTE_MAX)

    async def log(
        self,
        telegram_id: int,
        household_id: int,
        minutes: int,
        done: Sequence[str],
        note: str,
        photo_file_id: str | None,
        location: tuple[float, float] | None,
        live: bool = True,
    ) -> ServiceRecord:
        """The visit, as a pending record (source 'visit') with its details beside it; the
        team's leads (the admins, if it has none) are told with a button to approve it."""
        clean_done = parse_needs(done, self._config.need_keys)
        clean_note = self.check_note(note)
        self.check_minutes(minutes)
        now = self._clock.now()
        today = self._today()
        async with self._db.transaction() as tx:
            volunteer, household = await self._paired(tx, telegram_id, household_id)
            distance = None
            if household.has_pin:
                if location is None:
                    raise VisitLiveLocationNeeded()
                distance = self.check_location(household, *location, live=live)
            if await visits.logged_on(tx, household.id, volunteer.id, today):
                raise VisitAlreadyLogged(code=household.code)
            await fits_in_day(tx, volunteer.id, today, minutes)
            team = await teams.by_key(tx, household.team_key)
            assert team is not None
            t = self._notices.default_translator()
            record = replace(
                outside_activity(
                    volunteer.id,
                    household.team_key,
                    today,
                    minutes,
                    t("visit.record_title", code=household.code),
                    source="visit",
                    category="visit",
                    place=household.community,
                    content=t("visit.record_content", done=self._need_names(t, clean_done)),
                ),
                flags=frozenset() if distance is not None else frozenset({NO_LOCATION}),
            )
            record_id = await records.insert_record(tx, record, team.id, now)
            record = replace(record, id=record_id)
            await visits.insert(
                tx,
                household.id,
                volunteer.id,
                record_id,
                today,
                now,
                distance,
                clean_done,
                clean_note,
                photo_file_id,
            )
            await audit.append(tx, record_id, now, telegram_id, "created", None, record)
            await self._tell_leads(tx, household, volunteer, record, distance)
        self._signal.notify()
        return record

    def _need_names(self, t: Translator, keys: Sequence[str]) -> str:
        return t.join(self._config.need_names(t.language, keys)) or t("visit.nothing_ticked")

    async def _tell_leads(
        self,
        tx: aiosqlite.Connection,
        household: Household,
        volunteer: Volunteer,
        record: ServiceRecord,
        distance: float | None,
    ) -> None:
        recipients = await leads_or_admins(
            tx, household.team_key, self._admins, excluding=volunteer.telegram_id
        )
        key = "visit.logged" if distance is not None else "visit.logged_unlocated"
        messages = [
            await self._notices.make(
                tx,
                chat_id,
                "visit",
                key,
                {
                    "name": volunteer.name,
                    "code": household.code,
                    "community": household.community,
                    "day": record.served_on,
                    "hours": Hours(record.minutes),
                    "distance": round(distance or 0),
                },
                Priority.NOTICE,
                _visit_buttons(record.id),
                about=volunteer.id,
            )
            for chat_id in recipients
        ]
        await outbox.enqueue(tx, messages, self._clock.now())

    # ------------------------------------------------------------ the lead's decision

    async def _visit_record(
        self, conn: aiosqlite.Connection, actor: Actor, record_id: int
    ) -> tuple[ServiceRecord, Visit]:
        record = await records.record(conn, record_id)
        visit = await visits.of_record(conn, record_id)
        if record is None or visit is None:
            raise NotAVisit()
        if not actor.is_admin and record.team_key not in actor.lead_team_keys:
            raise NotTeamLead()
        return record, visit

    async def view(self, actor: Actor, record_id: int) -> VisitView:
        """A visit for its team's leads and admins: the household, what was done, the note and
        photo, how far from the pin (or that there is none), and its record."""
        record, visit = await self._visit_record(self._db.reader, actor, record_id)
        household = await households.by_id(self._db.reader, visit.household_id)
        volunteer = await volunteers.by_id(self._db.reader, visit.volunteer_id)
        assert household is not None
        return VisitView(visit, household, record, (volunteer.name if volunteer else "") or "—")

    async def pending(self, actor: Actor) -> list[PendingVisit]:
        """Visits waiting for a decision: of the teams the actor leads, or every team's for an
        admin; the oldest first."""
        team_ids = team_scope(actor, await self._teams())
        return await visits.pending(self._db.reader, team_ids, PENDING_SHOWN)

    async def approve(self, actor: Actor, record_id: int) -> ServiceRecord:
        """The lead confirms the visit: approved (or, past the daily limit, sent to another
        admin's review); audited, and the volunteer told."""
        async with self._db.transaction() as tx:
            await self._visit_record(tx, actor, record_id)
            record = await editable(tx, actor, record_id)
            if record.state is not RecordState.PENDING:
                raise RecordNotOpen()
            decided = await self._decide(tx, actor, record)
        self._signal.notify()
        return decided

    async def _decide(
        self, tx: aiosqlite.Connection, actor: Actor, record: ServiceRecord
    ) -> ServiceRecord:
        now = self._clock.now()
        decided = await self._decisions.decide(tx, record, actor)
        await records.update_record(tx, decided, now)
        action = "review" if decided.state is RecordState.REVIEW else "approved"
        await audit.append(tx, record.id, now, actor.telegram_id, action, record, decided)
        await self._hours_notices.announce(tx, decided, "hours.credited")
        return decided

    async def approve_located(self, actor: Actor) -> LocatedApproval:
        """Approve every waiting visit made from a live location at its household; those
        without one (and the approver's own) are left for a decision one by one."""
        approved = review = left = 0
        for waiting in await self.pending(actor):
            if waiting.visit.distance_m is None or (
                actor.volunteer is not None and actor.volunteer.id == waiting.visit.volunteer_id
            ):
                left += 1
                continue
            async with self._db.transaction() as tx:
                record = await records.record(tx, waiting.visit.record_id)
                if record is None or record.state is not RecordState.PENDING:
                    continue
                record = await editable(tx, actor, record.id)
                decided = await self._decide(tx, actor, record)
            if decided.state is RecordState.REVIEW:
                review += 1
            else:
                approved += 1
        if approved or review:
            self._signal.notify()
        return LocatedApproval(approved, review, left)

    async def reject(self, actor: Actor, record_id: int, reason: str) -> ServiceRecord:
        """The lead does not credit the visit, with a reason: nothing credited (a no-show, as
        the rules record it), audited, the volunteer told why; they may dispute it."""
        clean = parse_reason(reason)
        async with self._db.transaction() as tx:
            await self._visit_record(tx, actor, record_id)
            record = await editable(tx, actor, record_id)
            if record.state is not RecordState.PENDING:
                raise RecordNotOpen()
            now = self._clock.now()
            decided = await self._decisions.decide(
                tx, replace(record, minutes=0, mark=Mark.ABSENT), actor
            )
            await records.update_record(tx, decided, now)
            await audit.append(
                tx, record.id, now, actor.telegram_id, "approved", record, decided, clean
            )
            await self._hours_notices.announce(tx, decided, "visit.rejected", reason=clean)
        self._signal.notify()
        return decided

    async def check_rejectable(self, actor: Actor, record_id: int) -> ServiceRecord:
        """The visit's record, if the actor may still decide it (before asking the reason)."""
        await self._visit_record(self._db.reader, actor, record_id)
        record = await editable(self._db.reader, actor, record_id)
        if record.state is not RecordState.PENDING:
            raise RecordNotOpen()
        return record


def _visit_buttons(record_id: int) -> Callable[[Translator], ButtonRows]:
    def rows(t: Translator) -> ButtonRows:
        return (
            (Button(t("button.open_visit"), VisitOpen(record_id).build()),),
            (Button(t("button.open_record"), RecordOpen(record_id).build()),),
        )

    return rows

"""A person's service records: the /hours summary, records a page at a time, one record's view
with its history; a volunteer's dispute and its resolution; corrections; an admin's approval of a
record held for review; hours added by hand (补录); the choice of anonymity in star posts."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from zoneinfo import ZoneInfo

import aiosqlite

from bot.clock import Clock
from bot.config import HoursConfig
from bot.domain.errors import (
    InvalidMinutes,
    NotAdmin,
    NotRegistered,
    NotTeamLead,
    UnknownRecord,
    UnknownTeam,
)
from bot.domain.hours import (
    MAX_RECORD_MINUTES,
    AuditEntry,
    HoursSummary,
    Mark,
    RecordState,
    ServiceRecord,
    StarLevel,
    outside_activity,
    parse_reason,
    parse_text,
    star_level,
)
from bot.domain.models import Actor, Volunteer
from bot.outbox.signal import OutboxSignal
from bot.services.hours_notices import HoursNotices
from bot.services.record_rules import (
    Decisions,
    RecordPermissions,
    check_disputable,
    check_resolvable,
    check_reviewable,
    decided_flags,
    editable,
    fits_in_day,
    limit,
    not_own,
    permissions,
    registered,
    sent_to_review_by,
    within_day,
)
from storage import audit, disputes, records, teams, volunteers
from storage.db import Database

RECORDS_PER_PAGE = 8


@dataclass(frozen=True)
class RecordView:
    record: ServiceRecord
    volunteer_name: str
    dispute: str | None
    history: tuple[AuditEntry, ...] | None  # for leads of the team and admins only
    may: RecordPermissions  # what the reader may do with it
    actors: dict[int, str] = field(default_factory=dict)  # names of those in the history


class RecordService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        config: HoursConfig,
        zone: ZoneInfo,
        decisions: Decisions,
        notify: HoursNotices,
        signal: OutboxSignal,
    ) -> None:
        self._db = db
        self._clock = clock
        self._config = config
        self._zone = zone
        self._decisions = decisions
        self._notify = notify
        self._signal = signal

    async def summary(self, telegram_id: int) -> tuple[HoursSummary, StarLevel]:
        volunteer = await registered(self._db.reader, telegram_id)
        year_start = date(self._clock.now().astimezone(self._zone).year, 1, 1)
        approved_year = approved_total = pending_year = pending_total = no_shows = 0
        categories: dict[str, int] = {}
        by_team: dict[str, int] = {}
        for row in await records.summary_rows(self._db.reader, volunteer.id, year_start):
            minutes, state = int(row["minutes"]), row["state"]
            if state == "approved":
                approved_total += minutes
                approved_year += minutes if row["this_year"] else 0
                categories[row["category"]] = categories.get(row["category"], 0) + minutes
                by_team[row["team_key"]] = by_team.get(row["team_key"], 0) + minutes
            elif state == "no_show":
                no_shows += int(row["n"])
            else:
                pending_total += minutes
                pending_year += minutes if row["this_year"] else 0
        summary = HoursSummary(
            approved_year,
            approved_total,
            pending_year,
            pending_total,
            tuple(sorted(categories.items(), key=lambda item: -item[1])),
            tuple(sorted(by_team.items(), key=lambda item: -item[1])),
            no_shows,
        )
        return summary, star_level(approved_total, self._config.star_hours)

    async def records(self, telegram_id: int, page: int) -> tuple[list[ServiceRecord], int]:
        volunteer = await registered(self._db.reader, telegram_id)
        return await records.records_of_volunteer(
            self._db.reader, volunteer.id, RECORDS_PER_PAGE, max(page, 0) * RECORDS_PER_PAGE
        )

    async def records_of(
        self, actor: Actor, volunteer_id: int, page: int
    ) -> tuple[Volunteer, list[ServiceRecord], int]:
        """Anyone's records, newest first, a page at a time: for admins."""
        if not actor.is_admin:
            raise NotAdmin()
        volunteer = await volunteers.by_id(self._db.reader, volunteer_id)
        if volunteer is None:
            raise UnknownRecord()
        found, total = await records.records_of_volunteer(
            self._db.reader, volunteer_id, RECORDS_PER_PAGE, max(page, 0) * RECORDS_PER_PAGE
        )
        return volunteer, found, total

    async def record_view(self, actor: Actor, record_id: int) -> RecordView:
        """The volunteer sees their own record; the team's leads and admins see it with its
        history. Either way with what the reader may do with it."""
        record = await records.record(self._db.reader, record_id)
        if record is None:
            raise UnknownRecord()
        own = actor.volunteer is not None and actor.volunteer.id == record.volunteer_id
        manages = actor.is_admin or record.team_key in actor.lead_team_keys
        if not own and not manages:
            raise UnknownRecord()
        volunteer = await volunteers.by_id(self._db.reader, record.volunteer_id)
        history = await audit.history(self._db.reader, record.id) if manages else None
        actors: dict[int, str] = {}
        for entry in history or []:
            if entry.actor_telegram_id is not None and entry.actor_telegram_id not in actors:
                who = await volunteers.by_telegram_id(self._db.reader, entry.actor_telegram_id)
                if who is not None and who.name:
                    actors[entry.actor_telegram_id] = who.name
        return RecordView(
            record,
            (volunteer.name if volunteer else None) or "—",
            await disputes.dispute_text(self._db.reader, record.id),
            tuple(history) if history is not None else None,
            await permissions(self._db.reader, actor, record),
            actors,
        )

    async def team_record(
        self, actor: Actor, record_id: int, *, deciding: bool = False
    ) -> RecordView:
        """A record as its team's leads and admins see it (on the attendance sheet, say);
        NotTeamLead for anyone else. `deciding`: they are about to change it, which is never
        allowed on their own record (OwnHours, said first)."""
        view = await self.record_view(actor, record_id)
        if deciding:
            not_own(actor, view.record.volunteer_id)
        if not actor.is_admin and view.record.team_key not in actor.lead_team_keys:
            raise NotTeamLead()
        return view

    async def record_to_decide(self, actor: Actor, record_id: int) -> RecordView:
        """A record for someone about to adjust it or resolve its dispute: never their own,
        and only for the team's leads and admins."""
        return await self.team_record(actor, record_id, deciding=True)

    async def set_minutes(
        self, actor: Actor, record_id: int, minutes: int, reason: str
    ) -> ServiceRecord:
        """Minutes a lead or admin chose, with a reason: the resolution of the record's
        dispute if it is disputed, an adjustment otherwise."""
        record = await records.record(self._db.reader, record_id)
        if record is not None and record.state is RecordState.DISPUTED:
            return await self.resolve(actor, record_id, minutes, reason)
        return await self.adjust(actor, record_id, minutes, reason)

    async def adjust(
        self, actor: Actor, record_id: int, minutes: int, reason: str
    ) -> ServiceRecord:
        """Minutes set by hand with a reason: by the lead on a pending record, or by an admin
        on any record (a correction). Never beyond the activity's length."""
        clean_reason = parse_reason(reason)
        async with self._db.transaction() as tx:
            record = await editable(tx, actor, record_id)
            if not 0 <= minutes <= limit(record):
                raise InvalidMinutes(max=limit(record))
            await within_day(tx, record, minutes)
            now = self._clock.now()
            changed = replace(
                record,
                minutes=minutes,
                mark=Mark.ADJUSTED if minutes else Mark.ABSENT,
                flags=decided_flags(record),
            )
            if record.state is not RecordState.PENDING:
                # An admin's correction of a decided record: decided again (approved, a
                # no-show at 0, or held for review past the daily limit).
                changed = await self._decisions.decide(tx, changed, actor)
            await records.update_record(tx, changed, now)
            await audit.append(
                tx, record.id, now, actor.telegram_id, "adjusted", record, changed, clean_reason
            )
            if record.state is not RecordState.PENDING:
                await self._notify.announce(tx, changed, "hours.corrected", reason=clean_reason)
        self._signal.notify()
        return changed

    async def dispute(self, telegram_id: int, record_id: int, text: str) -> ServiceRecord:
        """The volunteer disputes a decided record of theirs; its leads (or admins) are told."""
        clean = parse_text(text)
        async with self._db.transaction() as tx:
            volunteer = await registered(tx, telegram_id)
            record = await records.record(tx, record_id)
            if record is None:
                raise UnknownRecord()
            check_disputable(volunteer.id, record)
            now = self._clock.now()
            await disputes.open_dispute(tx, record.id, clean, now)
            disputed = replace(record, state=RecordState.DISPUTED)
            await records.update_record(tx, disputed, now)
            await audit.append(tx, record.id, now, telegram_id, "disputed", record, disputed, clean)
            await self._notify.dispute_opened(tx, volunteer, record, clean, telegram_id)
        self._signal.notify()
        return disputed

    async def resolve(
        self, actor: Actor, record_id: int, minutes: int | None, reason: str
    ) -> ServiceRecord:
        """The lead (or an admin) resolves a dispute: new minutes (adjusted) or None (rejected,
        the record stands as it was), always with a reason; the volunteer is told."""
        clean = parse_reason(reason)
        async with self._db.transaction() as tx:
            record = await records.record(tx, record_id)
            if record is None:
                raise UnknownRecord()
            check_resolvable(actor, record)
            if minutes is not None and not 0 <= minutes <= limit(record):
                raise InvalidMinutes(max=limit(record))
            if minutes is not None:
                await within_day(tx, record, minutes)
            now = self._clock.now()
            if minutes is None:  # rejected: the record is decided again as it was
                resolved = await self._decisions.decide(tx, record, actor)
            else:
                mark = Mark.ADJUSTED if minutes else Mark.ABSENT
                resolved = await self._decisions.decide(
                    tx, replace(record, minutes=minutes, mark=mark), actor
                )
            outcome = "rejected" if minutes is None else "adjusted"
            await disputes.resolve_dispute(tx, record.id, actor.telegram_id, outcome, clean, now)
            await records.update_record(tx, resolved, now)
            await audit.append(
                tx, record.id, now, actor.telegram_id, "resolved", record, resolved, clean
            )
            await self._notify.announce(tx, resolved, f"dispute.{outcome}", reason=clean)
        self._signal.notify()
        return resolved

    async def approve_review(self, actor: Actor, record_id: int) -> ServiceRecord:
        """An admin approves a record held for review (over the daily limit): never the one
        who sent it there (who added or corrected the minutes, or approved the sheet)."""
        if not actor.is_admin:
            raise NotAdmin()  # before any reading
        async with self._db.transaction() as tx:
            record = await records.record(tx, record_id)
            if record is None:
                raise UnknownRecord()
            check_reviewable(actor, record, await sent_to_review_by(tx, record.id))
            now = self._clock.now()
            decided = replace(record, state=RecordState.APPROVED)
            await records.update_record(tx, decided, now)
            await audit.append(tx, record.id, now, actor.telegram_id, "approved", record, decided)
            await self._notify.announce(tx, decided, "hours.credited")
        self._signal.notify()
        return decided

    async def preview_manual(
        self, actor: Actor, volunteer_id: int, served_on: date, minutes: int
    ) -> RecordState:
        """What adding these minutes would lead to (approved, or another admin's review),
        before anything is written; refused like the addition itself would be."""
        if not actor.is_admin:
            raise NotAdmin()
        if not 1 <= minutes <= MAX_RECORD_MINUTES:
            raise InvalidMinutes(max=MAX_RECORD_MINUTES)
        await fits_in_day(self._db.reader, volunteer_id, served_on, minutes)
        draft = outside_activity(volunteer_id, "", served_on, minutes, "")
        return (await self._decisions.decide(self._db.reader, draft, actor)).state

    async def add_manual(
        self,
        actor: Actor,
        volunteer_id: int,
        team_key: str,
        served_on: date,
        minutes: int,
        title: str,
        reason: str,
    ) -> ServiceRecord:
        """An admin adds hours served outside the bot (补录), with a reason; approved at once
        (or held for another admin's review past the daily limit), audited, and the volunteer
        told. Never more than a day's 24 hours on one day, all records together."""
        if not actor.is_admin:
            raise NotAdmin()
        not_own(actor, volunteer_id)
        clean_reason = parse_reason(reason)
        clean_title = parse_text(title)
        if not 1 <= minutes <= MAX_RECORD_MINUTES:
            raise InvalidMinutes(max=MAX_RECORD_MINUTES)
        async with self._db.transaction() as tx:
            volunteer = await volunteers.by_id(tx, volunteer_id)
            if volunteer is None:
                raise NotRegistered()
            team = await teams.by_key(tx, team_key)
            if team is None:
                raise UnknownTeam()
            draft = outside_activity(volunteer_id, team.key, served_on, minutes, clean_title)
            added = await self.credit(
                tx, actor, draft, team.id, clean_reason, "hours.added", reason=clean_reason
            )
        self._signal.notify()
        return added

    async def credit(
        self,
        tx: aiosqlite.Connection,
        actor: Actor,
        draft: ServiceRecord,
        team_id: int,
        note: str | None,
        notice: str,
        **params: object,
    ) -> ServiceRecord:
        """Inside the caller's transaction: a record of service outside any activity (see
        bot.domain.hours.outside_activity), decided by the actor like every other (approved,
        or held for another admin's review past the daily limit), audited as added by them
        (with `note`, the reason, if any), and the volunteer told (`notice` with `params`).
        Never the actor's own, never more than a day's 24 hours on one day. The caller wakes
        the outbox once it has committed."""
        not_own(actor, draft.volunteer_id)
        await fits_in_day(tx, draft.volunteer_id, draft.served_on, draft.minutes)
        now = self._clock.now()
        decided = await self._decisions.decide(tx, draft, actor)
        record_id = await records.insert_record(tx, decided, team_id, now)
        added = replace(decided, id=record_id)
        await audit.append(tx, record_id, now, actor.telegram_id, "added", None, added, note)
        await self._notify.announce(tx, added, notice, **params)
        return added

    async def set_anonymous(self, telegram_id: int, anonymous: bool) -> None:
        async with self._db.transaction() as tx:
            if not await records.set_anonymous(tx, telegram_id, anonymous):
                raise NotRegistered()

    async def anonymous(self, telegram_id: int) -> bool:
        volunteer = await registered(self._db.reader, telegram_id)
        return (await records.stars(self._db.reader, volunteer.id))[1]

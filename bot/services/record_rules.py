"""The rules every decision on service hours follows, shared by check-in, attendance and records:
who manages an activity, that no one decides their own hours, who may dispute, resolve, correct or
approve a record (the actions check these, and a record's view shows what they would allow), a
day's 24 hours, and the daily limit past which another admin reviews."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date

import aiosqlite

from bot.config import HoursConfig
from bot.domain.amounts import Hours
from bot.domain.errors import (
    DayOverfull,
    DomainError,
    NoOtherAdmin,
    NotAdmin,
    NotDisputable,
    NotDisputed,
    NotLeadOrAdmin,
    NotRegistered,
    NotTeamLead,
    OwnHours,
    RecordNotOpen,
    SelfReview,
    UnknownActivity,
    UnknownRecord,
)
from bot.domain.hours import (
    DECIDED,
    MAX_RECORD_MINUTES,
    Mark,
    RecordState,
    ServiceRecord,
    over_daily_limit,
)
from bot.domain.models import Activity, Actor, Volunteer
from storage import activities, audit, records, volunteers


async def registered(conn: aiosqlite.Connection, telegram_id: int) -> Volunteer:
    volunteer = await volunteers.by_telegram_id(conn, telegram_id)
    if volunteer is None:
        raise NotRegistered()
    return volunteer


async def managed(conn: aiosqlite.Connection, actor: Actor, activity_id: int) -> Activity:
    """An activity of a team the actor leads, or for an admin any."""
    activity = await activities.get(conn, activity_id)
    if activity is None:
        raise UnknownActivity()
    if not actor.is_admin and activity.team_key not in actor.lead_team_keys:
        raise NotTeamLead()
    return activity


def not_own(actor: Actor, volunteer_id: int) -> None:
    if actor.volunteer is not None and actor.volunteer.id == volunteer_id:
        raise OwnHours()


def check_disputable(volunteer_id: int | None, record: ServiceRecord) -> None:
    """A volunteer disputes a decided record (approved, or a no-show) of their own."""
    if record.volunteer_id != volunteer_id:
        raise UnknownRecord()
    if record.state not in (RecordState.APPROVED, RecordState.NO_SHOW):
        raise NotDisputable()


def check_resolvable(actor: Actor, record: ServiceRecord) -> None:
    """A lead of the record's team, or an admin, resolves its dispute; never on their own."""
    not_own(actor, record.volunteer_id)
    if not actor.is_admin and record.team_key not in actor.lead_team_keys:
        raise NotLeadOrAdmin()
    if record.state is not RecordState.DISPUTED:
        raise NotDisputed()


def check_editable(actor: Actor, record: ServiceRecord) -> None:
    """The actor may change the record: a pending one of a team they lead, or, for an admin,
    any but a disputed one (its dispute is resolved instead). Never their own."""
    not_own(actor, record.volunteer_id)
    if actor.is_admin:
        if record.state is RecordState.DISPUTED:
            raise RecordNotOpen()
        return
    if record.team_key not in actor.lead_team_keys:
        raise NotTeamLead()
    if record.state is not RecordState.PENDING:
        raise RecordNotOpen()


def check_reviewable(actor: Actor, record: ServiceRecord, sent_by: int | None) -> None:
    """An admin approves a record held for review, never their own and never one they sent
    there (`sent_by`: see sent_to_review_by)."""
    if not actor.is_admin:
        raise NotAdmin()
    not_own(actor, record.volunteer_id)
    if record.state is not RecordState.REVIEW:
        raise RecordNotOpen()
    if sent_by == actor.telegram_id:
        raise SelfReview()


async def editable(tx: aiosqlite.Connection, actor: Actor, record_id: int) -> ServiceRecord:
    """A record the actor may change (see check_editable)."""
    record = await records.record(tx, record_id)
    if record is None:
        raise UnknownRecord()
    check_editable(actor, record)
    return record


def limit(record: ServiceRecord) -> int:
    """The most minutes the record may credit: its schedule's length, never beyond a day."""
    return min(record.scheduled_minutes or MAX_RECORD_MINUTES, MAX_RECORD_MINUTES)


def decided_flags(record: ServiceRecord) -> frozenset[str]:
    """The record's flags once a lead decided it by hand."""
    return record.flags | {DECIDED} if record.needs_decision else record.flags


async def fits_in_day(
    conn: aiosqlite.Connection, volunteer_id: int, day: date, minutes: int, excluding: int = 0
) -> None:
    """No day holds more than 24 h for one person, all records together."""
    others = await records.credited_on_day(conn, volunteer_id, day, excluding)
    if others + minutes > MAX_RECORD_MINUTES:
        raise DayOverfull(day=day, already=Hours(others))


async def within_day(tx: aiosqlite.Connection, record: ServiceRecord, minutes: int) -> None:
    """A record's new minutes keep its day within 24 h (lowering them always does)."""
    if minutes > record.minutes:
        await fits_in_day(tx, record.volunteer_id, record.served_on, minutes, record.id)


async def sent_to_review_by(conn: aiosqlite.Connection, record_id: int) -> int | None:
    """Who made the change that put the record in review (its latest such audit row)."""
    for entry in reversed(await audit.history(conn, record_id)):
        if entry.after.get("state") == RecordState.REVIEW.value:
            return entry.actor_telegram_id
    return None


@dataclass(frozen=True)
class RecordPermissions:
    """What a record's reader may do with it, by the checks its actions make."""

    dispute: bool = False
    resolve: bool = False  # a disputed record: new minutes, or the dispute rejected
    correct: bool = False  # new minutes with a reason
    approve: bool = False  # approve it after review (over the daily limit)


def _allowed(check: Callable[[], None]) -> bool:
    try:
        check()
    except DomainError:
        return False
    return True


async def permissions(
    conn: aiosqlite.Connection, actor: Actor, record: ServiceRecord
) -> RecordPermissions:
    volunteer_id = actor.volunteer.id if actor.volunteer is not None else None
    sent_by = (
        await sent_to_review_by(conn, record.id)
        if actor.is_admin and record.state is RecordState.REVIEW
        else None
    )
    return RecordPermissions(
        dispute=_allowed(lambda: check_disputable(volunteer_id, record)),
        resolve=_allowed(lambda: check_resolvable(actor, record)),
        correct=_allowed(lambda: check_editable(actor, record)),
        approve=_allowed(lambda: check_reviewable(actor, record, sent_by)),
    )


class Decisions:
    """The state a record takes once someone decides it: by a sheet's approval, a correction,
    a dispute's resolution or an addition by hand."""

    def __init__(self, config: HoursConfig, admins: Sequence[int]) -> None:
        self._config = config
        self._admins = list(admins)

    async def decide(
        self, conn: aiosqlite.Connection, record: ServiceRecord, actor: Actor
    ) -> ServiceRecord:
        """Absent is a no-show; more than the daily limit on its day (with the person's other
        records) goes to an admin's review, which must be another admin's: an admin with no
        other admin configured is refused."""
        flags = record.flags - {"over_daily"}
        if record.mark is Mark.ABSENT:
            return replace(record, state=RecordState.NO_SHOW, flags=flags)
        that_day = await records.minutes_on_day(
            conn, record.volunteer_id, record.served_on, record.id
        )
        daily = round(self._config.daily_review_hours * 60)
        if not (record.minutes and over_daily_limit(that_day + record.minutes, daily)):
            return replace(record, state=RecordState.APPROVED, flags=flags)
        others = [admin for admin in self._admins if admin != actor.telegram_id]
        if actor.is_admin and not others:
            raise NoOtherAdmin(limit=self._config.daily_review_hours)
        return replace(record, state=RecordState.REVIEW, flags=flags | {"over_daily"})

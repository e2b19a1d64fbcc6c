"""Attendance sheets: made once an activity has ended (plus the check-out grace), with the
minutes the credit rule proposes and the flags a lead must look at; the lead's marks; the
approval of a whole sheet; reminders to leads and escalation to admins of sheets left open."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import aiosqlite

from bot.clock import Clock
from bot.config import HoursConfig
from bot.domain.errors import InvalidMinutes, RecordNotOpen, SheetNotReady
from bot.domain.hours import (
    DECIDED,
    MAX_RECORD_MINUTES,
    Mark,
    RecordState,
    ServiceRecord,
    at_edge,
    credit,
    minutes_outside,
    spans_overlap,
    working_days_after,
)
from bot.domain.models import Activity, Actor
from bot.outbox.signal import OutboxSignal
from bot.services.hours_notices import HoursNotices
from bot.services.record_rules import Decisions, decided_flags, editable, limit, managed
from storage import activities, attendance, audit, checkins, records, signups, teams
from storage.db import Database

log = logging.getLogger(__name__)

SHEETS_PER_TICK = 50


@dataclass(frozen=True)
class SheetLine:
    record: ServiceRecord
    name: str


@dataclass(frozen=True)
class SheetView:
    activity: Activity
    lines: tuple[SheetLine, ...]
    approved: bool


@dataclass(frozen=True)
class ApproveResult:
    approved: int
    no_shows: int
    in_review: int
    own_left: int  # the approver's own records, left for another lead or an admin
    complete: bool
    held: int = 0  # flagged records, left for the lead's decision one by one


class AttendanceService:
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

    def _day(self, moment: datetime) -> date:
        return moment.astimezone(self._zone).date()

    async def make_sheets(self) -> int:
        """For each activity ended (plus the check-out grace) without a sheet: a record per
        confirmed volunteer with the minutes the rule proposes, and the sheet to its leads."""
        now = self._clock.now()
        grace = timedelta(minutes=self._config.checkout_grace_minutes)
        made = 0
        for activity_id in await attendance.ended_without_sheet(
            self._db.reader, now - grace, SHEETS_PER_TICK
        ):
            try:
                async with self._db.transaction() as tx:
                    if await self._make_sheet(tx, activity_id, now):
                        made += 1
            except Exception:
                # One activity's failure must not hold up every other sheet.
                log.exception("attendance sheet for activity %d failed", activity_id)
        if made:
            self._signal.notify()
        return made

    async def _make_sheet(self, tx: aiosqlite.Connection, activity_id: int, now: datetime) -> bool:
        activity = await activities.get(tx, activity_id)
        if activity is None or not await attendance.insert_sheet(tx, activity_id, now):
            return False
        team = await teams.by_key(tx, activity.team_key)
        assert team is not None
        by_volunteer = {
            c.volunteer_id: c for c in await checkins.checkins_of_activity(tx, activity_id)
        }
        for volunteer_id, status in await signups.roster(tx, activity_id):
            if status != "confirmed":
                continue
            checkin = by_volunteer.get(volunteer_id)
            flags: set[str] = set()
            minutes = 0
            checked_out = None
            if checkin is None:
                flags.add("no_checkin")
            else:
                checked_out = checkin.checked_out_at
                if checked_out is None:
                    # Nobody saw them leave: nothing is proposed beyond the last sign of
                    # presence (none: nothing at all) until the lead decides.
                    flags.add("no_checkout")
                if checkin.method == "lead":
                    flags.add("manual")
                if checkin.method == "location" and at_edge(
                    checkin.distance_m, self._config.checkin_radius_m
                ):
                    flags.add("edge")
                credited = credit(
                    activity.starts_at,
                    activity.ends_at,
                    checkin.checked_in_at,
                    checked_out or checkin.last_seen_at or checkin.checked_in_at,
                    self._config.min_presence_share,
                )
                minutes = min(credited.minutes, MAX_RECORD_MINUTES)
                if credited.below_share:
                    flags.add("below_share")
            record = ServiceRecord(
                id=0,
                volunteer_id=volunteer_id,
                activity_id=activity_id,
                team_key=activity.team_key,
                category=activity.category,
                title=activity.title,
                place=activity.place,
                content=activity.description or activity.title,
                served_on=self._day(activity.starts_at),
                starts_at=activity.starts_at,
                ends_at=activity.ends_at,
                checked_in_at=checkin.checked_in_at if checkin else None,
                checked_out_at=checked_out,
                proposed_minutes=minutes,
                minutes=minutes,
                mark=Mark.PRESENT if checkin else Mark.ABSENT,
                state=RecordState.PENDING,
                flags=frozenset(flags),
                source="activity",
                last_seen_at=checkin.last_seen_at if checkin and not checked_out else None,
            )
            record = await self._flag_overlaps(tx, record, now)
            record_id = await records.insert_record(tx, record, team.id, now)
            await audit.append(tx, record_id, now, None, "created", None, record)
        await self._notify.tell_leads(tx, activity, "attendance.sheet_ready", "sheet")
        return True

    async def _flag_overlaps(
        self, tx: aiosqlite.Connection, record: ServiceRecord, now: datetime
    ) -> ServiceRecord:
        """A presence overlapping another record of the same person would credit the same
        minutes twice: both are flagged (the other only while still pending), and neither
        passes a bulk approval."""
        span = record.presence_span
        if span is None:
            return record
        overlapping = False
        for other in await records.records_overlapping(
            tx, record.volunteer_id, span[0], span[1], record.id
        ):
            other_span = other.presence_span
            if other_span is None or not spans_overlap(span, other_span):
                continue
            overlapping = True
            if other.state is RecordState.PENDING and "overlap" not in other.flags:
                flagged = replace(other, flags=(other.flags | {"overlap"}) - {DECIDED})
                await records.update_record(tx, flagged, now)  # flags only: no hours changed
        return replace(record, flags=record.flags | {"overlap"}) if overlapping else record

    async def chase_sheets(self) -> int:
        """Remind leads of sheets not approved after `sheet_reminder_days`; tell the admins of
        those still open after `escalation_working_days` working days."""
        now = self._clock.now()
        told = 0
        remind_before = now - timedelta(days=self._config.sheet_reminder_days)
        for activity_id in await attendance.sheets_waiting(
            self._db.reader, remind_before, "reminded_at"
        ):
            async with self._db.transaction() as tx:
                activity = await activities.get(tx, activity_id)
                assert activity is not None
                await attendance.mark_sheet(tx, activity_id, "reminded_at", now)
                await self._notify.tell_leads(tx, activity, "attendance.reminder", "sheet_reminder")
                told += 1
        # A sheet made on day D escalates once D + N working days has come (in the org zone).
        today = self._day(now)
        for activity_id in await attendance.sheets_waiting(self._db.reader, now, "escalated_at"):
            made = await attendance.sheet(self._db.reader, activity_id)
            assert made is not None
            due = working_days_after(self._day(made[0]), self._config.escalation_working_days)
            if today < due:
                continue
            async with self._db.transaction() as tx:
                activity = await activities.get(tx, activity_id)
                assert activity is not None
                await attendance.mark_sheet(tx, activity_id, "escalated_at", now)
                await self._notify.tell_leads(
                    tx, activity, "attendance.escalated", "sheet_escalated", to_admins=True
                )
                told += 1
        if told:
            self._signal.notify()
        return told

    async def sheet(self, actor: Actor, activity_id: int) -> SheetView:
        activity = await managed(self._db.reader, actor, activity_id)
        made = await attendance.sheet(self._db.reader, activity_id)
        if made is None:
            raise SheetNotReady()
        found = await records.records_of_activity(self._db.reader, activity_id)
        # What the lead must decide comes first: missing check-outs, then other flagged ones.
        found.sort(
            key=lambda item: (
                not (item[0].needs_decision and "no_checkout" in item[0].flags),
                not item[0].needs_decision,
            )
        )
        lines = tuple(SheetLine(record, name or "—") for record, name in found)
        return SheetView(activity, lines, made[1] is not None)

    async def present_minutes(
        self, record: ServiceRecord, conn: aiosqlite.Connection | None = None
    ) -> int:
        """What marking the record present credits: the proposed minutes; for a forgotten
        check-out, the lead vouching for the person up to the scheduled end. Never minutes
        that the person's other records already count (an overlap)."""
        minutes = record.proposed_minutes
        if (
            "no_checkout" in record.flags
            and record.starts_at is not None
            and record.ends_at is not None
            and record.checked_in_at is not None
        ):
            until_end = credit(
                record.starts_at,
                record.ends_at,
                record.checked_in_at,
                record.ends_at,
                self._config.min_presence_share,
            )
            minutes = min(until_end.minutes, MAX_RECORD_MINUTES)
        span = replace(record, minutes=minutes).credited_span
        if "overlap" not in record.flags or span is None:
            return minutes
        others = await records.records_overlapping(
            conn or self._db.reader, record.volunteer_id, span[0], span[1], record.id
        )
        return minutes_outside(span, [o.credited_span for o in others if o.credited_span])

    async def set_mark(self, actor: Actor, record_id: int, mark: Mark) -> ServiceRecord:
        """Present (the proposed minutes; to the scheduled end for a forgotten check-out) or
        absent (none), on a pending record. On a flagged record this is the lead's own
        decision, which lets the sheet's approval pass it."""
        async with self._db.transaction() as tx:
            record = await editable(tx, actor, record_id)
            if record.state is not RecordState.PENDING:
                raise RecordNotOpen()
            if mark is Mark.ADJUSTED:
                raise InvalidMinutes(max=limit(record))
            changed = replace(
                record,
                mark=mark,
                minutes=await self.present_minutes(record, tx) if mark is Mark.PRESENT else 0,
                flags=decided_flags(record),
            )
            if changed != record:
                now = self._clock.now()
                await records.update_record(tx, changed, now)
                await audit.append(tx, record.id, now, actor.telegram_id, "marked", record, changed)
        return changed

    async def approve_sheet(self, actor: Actor, activity_id: int) -> ApproveResult:
        """Decide every pending record of the sheet: absent ones become no-shows, the rest are
        approved (or go to an admin's review past the daily limit); volunteers are told. The
        approver's own record is left for another lead or an admin, and each flagged record
        (see DECISION_FLAGS) for the lead's own decision, made on that record alone."""
        approved = no_shows = review = own = held = 0
        async with self._db.transaction() as tx:
            activity = await managed(tx, actor, activity_id)
            if await attendance.sheet(tx, activity_id) is None:
                raise SheetNotReady()
            now = self._clock.now()
            for record, _ in await records.records_of_activity(tx, activity_id):
                if record.state is not RecordState.PENDING:
                    continue
                if actor.volunteer is not None and actor.volunteer.id == record.volunteer_id:
                    own += 1
                    continue
                if record.needs_decision:
                    held += 1
                    continue
                decided = await self._decisions.decide(tx, record, actor)
                await records.update_record(tx, decided, now)
                action = "review" if decided.state is RecordState.REVIEW else "approved"
                await audit.append(tx, record.id, now, actor.telegram_id, action, record, decided)
                if decided.state is RecordState.NO_SHOW:
                    no_shows += 1
                    await self._notify.announce(tx, decided, "hours.no_show")
                elif decided.state is RecordState.REVIEW:
                    review += 1
                    await self._notify.announce(tx, decided, "hours.credited")
                else:
                    approved += 1
                    await self._notify.announce(tx, decided, "hours.credited")
            complete = own == 0 and held == 0
            if complete:
                await attendance.approve_sheet(tx, activity.id, actor.telegram_id, now)
        self._signal.notify()
        return ApproveResult(approved, no_shows, review, own, complete, held)

"""Service hours: check-in and check-out, attendance sheets, the audit trail, disputes, star
levels, admin corrections and certificates."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import aiosqlite

from bot.clock import Clock
from bot.config import HoursConfig
from bot.domain.errors import (
    CheckInNotOpen,
    CodeExpired,
    DayOverfull,
    InvalidMinutes,
    LiveLocationNeeded,
    NoHoursYet,
    NoLocationPin,
    NoOtherAdmin,
    NotAdmin,
    NotCheckedIn,
    NotConfirmedFor,
    NotDisputable,
    NotDisputed,
    NotLeadOrAdmin,
    NotRegistered,
    NotTeamLead,
    OpenCheckInElsewhere,
    OwnHours,
    PersonCheckedInElsewhere,
    RecordNotOpen,
    SelfReview,
    SheetAlreadyMade,
    SheetNotReady,
    TooFar,
    UnknownActivity,
    UnknownCertificate,
    UnknownCode,
    UnknownRecord,
    UnknownTeam,
)
from bot.domain.hours import (
    DECIDED,
    MAX_RECORD_MINUTES,
    AuditEntry,
    Certificate,
    CertificateLine,
    CheckIn,
    CodeDisplay,
    HoursSummary,
    Mark,
    RecordState,
    ServiceRecord,
    StarLevel,
    at_edge,
    credit,
    distance_m,
    minutes_outside,
    over_daily_limit,
    parse_reason,
    parse_text,
    spans_overlap,
    star_level,
    working_days_after,
)
from bot.domain.models import Activity, Actor, Volunteer
from bot.outbox.models import Button, OutgoingMessage, Priority
from bot.outbox.signal import OutboxSignal
from bot.services.notices import Notices
from storage import (
    activities,
    attendance,
    audit,
    certificates,
    checkins,
    displays,
    disputes,
    groups,
    leads,
    outbox,
    records,
    signups,
    teams,
    volunteers,
)
from storage.db import Database

log = logging.getLogger(__name__)

# Codes are typed by people on site: no 0/O, 1/I/L.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CHECKIN_CODE_LENGTH = 6
CERTIFICATE_CODE_LENGTH = 10
SHEETS_PER_TICK = 50
RECORDS_PER_PAGE = 8
OPEN_DISPUTE_BUTTON = "h:r:"  # the record's view, for the lead told of a dispute
SHEET_BUTTON = "mg:a:"  # the attendance sheet


def new_code(length: int) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def clean_code(text: str) -> str:
    return "".join(char for char in text.upper() if char.isalnum())


@dataclass(frozen=True)
class CheckInResult:
    activity: Activity
    at: datetime
    already: bool  # they had checked in before; the first check-in stands
    distance_m: float | None = None


@dataclass(frozen=True)
class CheckOutResult:
    activity: Activity
    checked_in_at: datetime
    checked_out_at: datetime
    minutes: int


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
class Presence:
    """Before the sheet: a confirmed volunteer and their check-in, if any."""

    volunteer: Volunteer
    checkin: CheckIn | None


@dataclass(frozen=True)
class RecordView:
    record: ServiceRecord
    volunteer_name: str
    dispute: str | None
    history: tuple[AuditEntry, ...] | None  # for leads of the team and admins only
    actors: dict[int, str] = field(default_factory=dict)  # names of those in the history


@dataclass(frozen=True)
class ApproveResult:
    approved: int
    no_shows: int
    in_review: int
    own_left: int  # the approver's own records, left for another lead or an admin
    complete: bool
    held: int = 0  # flagged records, left for the lead's decision one by one


def _manual_draft(
    volunteer_id: int, team_key: str, served_on: date, minutes: int, title: str
) -> ServiceRecord:
    """A record of hours added by hand, before it is decided."""
    return ServiceRecord(
        id=0,
        volunteer_id=volunteer_id,
        activity_id=None,
        team_key=team_key,
        category="manual",
        title=title,
        place="—",
        content=title,
        served_on=served_on,
        starts_at=None,
        ends_at=None,
        checked_in_at=None,
        checked_out_at=None,
        proposed_minutes=minutes,
        minutes=minutes,
        mark=Mark.ADJUSTED,
        state=RecordState.PENDING,
        flags=frozenset(),
        source="manual",
    )


class HoursService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        config: HoursConfig,
        zone: ZoneInfo,
        notices: Notices,
        signal: OutboxSignal,
        admins: Sequence[int],
        organisation: str,
    ) -> None:
        self._db = db
        self._clock = clock
        self._config = config
        self._zone = zone
        self._notices = notices
        self._signal = signal
        self._admins = list(admins)
        self._organisation = organisation

    @property
    def config(self) -> HoursConfig:
        return self._config

    def _day(self, moment: datetime) -> date:
        return moment.astimezone(self._zone).date()

    # ------------------------------------------------------------ check-in and check-out

    async def _volunteer(self, conn: aiosqlite.Connection, telegram_id: int) -> Volunteer:
        volunteer = await volunteers.by_telegram_id(conn, telegram_id)
        if volunteer is None:
            raise NotRegistered()
        return volunteer

    def _opens(self, activity: Activity) -> datetime:
        return activity.starts_at - timedelta(minutes=self._config.checkin_opens_minutes)

    async def open_for_checkin(self, telegram_id: int) -> list[tuple[Activity, CheckIn | None]]:
        """My confirmed activities open for check-in now (from shortly before the start to
        the end), each with my check-in if I made one."""
        volunteer = await self._volunteer(self._db.reader, telegram_id)
        now = self._clock.now()
        current, _ = await activities.of_volunteer(self._db.reader, volunteer.id, now, 0)
        found = []
        for activity, status in current:
            open_now = self._opens(activity) <= now <= activity.ends_at
            if status == "confirmed" and activity.state == "published" and open_now:
                checkin = await checkins.checkin(self._db.reader, activity.id, volunteer.id)
                found.append((activity, checkin))
        return found

    async def awaiting_location_checkin(self, telegram_id: int) -> list[Activity]:
        """My activities open for check-in now that have a pin and no check-in of mine yet:
        where a location I share would check me in."""
        return [
            activity
            for activity, checkin in await self.open_for_checkin(telegram_id)
            if checkin is None and activity.latitude is not None
        ]

    async def _checkable(
        self, conn: aiosqlite.Connection, volunteer: Volunteer, activity_id: int
    ) -> Activity:
        activity = await activities.get(conn, activity_id)
        if activity is None or activity.state != "published":
            raise UnknownActivity()
        active = await signups.active(conn, activity.id, volunteer.id)
        if active is None or active[1] != "confirmed":
            raise NotConfirmedFor(title=activity.title)
        now = self._clock.now()
        if not self._opens(activity) <= now <= activity.ends_at:
            raise CheckInNotOpen(
                title=activity.title, opens=self._opens(activity), ends=activity.ends_at
            )
        return activity

    async def _check_in(
        self,
        volunteer: Volunteer,
        activity_id: int,
        method: str,
        distance: float | None = None,
    ) -> CheckInResult:
        """The first check-in stands; checking in again is a presence signal on it. Refused
        while the person is checked in (not yet out) to another activity overlapping this one:
        one person is never present at two activities at once."""
        async with self._db.transaction() as tx:
            activity = await self._checkable(tx, volunteer, activity_id)
            now = self._clock.now()
            existing = await checkins.checkin(tx, activity.id, volunteer.id)
            if existing is not None:
                await checkins.touch_checkin(tx, activity.id, volunteer.id, now)
                return CheckInResult(activity, existing.checked_in_at, True, distance)
            elsewhere = await checkins.open_checkins_overlapping(
                tx, volunteer.id, activity.starts_at, activity.ends_at, activity.id
            )
            if elsewhere:
                raise OpenCheckInElsewhere(title=elsewhere[0])
            await checkins.insert_checkin(tx, activity.id, volunteer.id, method, now, distance)
        return CheckInResult(activity, now, False, distance)

    async def check_in_by_location(
        self, telegram_id: int, activity_id: int, latitude: float, longitude: float, live: bool
    ) -> CheckInResult:
        """A live location inside the activity's radius: checked in; outside: refused, saying
        how far. A plain location can be any point picked on the map, so it is refused."""
        volunteer = await self._volunteer(self._db.reader, telegram_id)
        activity = await self._checkable(self._db.reader, volunteer, activity_id)
        if activity.latitude is None or activity.longitude is None:
            raise NoLocationPin()
        if not live:
            raise LiveLocationNeeded()
        distance = distance_m(latitude, longitude, activity.latitude, activity.longitude)
        if distance > self._config.checkin_radius_m:
            raise TooFar(distance=round(distance), radius=self._config.checkin_radius_m)
        return await self._check_in(volunteer, activity.id, "location", round(distance, 1))

    async def live_location_moved(self, telegram_id: int, latitude: float, longitude: float) -> int:
        """A live location shared for check-in moved: each open location check-in whose
        activity is under way (and pin within the radius) takes it as a presence signal. How
        many did."""
        volunteer = await volunteers.by_telegram_id(self._db.reader, telegram_id)
        if volunteer is None:
            return 0
        now = self._clock.now()
        touched = 0
        for checkin in await checkins.open_checkins(self._db.reader, volunteer.id):
            activity = await activities.get(self._db.reader, checkin.activity_id)
            if (
                checkin.method != "location"
                or activity is None
                or activity.latitude is None
                or activity.longitude is None
                or not self._opens(activity) <= now <= activity.ends_at
            ):
                continue
            away = distance_m(latitude, longitude, activity.latitude, activity.longitude)
            if away > self._config.checkin_radius_m:
                continue  # moving away is no sign of presence
            async with self._db.transaction() as tx:
                touched += await checkins.touch_checkin(tx, activity.id, volunteer.id, now)
        return touched

    async def check_in_by_code(self, telegram_id: int, code: str) -> CheckInResult:
        """A code the lead shows on site (typed, or the QR's deep link)."""
        volunteer = await self._volunteer(self._db.reader, telegram_id)
        found = await checkins.code(self._db.reader, clean_code(code)[:20])
        if found is None:
            raise UnknownCode()
        activity_id, expires_at = found
        if self._clock.now() >= expires_at:
            raise CodeExpired()
        return await self._check_in(volunteer, activity_id, "code")

    async def issue_code(self, actor: Actor, activity_id: int) -> tuple[Activity, str, datetime]:
        """A fresh check-in code for the activity, good for `code_minutes`."""
        activity = await self._managed(self._db.reader, actor, activity_id)
        now = self._clock.now()
        if not self._opens(activity) <= now <= activity.ends_at:
            raise CheckInNotOpen(
                title=activity.title, opens=self._opens(activity), ends=activity.ends_at
            )
        token = new_code(CHECKIN_CODE_LENGTH)
        expires = now + timedelta(minutes=self._config.code_minutes)
        async with self._db.transaction() as tx:
            await checkins.insert_code(tx, token, activity.id, actor.telegram_id, now, expires)
        return activity, token, expires

    async def keep_code_display(self, display: CodeDisplay) -> None:
        """A message now shows the activity's rotating code: kept, so that a restart rotates
        it on."""
        async with self._db.transaction() as tx:
            await displays.save(tx, display, self._clock.now())

    async def end_code_display(self, chat_id: int, activity_id: int) -> None:
        async with self._db.transaction() as tx:
            await displays.drop(tx, chat_id, activity_id)

    async def code_displays_to_rotate(self) -> list[CodeDisplay]:
        """At start-up: the displays of activities still in progress (the others are
        dropped)."""
        now = self._clock.now()
        async with self._db.transaction() as tx:
            await displays.drop_ended(tx, now)
            return await displays.in_progress(tx, now)

    async def presence(self, actor: Actor, activity_id: int) -> tuple[Activity, list[Presence]]:
        """The confirmed volunteers and their check-ins, for the lead to mark by hand."""
        activity = await self._managed(self._db.reader, actor, activity_id)
        by_volunteer = {
            c.volunteer_id: c
            for c in await checkins.checkins_of_activity(self._db.reader, activity.id)
        }
        people = []
        for volunteer_id, status in await signups.roster(self._db.reader, activity.id):
            volunteer = await volunteers.by_id(self._db.reader, volunteer_id)
            if status == "confirmed" and volunteer is not None:
                people.append(Presence(volunteer, by_volunteer.get(volunteer_id)))
        return activity, people

    async def mark_present(
        self, actor: Actor, activity_id: int, volunteer_id: int, present: bool
    ) -> bool:
        """The lead marks presence by hand (or takes back a mark made by hand) before the
        attendance sheet is made. True if that changed anything."""
        async with self._db.transaction() as tx:
            activity = await self._managed(tx, actor, activity_id)
            self._not_own(actor, volunteer_id)
            if await attendance.sheet(tx, activity.id) is not None:
                raise SheetAlreadyMade()
            now = self._clock.now()
            if not self._opens(activity) <= now:
                raise CheckInNotOpen(
                    title=activity.title, opens=self._opens(activity), ends=activity.ends_at
                )
            active = await signups.active(tx, activity.id, volunteer_id)
            if active is None or active[1] != "confirmed":
                raise NotConfirmedFor(title=activity.title)
            if present:
                elsewhere = await checkins.open_checkins_overlapping(
                    tx, volunteer_id, activity.starts_at, activity.ends_at, activity.id
                )
                if elsewhere:
                    raise PersonCheckedInElsewhere(title=elsewhere[0])
                # The lead vouches for the person being there: from the start if they mark
                # them once it has begun; the sheet still shows it for review.
                return await checkins.insert_checkin(
                    tx,
                    activity.id,
                    volunteer_id,
                    "lead",
                    min(now, activity.starts_at),
                    None,
                    actor.telegram_id,
                )
            return await checkins.remove_checkin(tx, activity.id, volunteer_id)

    async def open_sessions(self, telegram_id: int) -> list[tuple[Activity, CheckIn]]:
        volunteer = await self._volunteer(self._db.reader, telegram_id)
        found = []
        for checkin in await checkins.open_checkins(self._db.reader, volunteer.id):
            activity = await activities.get(self._db.reader, checkin.activity_id)
            if activity is not None:
                found.append((activity, checkin))
        return found

    async def check_out(self, telegram_id: int, activity_id: int) -> CheckOutResult:
        volunteer = await self._volunteer(self._db.reader, telegram_id)
        async with self._db.transaction() as tx:
            activity = await activities.get(tx, activity_id)
            checkin = await checkins.checkin(tx, activity_id, volunteer.id)
            if activity is None or checkin is None or checkin.checked_out_at is not None:
                raise NotCheckedIn()
            if await attendance.sheet(tx, activity_id) is not None:
                raise SheetAlreadyMade()
            now = self._clock.now()
            await checkins.checkout(tx, activity_id, volunteer.id, now)
        out = max(now, checkin.checked_in_at)
        credited = credit(
            activity.starts_at,
            activity.ends_at,
            checkin.checked_in_at,
            out,
            self._config.min_presence_share,
        )
        return CheckOutResult(activity, checkin.checked_in_at, out, credited.minutes)

    # ------------------------------------------------------------ attendance sheets

    async def _managed(
        self, conn: aiosqlite.Connection, actor: Actor, activity_id: int
    ) -> Activity:
        activity = await activities.get(conn, activity_id)
        if activity is None:
            raise UnknownActivity()
        if not actor.is_admin and activity.team_key not in actor.lead_team_keys:
            raise NotTeamLead()
        return activity

    def _not_own(self, actor: Actor, volunteer_id: int) -> None:
        if actor.volunteer is not None and actor.volunteer.id == volunteer_id:
            raise OwnHours()

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
        await self._tell_leads(tx, activity, "attendance.sheet_ready", "sheet")
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

    async def _tell_leads(
        self,
        tx: aiosqlite.Connection,
        activity: Activity,
        key: str,
        kind: str,
        to_admins: bool = False,
    ) -> None:
        """A notice about an activity's sheet with a button to open it, to the team's leads
        (or the admins, when asked or when the team has none)."""
        recipients = [] if to_admins else await leads.telegram_ids_of_team(tx, activity.team_key)
        if not recipients:
            recipients = list(self._admins)
        messages = [
            await self._notices.make(
                tx,
                chat_id,
                kind,
                key,
                {"title": activity.title, "start": activity.starts_at},
                Priority.NOTICE,
                lambda t: ((Button(t("button.open_sheet"), f"{SHEET_BUTTON}{activity.id}"),),),
            )
            for chat_id in recipients
        ]
        await outbox.enqueue(tx, messages, self._clock.now())

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
                await self._tell_leads(tx, activity, "attendance.reminder", "sheet_reminder")
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
                await self._tell_leads(
                    tx, activity, "attendance.escalated", "sheet_escalated", to_admins=True
                )
                told += 1
        if told:
            self._signal.notify()
        return told

    async def sheet(self, actor: Actor, activity_id: int) -> SheetView:
        activity = await self._managed(self._db.reader, actor, activity_id)
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

    async def _editable(
        self, tx: aiosqlite.Connection, actor: Actor, record_id: int
    ) -> tuple[ServiceRecord, Activity | None]:
        """A record the actor may change: a pending one of a team they lead, or, for an
        admin, any. Never their own."""
        record = await records.record(tx, record_id)
        if record is None:
            raise UnknownRecord()
        self._not_own(actor, record.volunteer_id)
        activity = await activities.get(tx, record.activity_id) if record.activity_id else None
        if actor.is_admin:
            return record, activity
        if record.team_key not in actor.lead_team_keys:
            raise NotTeamLead()
        if record.state is not RecordState.PENDING:
            raise RecordNotOpen()
        return record, activity

    @staticmethod
    async def _fits_in_day(
        conn: aiosqlite.Connection, volunteer_id: int, day: date, minutes: int, excluding: int = 0
    ) -> None:
        """No day holds more than 24 h for one person, all records together."""
        others = await records.credited_on_day(conn, volunteer_id, day, excluding)
        if others + minutes > MAX_RECORD_MINUTES:
            raise DayOverfull(day=day, already=round(others / 60, 2))

    async def _within_day(
        self, tx: aiosqlite.Connection, record: ServiceRecord, minutes: int
    ) -> None:
        """A record's new minutes keep its day within 24 h (lowering them always does)."""
        if minutes > record.minutes:
            await self._fits_in_day(tx, record.volunteer_id, record.served_on, minutes, record.id)

    @staticmethod
    def _decided(record: ServiceRecord) -> frozenset[str]:
        """The record's flags once a lead decided it by hand."""
        return record.flags | {DECIDED} if record.needs_decision else record.flags

    def _limit(self, record: ServiceRecord) -> int:
        return min(record.scheduled_minutes or MAX_RECORD_MINUTES, MAX_RECORD_MINUTES)

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
            record, _ = await self._editable(tx, actor, record_id)
            if record.state is not RecordState.PENDING:
                raise RecordNotOpen()
            if mark is Mark.ADJUSTED:
                raise InvalidMinutes(max=self._limit(record))
            changed = replace(
                record,
                mark=mark,
                minutes=await self.present_minutes(record, tx) if mark is Mark.PRESENT else 0,
                flags=self._decided(record),
            )
            if changed != record:
                now = self._clock.now()
                await records.update_record(tx, changed, now)
                await audit.append(tx, record.id, now, actor.telegram_id, "marked", record, changed)
        return changed

    async def adjust(
        self, actor: Actor, record_id: int, minutes: int, reason: str
    ) -> ServiceRecord:
        """Minutes set by hand with a reason: by the lead on a pending record, or by an admin
        on any record (a correction). Never beyond the activity's length."""
        clean_reason = parse_reason(reason)
        async with self._db.transaction() as tx:
            record, _ = await self._editable(tx, actor, record_id)
            if not 0 <= minutes <= self._limit(record):
                raise InvalidMinutes(max=self._limit(record))
            await self._within_day(tx, record, minutes)
            now = self._clock.now()
            changed = replace(
                record,
                minutes=minutes,
                mark=Mark.ADJUSTED if minutes else Mark.ABSENT,
                flags=self._decided(record),
            )
            if record.state is not RecordState.PENDING:
                # An admin's correction of a decided record: decided again (approved, a
                # no-show at 0, or held for review past the daily limit).
                changed = await self._decide(tx, changed, actor)
            await records.update_record(tx, changed, now)
            await audit.append(
                tx, record.id, now, actor.telegram_id, "adjusted", record, changed, clean_reason
            )
            if record.state is not RecordState.PENDING:
                await self._announce(tx, changed, "hours.corrected", reason=clean_reason)
        self._signal.notify()
        return changed

    async def _decide(
        self, conn: aiosqlite.Connection, record: ServiceRecord, actor: Actor
    ) -> ServiceRecord:
        """The record's state once `actor` decides it: absent is a no-show; more than the
        daily limit on its day (with the person's other records) goes to an admin's review,
        which must be another admin's: an admin with no other admin configured is refused."""
        flags = record.flags - {"over_daily"}
        if record.mark is Mark.ABSENT:
            return replace(record, state=RecordState.NO_SHOW, flags=flags)
        that_day = await records.minutes_on_day(
            conn, record.volunteer_id, record.served_on, record.id
        )
        limit = round(self._config.daily_review_hours * 60)
        if not (record.minutes and over_daily_limit(that_day + record.minutes, limit)):
            return replace(record, state=RecordState.APPROVED, flags=flags)
        others = [admin for admin in self._admins if admin != actor.telegram_id]
        if actor.is_admin and not others:
            raise NoOtherAdmin(limit=self._config.daily_review_hours)
        return replace(record, state=RecordState.REVIEW, flags=flags | {"over_daily"})

    async def _announce(
        self, tx: aiosqlite.Connection, record: ServiceRecord, key: str, **extra: object
    ) -> None:
        """Tell the volunteer how a decided record stands (`key` when it counts as decided;
        the review notice when it waits for an admin, who is told too); stars follow."""
        if record.state is RecordState.REVIEW:
            await self._tell_volunteer(tx, record, "hours.in_review")
            await self._tell_admins_review(tx, record)
            return
        await self._tell_volunteer(tx, record, key, **extra)
        if record.state is RecordState.APPROVED:
            await self._celebrate(tx, record)

    async def approve_sheet(self, actor: Actor, activity_id: int) -> ApproveResult:
        """Decide every pending record of the sheet: absent ones become no-shows, the rest are
        approved (or go to an admin's review past the daily limit); volunteers are told. The
        approver's own record is left for another lead or an admin, and each flagged record
        (see DECISION_FLAGS) for the lead's own decision, made on that record alone."""
        approved = no_shows = review = own = held = 0
        async with self._db.transaction() as tx:
            activity = await self._managed(tx, actor, activity_id)
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
                decided = await self._decide(tx, record, actor)
                await records.update_record(tx, decided, now)
                action = "review" if decided.state is RecordState.REVIEW else "approved"
                await audit.append(tx, record.id, now, actor.telegram_id, action, record, decided)
                if decided.state is RecordState.NO_SHOW:
                    no_shows += 1
                    await self._announce(tx, decided, "hours.no_show")
                elif decided.state is RecordState.REVIEW:
                    review += 1
                    await self._announce(tx, decided, "hours.credited")
                else:
                    approved += 1
                    await self._announce(tx, decided, "hours.credited")
            complete = own == 0 and held == 0
            if complete:
                await attendance.approve_sheet(tx, activity.id, actor.telegram_id, now)
        self._signal.notify()
        return ApproveResult(approved, no_shows, review, own, complete, held)

    async def approve_review(self, actor: Actor, record_id: int) -> ServiceRecord:
        """An admin approves a record held for review (over the daily limit): never the one
        who sent it there (who added or corrected the minutes, or approved the sheet)."""
        if not actor.is_admin:
            raise NotAdmin()
        async with self._db.transaction() as tx:
            record = await records.record(tx, record_id)
            if record is None:
                raise UnknownRecord()
            self._not_own(actor, record.volunteer_id)
            if record.state is not RecordState.REVIEW:
                raise RecordNotOpen()
            if await self._sent_to_review_by(tx, record.id) == actor.telegram_id:
                raise SelfReview()
            now = self._clock.now()
            decided = replace(record, state=RecordState.APPROVED)
            await records.update_record(tx, decided, now)
            await audit.append(tx, record.id, now, actor.telegram_id, "approved", record, decided)
            await self._announce(tx, decided, "hours.credited")
        self._signal.notify()
        return decided

    @staticmethod
    async def _sent_to_review_by(tx: aiosqlite.Connection, record_id: int) -> int | None:
        """Who made the change that put the record in review (its latest such audit row)."""
        for entry in reversed(await audit.history(tx, record_id)):
            if entry.after.get("state") == RecordState.REVIEW.value:
                return entry.actor_telegram_id
        return None

    async def _tell_volunteer(
        self, tx: aiosqlite.Connection, record: ServiceRecord, key: str, **extra: object
    ) -> None:
        volunteer = await volunteers.by_id(tx, record.volunteer_id)
        if volunteer is None or volunteer.telegram_id is None:
            return
        t = await self._notices.translator_for(tx, volunteer.telegram_id)
        params = {
            "title": record.title,
            "day": record.served_on,
            "hours": t.number(round(record.minutes / 60, 2)),
            **extra,
        }
        notice = await self._notices.make(
            tx,
            volunteer.telegram_id,
            "hours",
            key,
            params,
            Priority.NOTICE,
            lambda t: ((Button(t("button.open_record"), f"{OPEN_DISPUTE_BUTTON}{record.id}"),),),
        )
        await outbox.enqueue(tx, [notice], self._clock.now())

    async def _tell_admins_review(self, tx: aiosqlite.Connection, record: ServiceRecord) -> None:
        volunteer = await volunteers.by_id(tx, record.volunteer_id)
        messages: list[OutgoingMessage] = []
        for admin in self._admins:
            t = await self._notices.translator_for(tx, admin)
            messages.append(
                await self._notices.make(
                    tx,
                    admin,
                    "hours_review",
                    "hours.review_needed",
                    {
                        "name": volunteer.name if volunteer else "—",
                        "title": record.title,
                        "day": record.served_on,
                        "hours": t.number(round(record.minutes / 60, 2)),
                        "limit": t.number(self._config.daily_review_hours),
                    },
                    Priority.NOTICE,
                    lambda t: (
                        (Button(t("button.open_record"), f"{OPEN_DISPUTE_BUTTON}{record.id}"),),
                    ),
                    about=record.volunteer_id,
                )
            )
        await outbox.enqueue(tx, messages, self._clock.now())

    async def _celebrate(self, tx: aiosqlite.Connection, record: ServiceRecord) -> None:
        """Crossing a star level: a congratulation, and a post in the team's group unless the
        volunteer chose anonymity. Each level is told once."""
        told, anonymous = await records.stars(tx, record.volunteer_id)
        level = star_level(
            await records.approved_minutes(tx, record.volunteer_id), self._config.star_hours
        )
        if level.level <= told:
            return
        await records.set_stars(tx, record.volunteer_id, level.level)
        volunteer = await volunteers.by_id(tx, record.volunteer_id)
        if volunteer is None or volunteer.telegram_id is None:
            return
        stars = "★" * level.level
        reached = self._config.star_hours[level.level - 1]
        messages = [
            await self._notices.make(
                tx,
                volunteer.telegram_id,
                "stars",
                "stars.congratulations",
                {"stars": stars, "hours": reached},
            )
        ]
        team = await teams.by_key(tx, record.team_key)
        group = await groups.chat_of_team(tx, team.id) if team else None
        if group is not None and not anonymous:
            t = self._notices.default_translator()
            messages.append(
                OutgoingMessage(
                    group,
                    "stars_group",
                    t("stars.group_post", name=volunteer.name, stars=stars, hours=reached),
                    Priority.DIGEST,
                    about=volunteer.id,
                )
            )
        await outbox.enqueue(tx, messages, self._clock.now())

    # ------------------------------------------------------------ records, disputes, /hours

    async def summary(self, telegram_id: int) -> tuple[HoursSummary, StarLevel]:
        volunteer = await self._volunteer(self._db.reader, telegram_id)
        year_start = date(self._day(self._clock.now()).year, 1, 1)
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
        volunteer = await self._volunteer(self._db.reader, telegram_id)
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
        history."""
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
            actors,
        )

    async def record_to_decide(self, actor: Actor, record_id: int) -> RecordView:
        """A record for someone about to adjust it or resolve its dispute: never their own,
        and only for the team's leads and admins."""
        view = await self.record_view(actor, record_id)
        self._not_own(actor, view.record.volunteer_id)
        if not actor.is_admin and view.record.team_key not in actor.lead_team_keys:
            raise NotTeamLead()
        return view

    async def set_minutes(
        self, actor: Actor, record_id: int, minutes: int, reason: str
    ) -> ServiceRecord:
        """Minutes a lead or admin chose, with a reason: the resolution of the record's
        dispute if it is disputed, an adjustment otherwise."""
        record = await records.record(self._db.reader, record_id)
        if record is not None and record.state is RecordState.DISPUTED:
            return await self.resolve(actor, record_id, minutes, reason)
        return await self.adjust(actor, record_id, minutes, reason)

    async def dispute(self, telegram_id: int, record_id: int, text: str) -> ServiceRecord:
        """The volunteer disputes a decided record of theirs; its leads (or admins) are told."""
        clean = parse_text(text)
        async with self._db.transaction() as tx:
            volunteer = await self._volunteer(tx, telegram_id)
            record = await records.record(tx, record_id)
            if record is None or record.volunteer_id != volunteer.id:
                raise UnknownRecord()
            if record.state not in (RecordState.APPROVED, RecordState.NO_SHOW):
                raise NotDisputable()
            now = self._clock.now()
            await disputes.open_dispute(tx, record.id, clean, now)
            disputed = replace(record, state=RecordState.DISPUTED)
            await records.update_record(tx, disputed, now)
            await audit.append(tx, record.id, now, telegram_id, "disputed", record, disputed, clean)
            team_leads = await leads.telegram_ids_of_team(tx, record.team_key)
            recipients = [chat for chat in team_leads if chat != telegram_id] or self._admins
            messages = [
                await self._notices.make(
                    tx,
                    chat_id,
                    "dispute",
                    "dispute.opened",
                    {"name": volunteer.name, "title": record.title, "text": clean},
                    Priority.NOTICE,
                    lambda t: (
                        (Button(t("button.open_record"), f"{OPEN_DISPUTE_BUTTON}{record.id}"),),
                    ),
                    about=volunteer.id,
                )
                for chat_id in recipients
                if chat_id != telegram_id
            ]
            await outbox.enqueue(tx, messages, now)
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
            self._not_own(actor, record.volunteer_id)
            if not actor.is_admin and record.team_key not in actor.lead_team_keys:
                raise NotLeadOrAdmin()
            if record.state is not RecordState.DISPUTED:
                raise NotDisputed()
            if minutes is not None and not 0 <= minutes <= self._limit(record):
                raise InvalidMinutes(max=self._limit(record))
            if minutes is not None:
                await self._within_day(tx, record, minutes)
            now = self._clock.now()
            if minutes is None:  # rejected: the record is decided again as it was
                resolved = await self._decide(tx, record, actor)
            else:
                mark = Mark.ADJUSTED if minutes else Mark.ABSENT
                resolved = await self._decide(
                    tx, replace(record, minutes=minutes, mark=mark), actor
                )
            outcome = "rejected" if minutes is None else "adjusted"
            await disputes.resolve_dispute(tx, record.id, actor.telegram_id, outcome, clean, now)
            await records.update_record(tx, resolved, now)
            await audit.append(
                tx, record.id, now, actor.telegram_id, "resolved", record, resolved, clean
            )
            await self._announce(tx, resolved, f"dispute.{outcome}", reason=clean)
        self._signal.notify()
        return resolved

    async def preview_manual(
        self, actor: Actor, volunteer_id: int, served_on: date, minutes: int
    ) -> RecordState:
        """What adding these minutes would lead to (approved, or another admin's review),
        before anything is written; refused like the addition itself would be."""
        if not actor.is_admin:
            raise NotAdmin()
        if not 1 <= minutes <= MAX_RECORD_MINUTES:
            raise InvalidMinutes(max=MAX_RECORD_MINUTES)
        await self._fits_in_day(self._db.reader, volunteer_id, served_on, minutes)
        draft = _manual_draft(volunteer_id, "", served_on, minutes, "")
        return (await self._decide(self._db.reader, draft, actor)).state

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
        self._not_own(actor, volunteer_id)
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
            await self._fits_in_day(tx, volunteer_id, served_on, minutes)
            now = self._clock.now()
            draft = _manual_draft(volunteer_id, team.key, served_on, minutes, clean_title)
            decided = await self._decide(tx, draft, actor)
            record_id = await records.insert_record(tx, decided, team.id, now)
            added = replace(decided, id=record_id)
            await audit.append(
                tx, record_id, now, actor.telegram_id, "added", None, added, clean_reason
            )
            await self._announce(tx, added, "hours.added", reason=clean_reason)
        self._signal.notify()
        return added

    # ------------------------------------------------------------ certificates

    async def issue_certificate(self, telegram_id: int, team_names: dict[str, str]) -> Certificate:
        """Every approved record of mine, with a verification code kept for /verify."""
        volunteer = await self._volunteer(self._db.reader, telegram_id)
        rows = await certificates.approved_for_certificate(self._db.reader, volunteer.id)
        if not rows:
            raise NoHoursYet()
        lines = tuple(
            CertificateLine(
                title=record.title,
                day=record.served_on,
                place=record.place,
                content=record.content,
                minutes=record.minutes,
                team=team_names.get(record.team_key, name_zh),
                person_in_charge=lead or "—",
            )
            for record, name_zh, _, lead in rows
        )
        total = sum(line.minutes for line in lines)
        now = self._clock.now()
        code = new_code(CERTIFICATE_CODE_LENGTH)
        async with self._db.transaction() as tx:
            await certificates.insert_certificate(
                tx, code, volunteer.id, volunteer.name, total, len(lines), now
            )
        return Certificate(code, volunteer.name, lines, total, self._organisation, self._day(now))

    async def verify(self, code: str) -> tuple[str, int, int, date]:
        """Holder, total minutes, records and issue date of a certificate."""
        found = await certificates.certificate(self._db.reader, clean_code(code)[:20])
        if found is None:
            raise UnknownCertificate()
        holder, total, count, issued = found
        return holder, total, count, self._day(issued)

    # ------------------------------------------------------------ settings

    async def set_anonymous(self, telegram_id: int, anonymous: bool) -> None:
        async with self._db.transaction() as tx:
            if not await records.set_anonymous(tx, telegram_id, anonymous):
                raise NotRegistered()

    async def anonymous(self, telegram_id: int) -> bool:
        volunteer = await self._volunteer(self._db.reader, telegram_id)
        return (await records.stars(self._db.reader, volunteer.id))[1]

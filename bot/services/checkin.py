"""Check-in and check-out: by a live location near the activity's pin, by the code a lead shows
on site (typed, or its QR's deep link), or by the lead's hand before the sheet; the rotating
code displays; presence signals from a live location that keeps moving."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import aiosqlite

from bot.clock import Clock
from bot.config import HoursConfig
from bot.domain.errors import (
    CheckInNotOpen,
    CodeExpired,
    LiveLocationNeeded,
    NoLocationPin,
    NotCheckedIn,
    NotConfirmedFor,
    OpenCheckInElsewhere,
    PersonCheckedInElsewhere,
    SheetAlreadyMade,
    TooFar,
    UnknownActivity,
    UnknownCode,
)
from bot.domain.hours import CheckIn, CodeDisplay, credit, distance_m
from bot.domain.models import Activity, Actor, Volunteer
from bot.services.codes import clean_code, new_code
from bot.services.record_rules import managed, not_own, registered
from storage import activities, attendance, checkins, displays, signups, volunteers
from storage.db import Database

CHECKIN_CODE_LENGTH = 6


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
class Presence:
    """Before the sheet: a confirmed volunteer and their check-in, if any."""

    volunteer: Volunteer
    checkin: CheckIn | None


class CheckInService:
    def __init__(self, db: Database, clock: Clock, config: HoursConfig) -> None:
        self._db = db
        self._clock = clock
        self._config = config

    @property
    def config(self) -> HoursConfig:
        return self._config

    def _opens(self, activity: Activity) -> datetime:
        return activity.starts_at - timedelta(minutes=self._config.checkin_opens_minutes)

    def _must_be_open(self, activity: Activity, now: datetime) -> None:
        if not self._opens(activity) <= now <= activity.ends_at:
            raise CheckInNotOpen(
                title=activity.title, opens=self._opens(activity), ends=activity.ends_at
            )

    async def open_for_checkin(self, telegram_id: int) -> list[tuple[Activity, CheckIn | None]]:
        """My confirmed activities open for check-in now (from shortly before the start to
        the end), each with my check-in if I made one."""
        volunteer = await registered(self._db.reader, telegram_id)
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
        self._must_be_open(activity, now)
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
        volunteer = await registered(self._db.reader, telegram_id)
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
        volunteer = await registered(self._db.reader, telegram_id)
        found = await checkins.code(self._db.reader, clean_code(code))
        if found is None:
            raise UnknownCode()
        activity_id, expires_at = found
        if self._clock.now() >= expires_at:
            raise CodeExpired()
        return await self._check_in(volunteer, activity_id, "code")

    async def issue_code(self, actor: Actor, activity_id: int) -> tuple[Activity, str, datetime]:
        """A fresh check-in code for the activity, good for `code_minutes`."""
        activity = await managed(self._db.reader, actor, activity_id)
        now = self._clock.now()
        self._must_be_open(activity, now)
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
        activity = await managed(self._db.reader, actor, activity_id)
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
            activity = await managed(tx, actor, activity_id)
            not_own(actor, volunteer_id)
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
        volunteer = await registered(self._db.reader, telegram_id)
        found = []
        for checkin in await checkins.open_checkins(self._db.reader, volunteer.id):
            activity = await activities.get(self._db.reader, checkin.activity_id)
            if activity is not None:
                found.append((activity, checkin))
        return found

    async def check_out(self, telegram_id: int, activity_id: int) -> CheckOutResult:
        volunteer = await registered(self._db.reader, telegram_id)
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

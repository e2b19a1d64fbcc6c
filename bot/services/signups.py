"""Signing up for activities and giving places up: capacity and the waitlist, a freed place
going to the first waiting, a late cancellation alerting the leads; and a person's own
sign-ups (/my, the calendar file)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiosqlite

from bot.clock import Clock
from bot.domain.errors import (
    ActivityCancelled,
    NotRegistered,
    NotSignedUp,
    ScheduleClash,
    SignupClosed,
    UnknownActivity,
)
from bot.domain.models import Activity, Volunteer
from bot.domain.roster import Placement
from bot.outbox.signal import OutboxSignal
from bot.services.activity_notices import ActivityNotices
from bot.services.activity_pages import ActivityPages
from bot.services.calendar import ics
from bot.services.group_commit import GroupCommit
from storage import activities, reminders, signups, volunteers

PAST_SHOWN = 10


@dataclass(frozen=True)
class SignupResult:
    activity: Activity
    placement: Placement
    waitlist_position: int | None


@dataclass(frozen=True)
class _Placing:
    activity: Activity
    volunteer_id: int
    now: datetime


@dataclass(frozen=True)
class CancelResult:
    activity: Activity
    was: Placement
    promoted_volunteer_id: int | None
    late: bool


class SignupService:
    def __init__(
        self,
        pages: ActivityPages,
        clock: Clock,
        cutoff: timedelta,
        reminder_offsets: Sequence[timedelta],
        notices: ActivityNotices,
        signal: OutboxSignal,
    ) -> None:
        self._pages = pages
        self._clock = clock
        self._cutoff = cutoff
        self._offsets = list(reminder_offsets)
        self._notices = notices
        self._signal = signal
        # A storm of sign-ups shares its write transactions (see bot/services/group_commit.py).
        self._placing: GroupCommit[_Placing, tuple[int, str] | None] = GroupCommit(
            self._pages.writing, self._place
        )

    async def mine(
        self, telegram_id: int
    ) -> tuple[list[tuple[Activity, Placement]], list[Activity]]:
        """This person's sign-ups not yet ended, and their ten most recent past activities."""
        volunteer = await volunteers.by_telegram_id(self._pages.reader, telegram_id)
        if volunteer is None:
            raise NotRegistered()
        current, past = await activities.of_volunteer(
            self._pages.reader, volunteer.id, self._clock.now(), PAST_SHOWN
        )
        return [(activity, Placement(status)) for activity, status in current], past

    async def calendar(self, telegram_id: int, organisation: str) -> bytes:
        """An .ics file of this person's confirmed activities not yet ended."""
        current, _ = await self.mine(telegram_id)
        confirmed = [a for a, placement in current if placement is Placement.CONFIRMED]
        return ics(confirmed, organisation, self._clock.now())

    async def counts(self, activity_id: int) -> tuple[int, int]:
        """(confirmed, waitlisted)."""
        return await signups.counts(self._pages.reader, activity_id)

    async def sign_up(self, telegram_id: int, activity_id: int) -> SignupResult:
        """Confirmed while slots remain, else waitlisted with a position; a repeat changes
        nothing. Refused when closed, cancelled, or clashing with another sign-up.

        A first sign-up to an open activity goes through the group commit: everything that
        allows it is checked again inside its one INSERT, so the checks read before (without
        the write lock) only choose the path. Anything else, or anything that changed in
        between, is decided by `_sign_up_exactly`."""
        now = self._clock.now()
        reader = self._pages.reader
        volunteer = await _volunteer(reader, telegram_id)
        activity = await activities.get(reader, activity_id)
        if (
            activity is None
            or activity.state != "published"
            or activity.starts_at <= now
            or await signups.active(reader, activity_id, volunteer.id) is not None
        ):
            return await self._sign_up_exactly(telegram_id, activity_id)
        placed = await self._placing.submit(_Placing(activity, volunteer.id, now))
        if placed is None:
            return await self._sign_up_exactly(telegram_id, activity_id)
        placement = Placement(placed[1])
        position = (
            await signups.position(reader, activity_id, placed[0])
            if placement is Placement.WAITLISTED
            else None
        )
        return SignupResult(activity, placement, position)

    async def _place(self, tx: aiosqlite.Connection, placing: _Placing) -> tuple[int, str] | None:
        """One sign-up of a group commit: placed (with its reminders) or None."""
        activity = placing.activity
        placed = await signups.place_if_open(
            tx,
            activity.id,
            placing.volunteer_id,
            placing.now,
            activity.starts_at,
            activity.ends_at,
        )
        if placed is not None and placed[1] == Placement.CONFIRMED.value:
            await reminders.plan(tx, placed[0], activity.starts_at, self._offsets, placing.now)
        return placed

    async def _sign_up_exactly(self, telegram_id: int, activity_id: int) -> SignupResult:
        """Every check inside one write transaction, each refusal with its own reason."""
        now = self._clock.now()
        async with self._pages.writing() as tx:
            volunteer = await _volunteer(tx, telegram_id)
            activity = await activities.get(tx, activity_id)
            if activity is None:
                raise UnknownActivity()
            if activity.state == "cancelled":
                raise ActivityCancelled()
            current = await signups.active(tx, activity_id, volunteer.id)
            if current is None:
                if activity.starts_at <= now:
                    raise SignupClosed()
                for other in await activities.confirmed_of(
                    tx, volunteer.id, activity.starts_at, activity.ends_at
                ):
                    raise ScheduleClash(title=other.title, start=other.starts_at)
                current = await signups.place(tx, activity_id, volunteer.id, now)
                if current[1] == Placement.CONFIRMED.value:
                    await reminders.plan(tx, current[0], activity.starts_at, self._offsets, now)
            signup_id, status = current
            placement = Placement(status)
            position = (
                await signups.position(tx, activity_id, signup_id)
                if placement is Placement.WAITLISTED
                else None
            )
        return SignupResult(activity, placement, position)

    async def cancel(self, telegram_id: int, activity_id: int) -> CancelResult:
        """Leave the activity; a freed slot goes to the first waiting, who is told at once, and
        a late cancellation alerts the team's leads, all in the same transaction."""
        async with self._pages.writing() as tx:
            volunteer = await _volunteer(tx, telegram_id)
            activity = await activities.get(tx, activity_id)
            if activity is None:
                raise UnknownActivity()
            current = await signups.active(tx, activity_id, volunteer.id)
            if current is None:
                raise NotSignedUp()
            signup_id, status = current
            result = await self._release(tx, volunteer, activity, signup_id, Placement(status))
        self._signal.notify()
        return result

    async def _release(
        self,
        tx: aiosqlite.Connection,
        volunteer: Volunteer,
        activity: Activity,
        signup_id: int,
        was: Placement,
    ) -> CancelResult:
        """Cancel one sign-up in the caller's transaction: the freed slot goes to the first
        waiting (planned reminders, told at once); a late cancellation alerts the leads."""
        now = self._clock.now()
        await signups.cancel(tx, signup_id, now)
        await reminders.drop(tx, signup_id, "cancelled", now)
        promoted = None
        late = False
        if was is Placement.CONFIRMED and activity.starts_at > now:
            next_in_line = await signups.promote_next(tx, activity.id, now)
            if next_in_line is not None:
                promoted_signup, promoted = next_in_line
                await reminders.plan(tx, promoted_signup, activity.starts_at, self._offsets, now)
                await self._notices.promoted(tx, promoted, activity)
            late = activity.starts_at - now < self._cutoff
            if late:
                await self._notices.late_cancel(tx, volunteer, activity)
        return CancelResult(activity, was, promoted, late)

    async def release_all(self, tx: aiosqlite.Connection, volunteer: Volunteer) -> int:
        """Give up every place of a volunteer in activities not yet started (they are erasing
        their data), in the caller's transaction; how many were given up."""
        # A page read while the caller's transaction is still open may be kept: for at most
        # activity_pages.PAGE_KEPT, and only on this rare path.
        self._pages.changed()
        now = self._clock.now()
        current, _ = await activities.of_volunteer(tx, volunteer.id, now, 0)
        released = 0
        for activity, status in current:
            if activity.starts_at <= now:
                continue
            active = await signups.active(tx, activity.id, volunteer.id)
            if active is not None:
                await self._release(tx, volunteer, activity, active[0], Placement(status))
                released += 1
        if released:
            self._signal.notify()
        return released


async def _volunteer(tx: aiosqlite.Connection, telegram_id: int) -> Volunteer:
    volunteer = await volunteers.by_telegram_id(tx, telegram_id)
    if volunteer is None:
        raise NotRegistered()
    return volunteer

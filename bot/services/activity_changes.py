"""What a team's leads (and admins) do with a published activity: see who is signed up, and
change its capacity, place or time, or cancel it. Everyone signed up is told of a change."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.domain.errors import (
    ActivityCancelled,
    CapacityBelowConfirmed,
    InvalidCapacity,
    NotTeamLead,
    SignupClosed,
    TimeChangeClash,
)
from bot.domain.models import Activity, Actor, Volunteer
from bot.domain.validation import mask_phone
from bot.outbox.signal import OutboxSignal
from bot.services.activities import CAPACITY_MAX, ActivityService
from bot.services.activity_notices import ActivityNotices
from bot.services.activity_pages import ActivityPages
from storage import activities, outbox, reminders, signups, volunteers

PHONES_KEPT = timedelta(hours=24)  # leads see full phone numbers until this long after the end


class ActivityChangeService:
    def __init__(
        self,
        pages: ActivityPages,
        clock: Clock,
        activity_service: ActivityService,
        reminder_offsets: Sequence[timedelta],
        notices: ActivityNotices,
        signal: OutboxSignal,
    ) -> None:
        self._pages = pages
        self._clock = clock
        self._activity_service = activity_service
        self._offsets = list(reminder_offsets)
        self._notices = notices
        self._signal = signal

    def _require_lead(self, actor: Actor, activity: Activity) -> None:
        if not actor.is_admin and activity.team_key not in actor.lead_team_keys:
            raise NotTeamLead()

    def phones_shown(self, actor: Actor, activity: Activity) -> bool:
        """Whether this person sees the full phone numbers of an activity's roster: admins
        always; its team's leads until PHONES_KEPT after it ends (masked afterwards)."""
        return actor.is_admin or self._clock.now() < activity.ends_at + PHONES_KEPT

    async def roster(
        self, actor: Actor, activity_id: int
    ) -> tuple[Activity, list[Volunteer], list[Volunteer]]:
        """Who is confirmed and who waits, for the team's leads and admins, with phone numbers
        as this person may see them (`phones_shown`; otherwise masked)."""
        activity = await self._activity_service.get(activity_id)
        self._require_lead(actor, activity)
        shown = self.phones_shown(actor, activity)
        confirmed: list[Volunteer] = []
        waiting: list[Volunteer] = []
        for volunteer_id, status in await signups.roster(self._pages.reader, activity_id):
            volunteer = await volunteers.by_id(self._pages.reader, volunteer_id)
            if volunteer is not None:
                if not shown and volunteer.phone:
                    volunteer = replace(volunteer, phone=mask_phone(volunteer.phone))
                (confirmed if status == "confirmed" else waiting).append(volunteer)
        return activity, confirmed, waiting

    async def _editable(self, actor: Actor, activity_id: int) -> Activity:
        activity = await self._activity_service.get(activity_id)
        self._require_lead(actor, activity)
        if activity.state != "published":
            raise ActivityCancelled()
        if activity.starts_at <= self._clock.now():
            raise SignupClosed()
        return activity

    async def change_capacity(self, actor: Actor, activity_id: int, capacity: int) -> int:
        """More capacity promotes from the waitlist (told at once); less than the confirmed
        count is refused with the count. Returns how many were promoted."""
        activity = await self._editable(actor, activity_id)
        if not 1 <= capacity <= CAPACITY_MAX:
            raise InvalidCapacity()
        now = self._clock.now()
        promoted = 0
        async with self._pages.writing() as tx:
            confirmed, _ = await signups.counts(tx, activity_id)
            if capacity < confirmed:
                raise CapacityBelowConfirmed(count=confirmed)
            await activities.update(tx, activity_id, now, capacity=capacity)
            while (next_in_line := await signups.promote_next(tx, activity_id, now)) is not None:
                signup_id, volunteer_id = next_in_line
                await reminders.plan(tx, signup_id, activity.starts_at, self._offsets, now)
                await self._notices.promoted(tx, volunteer_id, activity)
                promoted += 1
        self._signal.notify()
        return promoted

    async def change_place(self, actor: Actor, activity_id: int, place: str) -> int:
        """A new place; everyone signed up is told. Returns how many."""
        await self._editable(actor, activity_id)
        clean = self._activity_service.check_place(place)
        async with self._pages.writing() as tx:
            await activities.update(tx, activity_id, self._clock.now(), place=clean)
            told = await self._notices.changed(tx, activity_id)
        self._signal.notify()
        return told

    async def change_time(
        self, actor: Actor, activity_id: int, starts_at: datetime, ends_at: datetime
    ) -> int:
        """A new time: reminders are planned again and everyone signed up is told. Refused
        if a confirmed volunteer is signed up for another activity at the new time."""
        await self._editable(actor, activity_id)
        starts_at = self._activity_service.check_start(starts_at.replace(second=0, microsecond=0))
        ends_at = self._activity_service.check_end(
            starts_at, ends_at.replace(second=0, microsecond=0)
        )
        now = self._clock.now()
        async with self._pages.writing() as tx:
            # Nobody may be confirmed for two activities at once: that would credit the same
            # minutes twice.
            clashing, other = await activities.clashes_of_roster(
                tx, activity_id, starts_at, ends_at
            )
            if other is not None:
                raise TimeChangeClash(count=clashing, title=other.title, start=other.starts_at)
            await activities.update(tx, activity_id, now, starts_at=starts_at, ends_at=ends_at)
            for volunteer_id, status in await signups.roster(tx, activity_id):
                active = await signups.active(tx, activity_id, volunteer_id)
                if active is not None and status == "confirmed":
                    await reminders.drop(tx, active[0], "time changed", now)
                    await reminders.plan(tx, active[0], starts_at, self._offsets, now)
            told = await self._notices.changed(tx, activity_id)
        self._signal.notify()
        return told

    async def cancel_activity(self, actor: Actor, activity_id: int, reason: str) -> int:
        """Cancel with a reason: everyone signed up is told, their reminders dropped. Returns
        how many people are told."""
        activity = await self._activity_service.get(activity_id)
        self._require_lead(actor, activity)
        why = self._activity_service.check_description(reason)
        now = self._clock.now()
        async with self._pages.writing() as tx:
            if not await activities.cancel(tx, activity_id, why, now):
                raise ActivityCancelled()
            notices = []
            for volunteer_id, _ in await signups.roster(tx, activity_id):
                volunteer = await volunteers.by_id(tx, volunteer_id)
                if volunteer is None or volunteer.telegram_id is None:
                    continue
                active = await signups.active(tx, activity_id, volunteer_id)
                if active is not None:
                    await reminders.drop(tx, active[0], "activity cancelled", now)
                notices.append(
                    await self._notices.cancelled(tx, volunteer.telegram_id, activity, why)
                )
            await outbox.enqueue(tx, notices, now)
        self._signal.notify()
        return len(notices)

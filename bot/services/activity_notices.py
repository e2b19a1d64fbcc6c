"""The urgent messages about sign-ups, queued in the caller's transaction: a place freed for
someone waiting, a late cancellation to the team's leads, an activity changed or cancelled to
everyone signed up. The callers wake the outbox once their transaction has committed."""

from __future__ import annotations

from datetime import timedelta

import aiosqlite

from bot.clock import Clock
from bot.domain.models import Activity, Volunteer
from bot.outbox.models import OutgoingMessage, Priority
from bot.services.notices import Notices
from storage import activities, leads, outbox, signups, volunteers


class ActivityNotices:
    def __init__(self, notices: Notices, clock: Clock, cutoff: timedelta) -> None:
        self._notices = notices
        self._clock = clock
        self._cutoff = cutoff

    async def _make(
        self,
        tx: aiosqlite.Connection,
        telegram_id: int,
        kind: str,
        key: str,
        about: int | None = None,
        **params: object,
    ) -> OutgoingMessage:
        return await self._notices.make(
            tx, telegram_id, kind, key, params, Priority.URGENT, about=about
        )

    async def promoted(
        self, tx: aiosqlite.Connection, volunteer_id: int, activity: Activity
    ) -> None:
        """Tells someone who was waiting that they now have a place."""
        promoted = await volunteers.by_id(tx, volunteer_id)
        if promoted is None or promoted.telegram_id is None:
            return
        notice = await self._make(
            tx,
            promoted.telegram_id,
            "promotion",
            "signup.promoted",
            title=activity.title,
            start=activity.starts_at,
            place=activity.place,
        )
        await outbox.enqueue(tx, [notice], self._clock.now())

    async def late_cancel(
        self, tx: aiosqlite.Connection, volunteer: Volunteer, activity: Activity
    ) -> None:
        """Alerts the team's leads that someone gave up their place less than the cutoff
        before the start."""
        hours = int(self._cutoff.total_seconds() // 3600)
        alerts = []
        for lead in await leads.all_assignments(tx):
            if lead.team.key != activity.team_key:
                continue
            lead_volunteer = await volunteers.by_id(tx, lead.volunteer_id)
            if lead_volunteer is None or lead_volunteer.telegram_id is None:
                continue
            alerts.append(
                await self._make(
                    tx,
                    lead_volunteer.telegram_id,
                    "late_cancel",
                    "signup.late_cancel",
                    about=volunteer.id,
                    name=volunteer.name,
                    title=activity.title,
                    start=activity.starts_at,
                    hours=hours,
                )
            )
        await outbox.enqueue(tx, alerts, self._clock.now())

    async def changed(self, tx: aiosqlite.Connection, activity_id: int) -> int:
        """Tells everyone signed up (confirmed or waiting) the activity's time and place as they
        now are; how many were told."""
        activity = await activities.get(tx, activity_id)
        assert activity is not None
        notices = []
        for volunteer_id, _ in await signups.roster(tx, activity_id):
            volunteer = await volunteers.by_id(tx, volunteer_id)
            if volunteer is None or volunteer.telegram_id is None:
                continue
            notices.append(
                await self._make(
                    tx,
                    volunteer.telegram_id,
                    "activity_changed",
                    "activity.changed_notice",
                    title=activity.title,
                    start=activity.starts_at,
                    end=activity.ends_at,
                    place=activity.place,
                )
            )
        await outbox.enqueue(tx, notices, self._clock.now())
        return len(notices)

    async def cancelled(
        self, tx: aiosqlite.Connection, telegram_id: int, activity: Activity, reason: str
    ) -> OutgoingMessage:
        """The notice that an activity is cancelled, with the lead's reason; the caller queues
        it with the others."""
        return await self._make(
            tx,
            telegram_id,
            "activity_cancelled",
            "activity.cancelled_notice",
            title=activity.title,
            start=activity.starts_at,
            reason=reason,
        )

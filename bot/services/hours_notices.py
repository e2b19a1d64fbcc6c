"""The messages service hours send, queued in the caller's transaction: to leads about sheets and
disputes, to volunteers about their decided records and stars, to admins about reviews. The
callers wake the outbox once their transaction has committed."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import aiosqlite

from bot.buttons import RecordOpen, Sheet
from bot.clock import Clock
from bot.config import HoursConfig
from bot.domain.amounts import Hours
from bot.domain.hours import RecordState, ServiceRecord, star_level
from bot.domain.models import Activity, Volunteer
from bot.i18n import Translator
from bot.outbox.models import Button, OutgoingMessage, Priority
from bot.services.notices import ButtonRows, Notices, leads_or_admins
from storage import groups, leads, outbox, records, teams, volunteers


def _open_record(record: ServiceRecord) -> Callable[[Translator], ButtonRows]:
    """The button under a notice about a record: it opens the record's view."""

    def rows(t: Translator) -> ButtonRows:
        return ((Button(t("button.open_record"), RecordOpen(record.id).build()),),)

    return rows


class HoursNotices:
    def __init__(
        self, notices: Notices, clock: Clock, config: HoursConfig, admins: Sequence[int]
    ) -> None:
        self._notices = notices
        self._clock = clock
        self._config = config
        self._admins = list(admins)

    async def tell_leads(
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
                lambda t: ((Button(t("button.open_sheet"), Sheet(activity.id).build()),),),
            )
            for chat_id in recipients
        ]
        await outbox.enqueue(tx, messages, self._clock.now())

    async def dispute_opened(
        self,
        tx: aiosqlite.Connection,
        volunteer: Volunteer,
        record: ServiceRecord,
        text: str,
        by: int,
    ) -> None:
        """The team's leads (other than the one disputing), or the admins when there are none,
        learn of a dispute, with a button to the record."""
        recipients = await leads_or_admins(tx, record.team_key, self._admins, excluding=by)
        messages = [
            await self._notices.make(
                tx,
                chat_id,
                "dispute",
                "dispute.opened",
                {"name": volunteer.name, "title": record.title, "text": text},
                Priority.NOTICE,
                _open_record(record),
                about=volunteer.id,
            )
            for chat_id in recipients
        ]
        await outbox.enqueue(tx, messages, self._clock.now())

    async def announce(
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

    async def _tell_volunteer(
        self, tx: aiosqlite.Connection, record: ServiceRecord, key: str, **extra: object
    ) -> None:
        volunteer = await volunteers.by_id(tx, record.volunteer_id)
        if volunteer is None or volunteer.telegram_id is None:
            return
        params = {
            "title": record.title,
            "day": record.served_on,
            "hours": Hours(record.minutes),
            **extra,
        }
        notice = await self._notices.make(
            tx,
            volunteer.telegram_id,
            "hours",
            key,
            params,
            Priority.NOTICE,
            _open_record(record),
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
                        "hours": Hours(record.minutes),
                        "limit": t.number(self._config.daily_review_hours),
                    },
                    Priority.NOTICE,
                    _open_record(record),
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

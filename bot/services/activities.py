"""Creating activities, and signing up for them with capacity and waitlist."""

from __future__ import annotations

import unicodedata
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import aiosqlite

from bot.buttons import SignUp
from bot.clock import Clock
from bot.config import ActivitiesConfig
from bot.domain.errors import (
    ActivityCancelled,
    ActivityTooLong,
    CapacityBelowConfirmed,
    EndNotAfterStart,
    InvalidCapacity,
    InvalidCategory,
    InvalidDescription,
    InvalidPlace,
    InvalidTitle,
    NotLeadOrAdmin,
    NotRegistered,
    NotSignedUp,
    NotTeamLead,
    ScheduleClash,
    SignupClosed,
    StartTooFarAhead,
    TimeChangeClash,
    UnknownActivity,
    UnknownTeam,
    WhenInPast,
)
from bot.domain.language import resolve_language
from bot.domain.models import Activity, Actor, Language, Team, Volunteer
from bot.domain.roster import Placement
from bot.domain.validation import mask_phone
from bot.i18n import Catalogs
from bot.outbox.models import Button, OutgoingMessage, Priority
from bot.outbox.signal import OutboxSignal
from bot.services.calendar import ics
from bot.services.group_commit import GroupCommit
from bot.services.notices import Notices
from storage import (
    activities,
    broadcasts,
    groups,
    leads,
    outbox,
    reminders,
    signups,
    teams,
    volunteers,
)
from storage.db import Database

TITLE_MAX = 60
PLACE_MAX = 100
CAPACITY_MAX = 5000
DESCRIPTION_MAX = 1000
PAST_SHOWN = 10
MANAGED_SHOWN = 200
PAGES_CACHED = 256
PAGE_KEPT = timedelta(seconds=5)
START_AHEAD_MAX = timedelta(days=365)  # an activity starts at most a year from now
PHONES_KEPT = timedelta(hours=24)  # leads see full phone numbers until this long after the end


def _text(value: str, maximum: int, error: type[InvalidTitle] | type[InvalidPlace]) -> str:
    cleaned = " ".join(unicodedata.normalize("NFC", value).split())
    if not 2 <= len(cleaned) <= maximum or any(
        unicodedata.category(char).startswith("C") for char in cleaned
    ):
        raise error(max=maximum)
    return cleaned


def parse_capacity(text: str) -> int:
    cleaned = unicodedata.normalize("NFKC", text).strip()
    if not cleaned.isascii() or not cleaned.isdigit() or not 1 <= int(cleaned) <= CAPACITY_MAX:
        raise InvalidCapacity()
    return int(cleaned)


@dataclass(frozen=True)
class ActivityView:
    activity: Activity
    confirmed: int
    waiting: int

    @property
    def slots_left(self) -> int:
        return max(self.activity.capacity - self.confirmed, 0)


@dataclass(frozen=True)
class _CachedPage:
    views: tuple[ActivityView, ...]
    total: int
    valid_until: datetime


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


class ActivityService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        config: ActivitiesConfig,
        reminder_offsets: Sequence[timedelta],
        catalogs: Catalogs,
        default_language: Language,
        signal: OutboxSignal,
    ) -> None:
        self._db = db
        self._clock = clock
        self._config = config
        self._offsets = list(reminder_offsets)
        self._catalogs = catalogs
        self._default = default_language
        self._signal = signal
        self._notices = Notices(catalogs, default_language)
        # Every write to activities and sign-ups goes through `_writing()`, which bumps this, so
        # a page of the list read before a change is never kept after it.
        self._version = 0
        self._pages: dict[tuple[int, int, int | None, str | None], _CachedPage] = {}
        # A storm of sign-ups shares its write transactions (see bot/services/group_commit.py).
        self._placing: GroupCommit[_Placing, tuple[int, str] | None] = GroupCommit(
            self._writing, self._place
        )

    @asynccontextmanager
    async def _writing(self) -> AsyncIterator[aiosqlite.Connection]:
        try:
            async with self._db.transaction() as tx:
                yield tx
        finally:
            self._version += 1
            self._pages.clear()

    def validate(self, draft: Activity) -> Activity:
        """Check every field a lead typed; returns the draft cleaned (times to the minute)."""
        draft = replace(
            draft,
            starts_at=draft.starts_at.replace(second=0, microsecond=0),
            ends_at=draft.ends_at.replace(second=0, microsecond=0),
        )
        if draft.category not in {c.key for c in self._config.categories}:
            raise InvalidCategory()
        self.check_start(draft.starts_at)
        self.check_end(draft.starts_at, draft.ends_at)
        if not 1 <= draft.capacity <= CAPACITY_MAX:
            raise InvalidCapacity()
        return replace(
            draft,
            title=_text(draft.title, TITLE_MAX, InvalidTitle),
            place=_text(draft.place, PLACE_MAX, InvalidPlace),
            description=self.check_description(draft.description) if draft.description else None,
        )

    async def teams_for(self, actor: Actor) -> list[Team]:
        """Teams this person may create activities for: those they lead, or all for an admin."""
        if not actor.is_admin and not actor.lead_team_keys:
            raise NotLeadOrAdmin()
        return [
            team
            for team in await teams.all_teams(self._db.reader)
            if actor.is_admin or team.key in actor.lead_team_keys
        ]

    def check_title(self, text: str) -> str:
        return _text(text, TITLE_MAX, InvalidTitle)

    def check_place(self, text: str) -> str:
        return _text(text, PLACE_MAX, InvalidPlace)

    def check_description(self, text: str) -> str:
        cleaned = unicodedata.normalize("NFC", text).strip()
        if (
            not cleaned
            or len(cleaned) > DESCRIPTION_MAX
            or any(unicodedata.category(c).startswith("C") and c not in "\n\t" for c in cleaned)
        ):
            raise InvalidDescription(max=DESCRIPTION_MAX)
        return cleaned

    def check_end(self, starts_at: datetime, ends_at: datetime) -> datetime:
        """After the start, and at most `activities.max_length` after it: an activity that
        lasts for ever would keep check-in open and clash with every later sign-up."""
        if ends_at <= starts_at:
            raise EndNotAfterStart(start=starts_at)
        longest = self._config.longest
        if ends_at - starts_at > longest:
            latest = starts_at + longest
            zone = self._catalogs.translator(self._default).zone
            hours = longest.total_seconds() / 3600
            raise ActivityTooLong(
                hours=int(hours) if hours.is_integer() else round(hours, 2),
                latest=latest,
                example=latest.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            )
        return ends_at

    def check_start(self, starts_at: datetime) -> datetime:
        """In the future, and at most START_AHEAD_MAX ahead."""
        now = self._clock.now()
        if starts_at <= now:
            raise WhenInPast()
        if starts_at > now + START_AHEAD_MAX:
            raise StartTooFarAhead(latest=now + START_AHEAD_MAX)
        return starts_at

    async def publish(self, actor: Actor, draft: Activity, bot_username: str) -> Activity:
        """Create the activity and, in the same transaction, announce it to the team's members
        (with a sign-up button) and its linked group (with a link to the bot)."""
        if not actor.is_admin and draft.team_key not in actor.lead_team_keys:
            raise NotTeamLead()
        clean = self.validate(draft)
        now = self._clock.now()
        link = f"https://t.me/{bot_username}?start=act_"
        async with self._writing() as tx:
            team = await teams.by_key(tx, clean.team_key)
            if team is None:
                raise UnknownTeam(key=clean.team_key)
            activity = await activities.insert(tx, team.id, clean, actor.telegram_id, now)
            messages = []
            for person in await broadcasts.recipients(tx, team.id):
                language = resolve_language(
                    person.language, person.telegram_language, self._default
                )
                t = self._catalogs.translator(language)
                sign_up = Button(t("button.sign_up"), callback_data=SignUp(activity.id).build())
                messages.append(
                    OutgoingMessage(
                        person.telegram_id,
                        "announcement",
                        self._announcement(activity, team.name(language), language),
                        Priority.NOTICE,
                        buttons=((sign_up,),),
                        blocked=person.unreachable,
                    )
                )
            group = await groups.chat_of_team(tx, team.id)
            if group is not None:
                t = self._catalogs.translator(self._default)
                messages.append(
                    OutgoingMessage(
                        group,
                        "announcement",
                        self._announcement(activity, team.name(self._default), self._default),
                        Priority.NOTICE,
                        buttons=((Button(t("button.sign_up"), url=f"{link}{activity.id}"),),),
                    )
                )
            await outbox.enqueue(tx, messages, now)
        self._signal.notify()
        return activity

    def _announcement(self, activity: Activity, team: str, language: Language) -> str:
        t = self._catalogs.translator(language)
        return t(
            "activity.announcement",
            title=activity.title,
            team=team,
            start=t.datetime(activity.starts_at),
            end=t.datetime(activity.ends_at),
            place=activity.place,
            capacity=t.number(activity.capacity),
        )

    async def create(self, actor: Actor, draft: Activity) -> Activity:
        """A lead of the activity's team, or an admin, creates it."""
        if not actor.is_admin and draft.team_key not in actor.lead_team_keys:
            raise NotTeamLead()
        clean = self.validate(draft)
        async with self._writing() as tx:
            team = await teams.by_key(tx, clean.team_key)
            if team is None:
                raise UnknownTeam(key=clean.team_key)
            return await activities.insert(tx, team.id, clean, actor.telegram_id, self._clock.now())

    async def get(self, activity_id: int) -> Activity:
        activity = await activities.get(self._db.reader, activity_id)
        if activity is None:
            raise UnknownActivity()
        return activity

    async def upcoming(
        self, page: int, size: int, team_id: int | None = None, category: str | None = None
    ) -> tuple[list[ActivityView], int]:
        """One page of activities not yet started (filtered by team and category if given),
        soonest first; and how many in all."""
        key = (max(page, 0), size, team_id, category)
        now = self._clock.now()
        cached = self._pages.get(key)
        if cached is not None and now < cached.valid_until:
            return list(cached.views), cached.total
        version = self._version
        rows, total = await activities.upcoming(
            self._db.reader, now, size, key[0] * size, team_id, category
        )
        views = [ActivityView(a, confirmed, waiting) for a, confirmed, waiting in rows]
        if version == self._version:
            if len(self._pages) >= PAGES_CACHED:
                self._pages.clear()
            # Kept until something is written, the first listed activity starts, or a few
            # seconds pass (an activity on an earlier page may start and shift this one).
            starts = [view.activity.starts_at for view in views]
            self._pages[key] = _CachedPage(tuple(views), total, min([now + PAGE_KEPT, *starts]))
        return views, total

    async def view(
        self, activity_id: int, telegram_id: int
    ) -> tuple[ActivityView, Placement | None]:
        """An activity with its counts, and where this person stands on it."""
        activity = await self.get(activity_id)
        confirmed, waiting = await signups.counts(self._db.reader, activity_id)
        volunteer = await volunteers.by_telegram_id(self._db.reader, telegram_id)
        current = (
            await signups.active(self._db.reader, activity_id, volunteer.id) if volunteer else None
        )
        return ActivityView(activity, confirmed, waiting), Placement(
            current[1]
        ) if current else None

    def _require_lead(self, actor: Actor, activity: Activity) -> None:
        if not actor.is_admin and activity.team_key not in actor.lead_team_keys:
            raise NotTeamLead()

    async def managed(self, actor: Actor) -> list[Activity]:
        """Activities not yet ended (or with an attendance sheet to approve) that this person
        manages: their teams', or all for admins."""
        if not actor.is_admin and not actor.lead_team_keys:
            raise NotLeadOrAdmin()
        keys = None if actor.is_admin else actor.lead_team_keys
        return await activities.of_teams(self._db.reader, keys, self._clock.now(), MANAGED_SHOWN)

    def phones_shown(self, actor: Actor, activity: Activity) -> bool:
        """Whether this person sees the full phone numbers of an activity's roster: admins
        always; its team's leads until PHONES_KEPT after it ends (masked afterwards)."""
        return actor.is_admin or self._clock.now() < activity.ends_at + PHONES_KEPT

    async def roster(
        self, actor: Actor, activity_id: int
    ) -> tuple[Activity, list[Volunteer], list[Volunteer]]:
        """Who is confirmed and who waits, for the team's leads and admins, with phone numbers
        as this person may see them (`phones_shown`; otherwise masked)."""
        activity = await self.get(activity_id)
        self._require_lead(actor, activity)
        shown = self.phones_shown(actor, activity)
        confirmed: list[Volunteer] = []
        waiting: list[Volunteer] = []
        for volunteer_id, status in await signups.roster(self._db.reader, activity_id):
            volunteer = await volunteers.by_id(self._db.reader, volunteer_id)
            if volunteer is not None:
                if not shown and volunteer.phone:
                    volunteer = replace(volunteer, phone=mask_phone(volunteer.phone))
                (confirmed if status == "confirmed" else waiting).append(volunteer)
        return activity, confirmed, waiting

    async def _editable(self, actor: Actor, activity_id: int) -> Activity:
        activity = await self.get(activity_id)
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
        async with self._writing() as tx:
            confirmed, _ = await signups.counts(tx, activity_id)
            if capacity < confirmed:
                raise CapacityBelowConfirmed(count=confirmed)
            await activities.update(tx, activity_id, now, capacity=capacity)
            while (next_in_line := await signups.promote_next(tx, activity_id, now)) is not None:
                signup_id, volunteer_id = next_in_line
                await reminders.plan(tx, signup_id, activity.starts_at, self._offsets, now)
                await self._tell_promoted(tx, volunteer_id, activity)
                promoted += 1
        self._signal.notify()
        return promoted

    async def change_place(self, actor: Actor, activity_id: int, place: str) -> int:
        """A new place; everyone signed up is told. Returns how many."""
        await self._editable(actor, activity_id)
        clean = self.check_place(place)
        async with self._writing() as tx:
            await activities.update(tx, activity_id, self._clock.now(), place=clean)
            told = await self._tell_changed(tx, activity_id)
        self._signal.notify()
        return told

    async def change_time(
        self, actor: Actor, activity_id: int, starts_at: datetime, ends_at: datetime
    ) -> int:
        """A new time: reminders are planned again and everyone signed up is told. Refused
        if a confirmed volunteer is signed up for another activity at the new time."""
        await self._editable(actor, activity_id)
        starts_at = self.check_start(starts_at.replace(second=0, microsecond=0))
        ends_at = self.check_end(starts_at, ends_at.replace(second=0, microsecond=0))
        now = self._clock.now()
        async with self._writing() as tx:
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
            told = await self._tell_changed(tx, activity_id)
        self._signal.notify()
        return told

    async def _tell_changed(self, tx: aiosqlite.Connection, activity_id: int) -> int:
        activity = await activities.get(tx, activity_id)
        assert activity is not None
        notices = []
        for volunteer_id, _ in await signups.roster(tx, activity_id):
            volunteer = await volunteers.by_id(tx, volunteer_id)
            if volunteer is None or volunteer.telegram_id is None:
                continue
            notices.append(
                await self._notice(
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

    async def cancel_activity(self, actor: Actor, activity_id: int, reason: str) -> int:
        """Cancel with a reason: everyone signed up is told, their reminders dropped. Returns
        how many people are told."""
        activity = await self.get(activity_id)
        self._require_lead(actor, activity)
        why = self.check_description(reason)
        now = self._clock.now()
        async with self._writing() as tx:
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
                    await self._notice(
                        tx,
                        volunteer.telegram_id,
                        "activity_cancelled",
                        "activity.cancelled_notice",
                        title=activity.title,
                        start=activity.starts_at,
                        reason=why,
                    )
                )
            await outbox.enqueue(tx, notices, now)
        self._signal.notify()
        return len(notices)

    async def mine(
        self, telegram_id: int
    ) -> tuple[list[tuple[Activity, Placement]], list[Activity]]:
        """This person's sign-ups not yet ended, and their ten most recent past activities."""
        volunteer = await volunteers.by_telegram_id(self._db.reader, telegram_id)
        if volunteer is None:
            raise NotRegistered()
        current, past = await activities.of_volunteer(
            self._db.reader, volunteer.id, self._clock.now(), PAST_SHOWN
        )
        return [(activity, Placement(status)) for activity, status in current], past

    async def calendar(self, telegram_id: int, organisation: str) -> bytes:
        """An .ics file of this person's confirmed activities not yet ended."""
        current, _ = await self.mine(telegram_id)
        confirmed = [a for a, placement in current if placement is Placement.CONFIRMED]
        return ics(confirmed, organisation, self._clock.now())

    async def counts(self, activity_id: int) -> tuple[int, int]:
        """(confirmed, waitlisted)."""
        return await signups.counts(self._db.reader, activity_id)

    async def sign_up(self, telegram_id: int, activity_id: int) -> SignupResult:
        """Confirmed while slots remain, else waitlisted with a position; a repeat changes
        nothing. Refused when closed, cancelled, or clashing with another sign-up.

        A first sign-up to an open activity goes through the group commit: everything that
        allows it is checked again inside its one INSERT, so the checks read before (without
        the write lock) only choose the path. Anything else, or anything that changed in
        between, is decided by `_sign_up_exactly`."""
        now = self._clock.now()
        reader = self._db.reader
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
        async with self._writing() as tx:
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
        async with self._writing() as tx:
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
                await self._tell_promoted(tx, promoted, activity)
            late = activity.starts_at - now < self._config.cutoff
            if late:
                await self._alert_leads(tx, volunteer, activity)
        return CancelResult(activity, was, promoted, late)

    async def release_all(self, tx: aiosqlite.Connection, volunteer: Volunteer) -> int:
        """Give up every place of a volunteer in activities not yet started (they are erasing
        their data), in the caller's transaction; how many were given up."""
        # A page read while the caller's transaction is still open may be kept: for at most
        # PAGE_KEPT, and only on this rare path.
        self._version += 1
        self._pages.clear()
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

    async def _notice(
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

    async def _tell_promoted(
        self, tx: aiosqlite.Connection, volunteer_id: int, activity: Activity
    ) -> None:
        promoted = await volunteers.by_id(tx, volunteer_id)
        if promoted is None or promoted.telegram_id is None:
            return
        notice = await self._notice(
            tx,
            promoted.telegram_id,
            "promotion",
            "signup.promoted",
            title=activity.title,
            start=activity.starts_at,
            place=activity.place,
        )
        await outbox.enqueue(tx, [notice], self._clock.now())

    async def _alert_leads(
        self, tx: aiosqlite.Connection, volunteer: Volunteer, activity: Activity
    ) -> None:
        hours = int(self._config.cutoff.total_seconds() // 3600)
        alerts = []
        for lead in await leads.all_assignments(tx):
            if lead.team.key != activity.team_key:
                continue
            lead_volunteer = await volunteers.by_id(tx, lead.volunteer_id)
            if lead_volunteer is None or lead_volunteer.telegram_id is None:
                continue
            alerts.append(
                await self._notice(
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


async def _volunteer(tx: aiosqlite.Connection, telegram_id: int) -> Volunteer:
    volunteer = await volunteers.by_telegram_id(tx, telegram_id)
    if volunteer is None:
        raise NotRegistered()
    return volunteer

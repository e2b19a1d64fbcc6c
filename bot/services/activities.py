"""Publishing activities and browsing them: the checks on every field a lead types, the
announcement to the team, the paged list, one activity's card, and a lead's own activities.
A lead's changes to a published activity are in activity_changes.py, sign-ups in signups.py."""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from datetime import datetime, timedelta

from bot.buttons import SignUp
from bot.clock import Clock
from bot.config import ActivitiesConfig
from bot.domain.errors import (
    ActivityTooLong,
    EndNotAfterStart,
    InvalidCapacity,
    InvalidCategory,
    InvalidDescription,
    InvalidPlace,
    InvalidTitle,
    NotLeadOrAdmin,
    NotTeamLead,
    StartTooFarAhead,
    UnknownActivity,
    UnknownTeam,
    WhenInPast,
)
from bot.domain.language import resolve_language
from bot.domain.models import Activity, Actor, Language, Team
from bot.domain.roster import Placement
from bot.i18n import Catalogs
from bot.outbox.models import Button, OutgoingMessage, Priority
from bot.outbox.signal import OutboxSignal
from bot.services.activity_pages import ActivityPages, ActivityView
from bot.services.teams import managed_teams
from storage import activities, broadcasts, groups, outbox, signups, teams, volunteers

TITLE_MAX = 60
PLACE_MAX = 100
CAPACITY_MAX = 5000
DESCRIPTION_MAX = 1000
MANAGED_SHOWN = 200
START_AHEAD_MAX = timedelta(days=365)  # an activity starts at most a year from now


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


class ActivityService:
    def __init__(
        self,
        pages: ActivityPages,
        clock: Clock,
        config: ActivitiesConfig,
        catalogs: Catalogs,
        default_language: Language,
        signal: OutboxSignal,
    ) -> None:
        self._pages = pages
        self._clock = clock
        self._config = config
        self._catalogs = catalogs
        self._default = default_language
        self._signal = signal

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
            raise NotLeadOrAdmin()  # before any reading
        return managed_teams(actor, await teams.all_teams(self._pages.reader))

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
        async with self._pages.writing() as tx:
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
        async with self._pages.writing() as tx:
            team = await teams.by_key(tx, clean.team_key)
            if team is None:
                raise UnknownTeam(key=clean.team_key)
            return await activities.insert(tx, team.id, clean, actor.telegram_id, self._clock.now())

    async def get(self, activity_id: int) -> Activity:
        activity = await activities.get(self._pages.reader, activity_id)
        if activity is None:
            raise UnknownActivity()
        return activity

    async def upcoming(
        self, page: int, size: int, team_id: int | None = None, category: str | None = None
    ) -> tuple[list[ActivityView], int]:
        """One page of activities not yet started (filtered by team and category if given),
        soonest first; and how many in all."""
        return await self._pages.upcoming(self._clock.now(), page, size, team_id, category)

    async def view(
        self, activity_id: int, telegram_id: int
    ) -> tuple[ActivityView, Placement | None]:
        """An activity with its counts, and where this person stands on it."""
        activity = await self.get(activity_id)
        reader = self._pages.reader
        confirmed, waiting = await signups.counts(reader, activity_id)
        volunteer = await volunteers.by_telegram_id(reader, telegram_id)
        current = await signups.active(reader, activity_id, volunteer.id) if volunteer else None
        return ActivityView(activity, confirmed, waiting), Placement(
            current[1]
        ) if current else None

    async def managed(self, actor: Actor) -> list[Activity]:
        """Activities not yet ended (or with an attendance sheet to approve) that this person
        manages: their teams', or all for admins."""
        if not actor.is_admin and not actor.lead_team_keys:
            raise NotLeadOrAdmin()
        keys = None if actor.is_admin else actor.lead_team_keys
        return await activities.of_teams(self._pages.reader, keys, self._clock.now(), MANAGED_SHOWN)

"""Leaderboards, the honor roll, reports, statistics and the weekly posts (exports are
exports.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.config import LeaderboardConfig
from bot.domain.errors import NotAdmin, NotLeadOrAdmin, NotTeamMember, UnknownTeam
from bot.domain.models import Actor, Team
from bot.domain.ranking import Period, Ranked, due_week, period_bounds, rank
from bot.domain.validation import parse_search
from bot.i18n import Translator
from bot.outbox.signal import OutboxSignal
from bot.services.digest_files import picture_post, saved_picture
from bot.services.notices import Notices
from bot.services.teams import team_scope
from storage import groups, outbox, reports, volunteers
from storage.db import Database
from storage.reports import MemberTotal, ReportLine, TeamTotal

REPORT_PAGE = 10
ROLL_KEPT = timedelta(minutes=5)
SEARCH_SHOWN = 20


@dataclass(frozen=True)
class Board:
    team: Team
    start: date
    end: date  # exclusive
    top: list[Ranked[MemberTotal]]
    mine: Ranked[MemberTotal] | None
    ranked: int  # how many have hours in the period


@dataclass(frozen=True)
class HonorRoll:
    start: date
    end: date
    by_total: list[Ranked[TeamTotal]]
    by_member: list[tuple[Ranked[TeamTotal], int]]  # minutes per active member


def display_name(total: MemberTotal) -> str | None:
    """The name a board shows, or None for "anonymous volunteer" (chosen, or erased)."""
    return None if total.anonymous or not total.name else total.name


def _per_member(total: TeamTotal) -> int:
    """A team's minutes per active member, to the nearest minute."""
    return round(total.minutes / max(total.active, 1))


class ReportService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        zone: ZoneInfo,
        config: LeaderboardConfig,
        notices: Notices,
        signal: OutboxSignal,
        admins: Sequence[int],
        files: Path,
        team_list: Callable[[], Awaitable[list[Team]]],
    ) -> None:
        self._db = db
        self._clock = clock
        self._zone = zone
        self._config = config
        self._notices = notices
        self._signal = signal
        self._admins = list(admins)
        self._files = files
        self._teams = team_list  # kept in memory by the team service
        # The honor roll reads every record of the period: kept a few minutes per period.
        self._rolls: dict[tuple[date, date], tuple[datetime, HonorRoll]] = {}

    def today(self) -> date:
        return self._clock.now().astimezone(self._zone).date()

    def bounds(self, period: Period) -> tuple[date, date]:
        return period_bounds(period, self.today())

    # ------------------------------------------------------------ leaderboards

    async def my_teams(self, actor: Actor) -> list[Team]:
        """The teams whose boards this person may see: their own and those they lead (all
        for admins)."""
        every = await self._teams()
        keys = set(actor.lead_team_keys) | set(actor.volunteer.team_keys if actor.volunteer else ())
        own = [team for team in every if team.key in keys]
        if actor.is_admin:  # their own teams first, then every other
            return own + [team for team in every if team.key not in keys]
        return own

    async def team_named(self, actor: Actor, text: str) -> Team:
        """The team of this person's that `text` names: its key, or a part of its Chinese or
        English name, in any case. NotTeamMember if none of theirs matches."""
        wanted = text.strip().casefold()
        for team in await self.my_teams(actor):
            names = (team.name_zh.casefold(), team.name_en.casefold())
            if wanted and (wanted == team.key.casefold() or any(wanted in n for n in names)):
                return team
        raise NotTeamMember()

    async def board(self, actor: Actor, team_id: int | None, period: Period) -> Board:
        """Top members of a team by approved hours in the period, with this person's rank."""
        allowed = await self.my_teams(actor)
        if not allowed:
            raise NotTeamMember()
        team = next((t for t in allowed if t.id == team_id), None) if team_id else allowed[0]
        if team is None:
            raise NotTeamMember()
        start, end = self.bounds(period)
        ranked = rank(
            [
                (total, total.minutes)
                for total in await reports.team_totals(self._db.reader, team.id, start, end)
            ]
        )
        own = actor.volunteer.id if actor.volunteer else None
        mine = next((r for r in ranked if r.key.volunteer_id == own), None)
        return Board(team, start, end, ranked[: self._config.top], mine, len(ranked))

    async def honor_roll(self, period: Period) -> HonorRoll:
        """Teams by approved hours in the period, and by hours per active member."""
        start, end = self.bounds(period)
        now = self._clock.now()
        kept = self._rolls.get((start, end))
        if kept is not None and now < kept[0]:
            return kept[1]
        roll = await self._honor_roll(start, end)
        self._rolls = {
            (start, end): (now + ROLL_KEPT, roll),
            **{key: value for key, value in self._rolls.items() if value[0] > now},
        }
        return roll

    async def _honor_roll(self, start: date, end: date) -> HonorRoll:
        totals = await reports.honor_roll(self._db.reader, start, end)
        by_total = rank([(total, total.minutes) for total in totals])
        per_member = rank([(total, _per_member(total)) for total in totals])
        return HonorRoll(start, end, by_total, [(r, _per_member(r.key)) for r in per_member])

    # ------------------------------------------------------------ reports

    async def report_teams(self, actor: Actor, start: date, end: date) -> list[ReportLine]:
        scope = team_scope(actor, await self._teams())
        return await reports.by_team(self._db.reader, scope, start, end)

    async def report_volunteers(
        self, actor: Actor, team_id: int | None, start: date, end: date, page: int
    ) -> tuple[list[ReportLine], int]:
        scope = team_scope(actor, await self._teams())
        if team_id is not None:
            if scope is not None and team_id not in scope:
                raise NotLeadOrAdmin()
            scope = [team_id]
        return await reports.by_volunteer(
            self._db.reader, scope, start, end, REPORT_PAGE, max(page, 0) * REPORT_PAGE
        )

    async def report_volunteer(
        self, actor: Actor, volunteer_id: int, start: date, end: date
    ) -> tuple[str, ReportLine]:
        """One volunteer's figures (for a lead: on their teams' records only)."""
        every = await self._teams()
        scope = team_scope(actor, every)
        volunteer = await volunteers.by_id(self._db.reader, volunteer_id)
        if volunteer is None:
            raise NotLeadOrAdmin()
        if scope is not None:  # a lead: only members of their teams, by name
            led = {team.key for team in every if team.id in scope}
            if not led & set(volunteer.team_keys):
                raise NotLeadOrAdmin()
        line = await reports.of_volunteer(self._db.reader, volunteer_id, scope, start, end)
        return volunteer.name, line

    async def search(self, actor: Actor, query: str) -> list[tuple[int, str]]:
        """Volunteers by name or phone fragment: admins search everyone; leads only the
        members of their teams (names only)."""
        every = await self._teams()
        scope = team_scope(actor, every)
        fragment = parse_search(query)
        if scope is None:
            found = await volunteers.search(self._db.reader, fragment, SEARCH_SHOWN)
        else:
            # Leads see names, never phone numbers: they search their members by name only.
            found = await volunteers.search_names_in_teams(
                self._db.reader, fragment, scope, SEARCH_SHOWN
            )
        return [(v.id, v.name) for v in found]

    async def stats(self, actor: Actor) -> dict[str, object]:
        if not actor.is_admin:
            raise NotAdmin()
        today = self.today()
        month, year = period_bounds(Period.MONTH, today), period_bounds(Period.YEAR, today)
        return await reports.stats(
            self._db.reader,
            month,
            year,
            today - timedelta(days=30),
            (self._moment(month[0]), self._moment(month[1])),
            (self._moment(year[0]), self._moment(year[1])),
        )

    def _moment(self, day: date) -> datetime:
        return datetime.combine(day, time(0), self._zone).astimezone(UTC)

    async def team_key(self, team_id: int) -> str:
        team = next((t for t in await self._teams() if t.id == team_id), None)
        if team is None:
            raise UnknownTeam(key=str(team_id))
        return team.key

    # ------------------------------------------------------------ weekly posts

    def due_week(self) -> tuple[date, date] | None:
        """The last full week, once this week's posting time has come (org time)."""
        now = self._clock.now().astimezone(self._zone)
        return due_week(now, self._config.weekly_post_weekday, self._config.post_time)

    async def queue_weekly_posts(
        self,
        team_chart: Callable[[Team, list[Ranked[MemberTotal]], date, date], bytes],
        team_caption: Callable[[Team, list[Ranked[MemberTotal]], date, date], str],
        roll_chart: Callable[[HonorRoll, Translator], bytes],
        roll_caption: Callable[[HonorRoll, Translator], str],
    ) -> int:
        """Each linked team's weekly board (a PNG with a caption) to its group, and the honor
        roll to the admins, through the outbox; each once per week, even across restarts."""
        week = self.due_week()
        if week is None:
            return 0
        start, end = week
        queued = 0
        now = self._clock.now()
        posted = await reports.digests_of(self._db.reader, start)
        for team in await self._teams():
            if ("team_week", team.id) in posted:
                continue
            chat = await groups.chat_of_team(self._db.reader, team.id)
            if chat is None:
                continue
            ranked = rank(
                [
                    (t, t.minutes)
                    for t in await reports.team_totals(self._db.reader, team.id, start, end)
                ]
            )[: self._config.top]
            if not any(entry.key.minutes for entry in ranked):
                # Nobody served last week: nothing to post (marked done all the same).
                async with self._db.transaction() as tx:
                    await reports.claim_digest(tx, "team_week", start, team.id, now)
                continue
            # Drawn before the write transaction, so the lock is held only to queue it.
            caption = team_caption(team, ranked, start, end)
            # Drawing takes a moment: off the event loop, one chart at a time.
            path = await saved_picture(
                self._files / f"week-{start.isoformat()}-team-{team.id}.png",
                partial(asyncio.to_thread, team_chart, team, ranked, start, end),
                f"weekly chart for team {team.key}",
            )
            async with self._db.transaction() as tx:
                if not await reports.claim_digest(tx, "team_week", start, team.id, now):
                    continue
                message = picture_post(chat, "leaderboard", caption, path)
                await outbox.enqueue(tx, [message], now)
                queued += 1
        if ("honor_roll", 0) in posted:
            if queued:
                self._signal.notify()
            return queued
        roll = await self._honor_roll(start, end)
        empty = not any(entry.key.minutes for entry in roll.by_total)
        async with self._db.transaction() as tx:
            # An empty roll (a fresh install, a quiet week) is marked done, not posted.
            if await reports.claim_digest(tx, "honor_roll", start, 0, now) and not empty:
                messages = []
                for admin in self._admins:
                    t = await self._notices.translator_for(tx, admin)
                    picture = await saved_picture(
                        self._files / f"week-{start.isoformat()}-honor-{t.language}.png",
                        partial(asyncio.to_thread, roll_chart, roll, t),
                        "honor roll chart",
                    )
                    messages.append(
                        picture_post(admin, "honor_roll", roll_caption(roll, t), picture)
                    )
                await outbox.enqueue(tx, messages, now)
                queued += len(messages)
        if queued:
            self._signal.notify()
        return queued

"""Teams: seeded from the configuration, listed, and added by admins."""

from __future__ import annotations

from collections.abc import Iterable

from bot.clock import Clock
from bot.config import TeamConfig
from bot.domain.errors import NotAdmin, NotLeadOrAdmin, TeamKeyTaken
from bot.domain.models import Actor, Team, TeamOverview
from bot.domain.validation import parse_team_key, parse_team_name
from storage import leads, teams
from storage.db import Database


def managed_teams(actor: Actor, every: Iterable[Team]) -> list[Team]:
    """The teams whose affairs the actor runs (activities, wishes, households, reports):
    every team for an admin, those they lead for a lead; anyone else is refused."""
    if actor.is_admin:
        return list(every)
    led = [team for team in every if team.key in actor.lead_team_keys]
    if not led:
        raise NotLeadOrAdmin()
    return led


def team_scope(actor: Actor, every: Iterable[Team]) -> list[int] | None:
    """The ids of `managed_teams`, or None (every team) for an admin."""
    return None if actor.is_admin else [team.id for team in managed_teams(actor, every)]


class TeamService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        # Teams change only through this service (seed, add), and nearly every reply names
        # them: keep them in memory rather than read them on every update.
        self._teams: list[Team] | None = None
        self._version = 0  # bumped on every change, so a read begun before it is not kept

    async def seed(self, configured: Iterable[TeamConfig]) -> None:
        """Add the configured teams, updating names of those that exist."""
        now = self._clock.now()
        async with self._db.transaction() as tx:
            for team in configured:
                await teams.upsert(tx, team.key, team.name_zh, team.name_en, now)
        self._forget_cache()

    def _forget_cache(self) -> None:
        self._version += 1
        self._teams = None

    async def all(self) -> list[Team]:
        if self._teams is not None:
            return list(self._teams)
        version = self._version
        found = await teams.all_teams(self._db.reader)
        if version == self._version:
            self._teams = found
        return list(found)

    async def overview(self, actor: Actor) -> list[TeamOverview]:
        if not actor.is_admin:
            raise NotAdmin()
        return await teams.overview(self._db.reader)

    async def check_new_key(self, actor: Actor, key: str) -> str:
        """Validate a key for a new team and make sure it is free; returns it cleaned."""
        if not actor.is_admin:
            raise NotAdmin()
        clean_key = parse_team_key(key)
        if await teams.by_key(self._db.reader, clean_key) is not None:
            raise TeamKeyTaken(key=clean_key)
        return clean_key

    async def add(self, actor: Actor, key: str, name_zh: str, name_en: str) -> Team:
        if not actor.is_admin:
            raise NotAdmin()
        clean_key = parse_team_key(key)
        zh, en = parse_team_name(name_zh), parse_team_name(name_en)
        now = self._clock.now()
        async with self._db.transaction() as tx:
            team = await teams.insert_new(tx, clean_key, zh, en, now)
            if team is None:
                raise TeamKeyTaken(key=clean_key)
            await leads.log_change(tx, actor.telegram_id, "add_team", team.id, None, now)
        self._forget_cache()
        return team

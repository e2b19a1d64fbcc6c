"""Group chats: linking a group to a team, and forgetting it when the bot is removed."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.domain.errors import NotGroupAdmin, NotLeadOrAdmin, UnknownTeam
from bot.domain.models import Actor, Team
from storage import groups, outbox, teams
from storage.db import Database


@dataclass(frozen=True)
class LinkOutcome:
    """What came of a request to link a group: `linked`, or not yet because the group is the
    group of `current`, another team, and the person has not confirmed taking it over."""

    team: Team
    linked: bool
    current: Team | None = None


class GroupService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def linkable_teams(self, actor: Actor) -> list[Team]:
        """Teams this person may link a group to: the ones they lead, or any for an admin."""
        if not actor.is_admin and not actor.lead_team_keys:
            raise NotLeadOrAdmin()
        return [
            team
            for team in await teams.all_teams(self._db.reader)
            if actor.is_admin or team.key in actor.lead_team_keys
        ]

    async def may_link(self, actor: Actor, group_admin: bool) -> list[Team]:
        """The teams this person may link this group to. Linking takes a lead of the team (or
        an org admin) who is also an administrator of the group (its creator or an admin, as
        the chat platform says: `group_admin`), so nobody links a group they do not run."""
        linkable = await self.linkable_teams(actor)
        if not group_admin:
            raise NotGroupAdmin()
        return linkable

    async def link(
        self,
        actor: Actor,
        chat_id: int,
        title: str | None,
        team_key: str,
        *,
        group_admin: bool,
        replacing: int | None = None,
    ) -> LinkOutcome:
        """Make the group the team's group (a team has one group: an older one is let go).
        A group that serves another team is never taken over silently: the outcome names that
        team, and only a second request with `replacing` set to its id moves the group."""
        allowed = {team.key: team for team in await self.may_link(actor, group_admin)}
        team = allowed.get(team_key)
        if team is None:
            if await teams.by_key(self._db.reader, team_key) is None:
                raise UnknownTeam(key=team_key)
            raise NotLeadOrAdmin()
        async with self._db.transaction() as tx:
            current_id = await groups.team_of_chat(tx, chat_id)
            if current_id is not None and current_id not in (team.id, replacing):
                current = await teams.by_id(tx, current_id)
                if current is not None:
                    return LinkOutcome(team, linked=False, current=current)
            await groups.link(tx, chat_id, team.id, title, actor.telegram_id, self._clock.now())
        return LinkOutcome(team, linked=True)

    async def bot_removed(self, chat_id: int) -> bool:
        """The bot left or was removed from the group: unlink it; True if it was linked."""
        now = self._clock.now()
        async with self._db.transaction() as tx:
            await outbox.block_chat(tx, chat_id, "bot removed from the group", now)
            return await groups.unlink(tx, chat_id)

    async def moved(self, old_chat_id: int, new_chat_id: int) -> None:
        """A group became a supergroup with a new id."""
        async with self._db.transaction() as tx:
            await groups.move(tx, old_chat_id, new_chat_id)
            await outbox.move_chat(tx, old_chat_id, new_chat_id, self._clock.now())

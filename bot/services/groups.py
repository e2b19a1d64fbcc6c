"""Group chats: linking a group to a team, and forgetting it when the bot is removed."""

from __future__ import annotations

from bot.clock import Clock
from bot.domain.errors import NotLeadOrAdmin, UnknownTeam
from bot.domain.models import Actor, Team
from storage import groups, outbox, teams
from storage.db import Database


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

    async def link(self, actor: Actor, chat_id: int, title: str | None, team_key: str) -> Team:
        allowed = {team.key: team for team in await self.linkable_teams(actor)}
        team = allowed.get(team_key)
        if team is None:
            if await teams.by_key(self._db.reader, team_key) is None:
                raise UnknownTeam(key=team_key)
            raise NotLeadOrAdmin()
        async with self._db.transaction() as tx:
            await groups.link(tx, chat_id, team.id, title, actor.telegram_id, self._clock.now())
        return team

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

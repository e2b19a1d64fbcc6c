"""Broadcasts: a lead (to their teams) or an admin (to any team, or everyone) writes once, and
every member gets it through the outbox, in their language, with the result recorded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.clock import Clock
from bot.domain.errors import (
    AudienceNotAllowed,
    NotBroadcastAuthor,
    NotLeadOrAdmin,
    UnknownBroadcast,
)
from bot.domain.language import resolve_language
from bot.domain.models import LANGUAGES, Actor, Audience, Broadcast, Language, Recipient
from bot.domain.validation import parse_broadcast_text
from bot.i18n import Catalogs
from bot.outbox.models import DeliveryCounts, OutgoingMessage, Priority
from bot.outbox.signal import OutboxSignal
from storage import activities, broadcasts, groups, outbox, teams
from storage.db import Database

MAX_TEXT = 4096
ALL = "all"
ACTIVITIES_OFFERED = 50  # upcoming activities offered as audiences, soonest first


@dataclass(frozen=True)
class BroadcastStatus:
    broadcast: Broadcast
    audience: Audience
    counts: DeliveryCounts
    seconds_left: float = 0.0  # the estimate while it runs: pending over the rate so far

    @staticmethod
    def estimate(
        broadcast: Broadcast, counts: DeliveryCounts, now: datetime, default_rate: float
    ) -> float:
        """Seconds until the pending messages are out, at the rate reached so far (or, before a
        second has passed, at the configured sending rate)."""
        done = counts.sent + counts.blocked + counts.failed
        elapsed = (now - broadcast.created_at).total_seconds()
        rate = done / elapsed if done and elapsed > 1 else default_rate
        return counts.pending / max(rate, 0.1)


class BroadcastService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        catalogs: Catalogs,
        org_name: str,
        default_language: Language,
        signal: OutboxSignal,
        sending_rate: float = 30.0,
    ) -> None:
        self._db = db
        self._rate = sending_rate  # messages a second overall: the estimate before any is sent
        self._clock = clock
        self._catalogs = catalogs
        self._org = org_name
        self._default = default_language
        self._signal = signal
        # Broadcasts whose progress message this process is posting right now: until it is
        # attached, a missing progress message is not yet a lost one.
        self._posting: set[int] = set()

    async def audiences(self, actor: Actor) -> list[Audience]:
        """Whom this person may broadcast to: leads their teams, admins everyone and any team."""
        if not actor.is_admin and not actor.lead_team_keys:
            raise NotLeadOrAdmin()
        every_team = await teams.all_teams(self._db.reader)
        allowed = [
            Audience(f"team:{team.key}", team)
            for team in every_team
            if actor.is_admin or team.key in actor.lead_team_keys
        ]
        keys = None if actor.is_admin else actor.lead_team_keys
        allowed += [
            Audience(f"activity:{a.id}", None, a)
            for a in await activities.of_teams(
                self._db.reader, keys, self._clock.now(), ACTIVITIES_OFFERED
            )
            if a.state == "published"
        ]
        return [Audience(ALL, None), *allowed] if actor.is_admin else allowed

    async def audience(self, actor: Actor, key: str) -> Audience:
        for audience in await self.audiences(actor):
            if audience.key == key:
                return audience
        raise AudienceNotAllowed()

    def source(self, audience: Audience, language: Language) -> str:
        if audience.activity is not None:
            return audience.activity.title
        return audience.team.name(language) if audience.team else self._org

    async def _recipients(self, conn: aiosqlite.Connection, audience: Audience) -> list[Recipient]:
        if audience.activity is not None:
            return await broadcasts.confirmed_of_activity(conn, audience.activity.id)
        return await broadcasts.recipients(conn, audience.team.id if audience.team else None)

    def render(self, audience: Audience, body: str, language: Language) -> str:
        """The message exactly as it arrives for a reader of this language."""
        header = self._catalogs.translator(language)(
            "broadcast.header", source=self.source(audience, language)
        )
        return f"{header}\n\n{body}"

    def max_body(self, audience: Audience) -> int:
        return MAX_TEXT - max(len(self.render(audience, "", language)) for language in LANGUAGES)

    async def check_text(self, actor: Actor, key: str, text: str) -> tuple[Audience, str]:
        """Validate the text for this audience; returns the audience and the cleaned body."""
        audience = await self.audience(actor, key)
        return audience, parse_broadcast_text(text, self.max_body(audience))

    async def recipient_count(self, audience: Audience) -> int:
        people = await broadcasts.recipients(
            self._db.reader, audience.team.id if audience.team else None
        )
        group = (
            await groups.chat_of_team(self._db.reader, audience.team.id) if audience.team else None
        )
        return len(people) + (group is not None)

    async def start(
        self, actor: Actor, key: str, text: str, progress_chat_id: int
    ) -> BroadcastStatus:
        """Write the broadcast and one outbox row per recipient in one transaction."""
        audience, body = await self.check_text(actor, key, text)
        now = self._clock.now()
        async with self._db.transaction() as tx:
            team_id = audience.team.id if audience.team else None
            broadcast_id = await broadcasts.insert(
                tx, actor.telegram_id, audience.key, body, progress_chat_id, now
            )
            messages = [
                OutgoingMessage(
                    chat_id=person.telegram_id,
                    kind="broadcast",
                    text=self.render(
                        audience,
                        body,
                        resolve_language(person.language, person.telegram_language, self._default),
                    ),
                    priority=Priority.BROADCAST,
                    broadcast_id=broadcast_id,
                    blocked=person.unreachable,
                )
                for person in await self._recipients(tx, audience)
            ]
            group = await groups.chat_of_team(tx, team_id) if team_id else None
            if group is not None:
                messages.append(
                    OutgoingMessage(
                        group,
                        "broadcast",
                        self.render(audience, body, self._default),
                        Priority.BROADCAST,
                        broadcast_id=broadcast_id,
                    )
                )
            await outbox.enqueue(tx, messages, now)
            broadcast = await broadcasts.get(tx, broadcast_id)
        assert broadcast is not None
        self._posting.add(broadcast_id)
        self._signal.notify()
        return BroadcastStatus(broadcast, audience, DeliveryCounts(pending=len(messages)))

    async def attach_progress(self, broadcast_id: int, message_id: int) -> None:
        try:
            async with self._db.transaction() as tx:
                await broadcasts.set_progress_message(tx, broadcast_id, message_id)
        finally:
            self._posting.discard(broadcast_id)

    def progress_not_posted(self, broadcast_id: int) -> None:
        """Posting the progress message failed: the final report will be a message."""
        self._posting.discard(broadcast_id)

    def progress_coming(self, broadcast: Broadcast) -> bool:
        """True while this process is still posting the broadcast's progress message."""
        return broadcast.progress_message_id is None and broadcast.id in self._posting

    async def unreported(self) -> list[BroadcastStatus]:
        """Running broadcasts, and ended ones whose final report is still owed (after a
        restart, say): each is reported exactly once."""
        return [await self.status(b.id) for b in await broadcasts.unreported(self._db.reader)]

    async def reported(self, broadcast_id: int) -> None:
        """The progress message now shows the final report."""
        async with self._db.transaction() as tx:
            await broadcasts.mark_reported(tx, broadcast_id, self._clock.now())

    async def report_by_message(self, broadcast: Broadcast, text: str) -> None:
        """No progress message to edit (lost in a restart, or deleted): the final report goes
        to the author as a message of its own, queued in the transaction that records it."""
        now = self._clock.now()
        chat = broadcast.progress_chat_id or broadcast.author_telegram_id
        async with self._db.transaction() as tx:
            if not await broadcasts.mark_reported(tx, broadcast.id, now):
                return
            if chat:  # 0: the author was erased
                report = OutgoingMessage(chat, "broadcast_report", text, Priority.NOTICE)
                await outbox.enqueue(tx, [report], now)
        self._signal.notify()

    async def status(self, broadcast_id: int) -> BroadcastStatus:
        broadcast = await broadcasts.get(self._db.reader, broadcast_id)
        if broadcast is None:
            raise UnknownBroadcast()
        counts = await outbox.counts(self._db.reader, broadcast_id)
        left = BroadcastStatus.estimate(broadcast, counts, self._clock.now(), self._rate)
        return BroadcastStatus(broadcast, await self._audience_of(broadcast), counts, left)

    async def _audience_of(self, broadcast: Broadcast) -> Audience:
        if broadcast.audience_key == ALL:
            return Audience(ALL, None)
        if broadcast.audience_key.startswith("activity:"):
            activity_id = int(broadcast.audience_key.removeprefix("activity:"))
            return Audience(
                broadcast.audience_key, None, await activities.get(self._db.reader, activity_id)
            )
        team = await teams.by_key(self._db.reader, broadcast.audience_key.removeprefix("team:"))
        return Audience(broadcast.audience_key, team)

    async def running(self) -> list[BroadcastStatus]:
        return [await self.status(b.id) for b in await broadcasts.running(self._db.reader)]

    async def stop(self, actor: Actor, broadcast_id: int) -> BroadcastStatus:
        """Cancel what is not sent yet; the author or an admin only."""
        broadcast = await broadcasts.get(self._db.reader, broadcast_id)
        if broadcast is None:
            raise UnknownBroadcast()
        if not actor.is_admin and broadcast.author_telegram_id != actor.telegram_id:
            raise NotBroadcastAuthor()
        now = self._clock.now()
        async with self._db.transaction() as tx:
            stopped = await broadcasts.end(tx, broadcast_id, "stopped", now)
            if stopped:
                await outbox.cancel_broadcast(tx, broadcast_id, now)
        if stopped:
            self._signal.broadcast_stopped(broadcast_id)
        return await self.status(broadcast_id)

    async def complete_if_finished(self, status: BroadcastStatus) -> bool:
        """Mark a running broadcast done once every row has ended; True if it just ended."""
        if status.broadcast.state != "running" or not status.counts.finished:
            return False
        async with self._db.transaction() as tx:
            return await broadcasts.end(tx, status.broadcast.id, "done", self._clock.now())

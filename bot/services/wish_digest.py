"""Micro-wishes over time: claims not delivered by the deadline go back to the wall (the
claimer told), open wishes past it expire (the leads told once); and each week, once the
weekly posting time has come, the fulfilled wall of last week to each team's linked group (an
image of the delivery photos with the wishes' titles, and a caption) and the city-wide count
by community to the admins, each once per week even across restarts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.domain.models import Team
from bot.domain.wishes import Wish
from bot.i18n import Translator
from bot.outbox.models import OutgoingMessage, Priority
from bot.outbox.signal import OutboxSignal
from bot.services.digest_files import picture_post, saved_picture
from bot.services.notices import Notices
from bot.services.wish_board import WishBoard
from bot.services.wish_notices import WishNotices
from storage import groups, outbox, reports, wishes
from storage.db import Database

WALL_MOST = 30  # photos on one week's wall; the caption counts them all
CAPTION_MOST = 1000  # Telegram cuts photo captions at 1,024 characters
CITY_LINES_MOST = 60


@dataclass(frozen=True)
class FulfilledWall:
    """One team's wishes confirmed in the week [start, end), to draw and post."""

    team: Team
    start: date
    end: date
    wishes: list[Wish]  # in the order confirmed; private notes and delivery notes blank

    def photos(self) -> list[Wish]:
        """The wishes the picture shows (those with a delivery photo, at most WALL_MOST)."""
        return [wish for wish in self.wishes if wish.delivery_photo][:WALL_MOST]


def week_range(t: Translator, start: date, end: date) -> str:
    return t("report.range", start=t.day(start), end=t.day(end - timedelta(days=1)))


def wall_caption(t: Translator, wall: FulfilledWall) -> str:
    """The post under the picture: how many wishes the team fulfilled, and which, cut to what
    a photo caption holds."""
    text = t(
        "wish.wall_caption",
        count=len(wall.wishes),
        team=wall.team.name(t.language),
        range=week_range(t, wall.start, wall.end),
    )
    for shown, wish in enumerate(wall.wishes):
        line = "\n" + t("wish.wall_caption_line", title=wish.title, community=wish.community)
        rest = len(wall.wishes) - shown
        if len(text) + len(line) + 40 > CAPTION_MOST:
            return text + "\n" + t("list.more", count=rest)
        text += line
    return text


class WishDigests:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        zone: ZoneInfo,
        notify: WishNotices,
        notices: Notices,
        signal: OutboxSignal,
        admins: Sequence[int],
        files: Path,
        due_week: Callable[[], tuple[date, date] | None],
        all_teams: Callable[[], Awaitable[list[Team]]],
        board: WishBoard,
    ) -> None:
        self._db = db
        self._clock = clock
        self._zone = zone
        self._notify = notify
        self._notices = notices
        self._signal = signal
        self._admins = list(admins)
        self._files = files
        self._due_week = due_week
        self._teams = all_teams
        self._board = board

    async def expire(self) -> tuple[int, int]:
        """Claims past the wish's last day go back to open (the claimer told); open wishes
        past it expire (the leads told, once: the state changes in the same transaction).
        How many of each."""
        today = self._clock.now().astimezone(self._zone).date()
        now = self._clock.now()
        async with self._db.transaction() as tx:
            lapsed = await wishes.lapse_claims(tx, today, now)
            for wish in lapsed:
                await self._notify.lapsed(tx, wish)
            expired = await wishes.expire(tx, today, now)
            for wish in expired:
                await self._notify.expired(tx, wish)
        if lapsed or expired:
            self._board.changed()
            self._signal.notify()
        return len(lapsed), len(expired)

    def _moment(self, day: date) -> datetime:
        return datetime.combine(day, time(), self._zone).astimezone(UTC)

    async def queue_walls(self, draw: Callable[[FulfilledWall], Awaitable[bytes]]) -> int:
        """Last week's fulfilled wall to each linked team's group, and the city-wide count to
        the admins, once the weekly posting time has come; `draw` makes the picture (it may
        fail: the wall then goes out as text). How many messages were queued."""
        week = self._due_week()
        if week is None:
            return 0
        start, end = week
        begin, until = self._moment(start), self._moment(end)
        posted = await reports.digests_of(self._db.reader, start)
        queued = 0
        t = self._notices.default_translator()
        for team in await self._teams():
            if ("wish_wall", team.id) in posted:
                continue
            chat = await groups.chat_of_team(self._db.reader, team.id)
            if chat is None:
                continue
            found = await wishes.confirmed_between(self._db.reader, begin, until, team.id)
            now = self._clock.now()
            if not found:  # nothing fulfilled: nothing to post (marked done all the same)
                async with self._db.transaction() as tx:
                    await reports.claim_digest(tx, "wish_wall", start, team.id, now)
                continue
            public = [replace(w, private_note="", delivery_note=None) for w in found]
            wall = FulfilledWall(team, start, end, public)
            path = await saved_picture(
                self._files / f"wishes-week-{start.isoformat()}-team-{team.id}.jpg",
                partial(draw, wall),
                f"fulfilled wall for team {team.key}",
            )
            async with self._db.transaction() as tx:
                if not await reports.claim_digest(tx, "wish_wall", start, team.id, now):
                    continue
                message = picture_post(chat, "wish_wall", wall_caption(t, wall), path)
                await outbox.enqueue(tx, [message], now)
                queued += 1
        if ("wish_city", 0) not in posted:
            queued += await self._queue_city_count(start, end, begin, until)
        if queued:
            self._signal.notify()
        return queued

    async def _queue_city_count(
        self, start: date, end: date, begin: datetime, until: datetime
    ) -> int:
        """The admins learn how many wishes were fulfilled city-wide, by community (nothing
        when none were)."""
        counts = await wishes.fulfilled_by_community(self._db.reader, begin, until)
        now = self._clock.now()
        async with self._db.transaction() as tx:
            if not await reports.claim_digest(tx, "wish_city", start, 0, now) or not counts:
                return 0
            messages = []
            for admin in self._admins:
                t = await self._notices.translator_for(tx, admin)
                lines = [
                    t(
                        "wish.city_header",
                        count=sum(n for _, n in counts),
                        range=week_range(t, start, end),
                    )
                ]
                lines += [
                    t("wish.city_line", community=name, count=n)
                    for name, n in counts[:CITY_LINES_MOST]
                ]
                if len(counts) > CITY_LINES_MOST:
                    lines.append(t("list.more", count=len(counts) - CITY_LINES_MOST))
                messages.append(
                    OutgoingMessage(admin, "wish_city", "\n".join(lines), Priority.DIGEST)
                )
            await outbox.enqueue(tx, messages, now)
        return len(messages)

"""The wall of open micro-wishes as everyone sees it: a page, the communities to filter by, and
whether the reader may post.

/wishes is what most people ask for, over and over, with nothing changed in between. Counting
10,000 open wishes costs more than the rest of the answer together, and every read is a hop
to the database thread, so pages and counts are kept a few seconds: forgotten at once when a
wish is posted, claimed or released through the services (which call `changed` once their
change has committed: a page read in between would otherwise be kept, stale), and within
WALL_FRESH when one changes otherwise (a deadline job, an erasure). A wish's card, claims and
everything that decides anything always read afresh."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.domain.wishes import Wish
from storage import wishes
from storage.db import Database

WALL_FRESH = timedelta(seconds=10)
KEPT = 1024  # pages and counts kept at most (filters times pages), then all dropped


@dataclass(frozen=True)
class WallPage:
    wishes: tuple[Wish, ...]  # private notes blank
    total: int
    number: int  # 0-based, clamped to the pages that exist
    count: int  # pages


Filters = tuple[date, int | None, int | None]  # today, team id, community id


class WishBoard:
    def __init__(self, db: Database, clock: Clock, zone: ZoneInfo, admins: Sequence[int]) -> None:
        self._db = db
        self._clock = clock
        self._zone = zone
        self._admins = frozenset(admins)
        self._counts: dict[Filters, tuple[datetime, int]] = {}
        self._pages: dict[tuple[Filters, int, int], tuple[datetime, WallPage]] = {}
        self._posters: tuple[datetime, frozenset[int]] | None = None

    def today(self) -> date:
        return self._clock.now().astimezone(self._zone).date()

    def changed(self) -> None:
        """A wish was posted, claimed, released, expired: what is kept is dropped."""
        self._counts.clear()
        self._pages.clear()

    async def wall(
        self, number: int, per_page: int, team_id: int | None, community: int | None
    ) -> WallPage:
        """Open wishes, newest first, one page; a page out of range is clamped."""
        now = self._clock.now()
        filters = (self.today(), team_id, community)
        total = await self._count(filters, now)
        count = max(1, -(-total // per_page))
        number = min(max(number, 0), count - 1)
        key = (filters, number, per_page)
        kept = self._pages.get(key)
        if kept is not None and now < kept[0]:
            return kept[1]
        found = await wishes.wall(
            self._db.reader, filters[0], team_id, community, per_page, number * per_page
        )
        public = tuple(replace(w, private_note="", delivery_note=None) for w in found)
        page = WallPage(public, total, number, count)
        if len(self._pages) >= KEPT:
            self._pages.clear()
        self._pages[key] = (now + WALL_FRESH, page)
        return page

    async def _count(self, filters: Filters, now: datetime) -> int:
        kept = self._counts.get(filters)
        if kept is not None and now < kept[0]:
            return kept[1]
        total = await wishes.wall_count(self._db.reader, *filters)
        if len(self._counts) >= KEPT:
            self._counts.clear()
        self._counts[filters] = (now + WALL_FRESH, total)
        return total

    async def communities(self, team_id: int | None) -> list[tuple[int, str, int]]:
        """Communities with open wishes, (id, name, how many), the busiest first."""
        return await wishes.communities_open(self._db.reader, self.today(), team_id)

    async def community_name(self, community: int) -> str | None:
        return await wishes.community_name(self._db.reader, community)

    async def may_post(self, telegram_id: int) -> bool:
        """Whether to offer this person the "post a wish" button: a lead of any team, or an
        admin. (Posting itself checks their teams again.)"""
        if telegram_id in self._admins:
            return True
        now = self._clock.now()
        if self._posters is None or now >= self._posters[0]:
            leads = await wishes.lead_telegram_ids(self._db.reader)
            self._posters = (now + WALL_FRESH, frozenset(leads))
        return telegram_id in self._posters[1]

"""The activity list's pages, kept between changes, and the one door through which activities
and sign-ups are written, so that a page read before a write is never served after it.

The services of activities, a lead's changes and sign-ups hold an `ActivityPages` instead of
the Database: they read through `reader`, and the only write transaction they can open is
`writing()`, which drops every kept page when it ends (committed or not)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiosqlite

from bot.domain.models import Activity
from storage import activities
from storage.db import Database

PAGES_CACHED = 256
PAGE_KEPT = timedelta(seconds=5)


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


class ActivityPages:
    def __init__(self, db: Database) -> None:
        self._db = db
        # Bumped by every write, so a page read while a write was under way is not kept.
        self._version = 0
        self._pages: dict[tuple[int, int, int | None, str | None], _CachedPage] = {}

    @property
    def reader(self) -> aiosqlite.Connection:
        return self._db.reader

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction on activities or sign-ups; no page read before it is kept."""
        try:
            async with self._db.transaction() as tx:
                yield tx
        finally:
            self.changed()

    def changed(self) -> None:
        """Forget every kept page: for a write made in another service's transaction."""
        self._version += 1
        self._pages.clear()

    async def upcoming(
        self, now: datetime, page: int, size: int, team_id: int | None, category: str | None
    ) -> tuple[list[ActivityView], int]:
        """One page of activities not yet started (filtered by team and category if given),
        soonest first; and how many in all."""
        key = (max(page, 0), size, team_id, category)
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

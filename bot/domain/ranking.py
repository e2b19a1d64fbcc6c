"""Ranking rules: periods at the org's calendar boundaries, and ranks that ties share."""

from __future__ import annotations

import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Generic, TypeVar

from bot.domain.errors import InvalidPeriod

K = TypeVar("K", bound=Hashable)


class Period(StrEnum):
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"
    ALL = "all"


EARLIEST = date(2000, 1, 1)
FIRST_YEAR, LAST_YEAR = 2000, 2100  # the years a report period may cover (and buttons carry)
LONGEST_RANGE_DAYS = 3660  # about ten years


def period_bounds(period: Period, today: date) -> tuple[date, date]:
    """[first day, day after the last) of the period containing `today`, in the org's
    calendar: weeks start on Monday."""
    if period is Period.WEEK:
        start = today - timedelta(days=today.weekday())
        return start, start + timedelta(days=7)
    if period is Period.MONTH:
        start = today.replace(day=1)
        following = (start + timedelta(days=32)).replace(day=1)
        return start, following
    if period is Period.YEAR:
        return date(today.year, 1, 1), date(today.year + 1, 1, 1)
    return EARLIEST, today + timedelta(days=1)


def previous_week(today: date) -> tuple[date, date]:
    """The last full week (Monday to Sunday) before the one containing `today`."""
    start, _ = period_bounds(Period.WEEK, today)
    return start - timedelta(days=7), start


def due_week(now: datetime, weekday: int, post_time: time) -> tuple[date, date] | None:
    """The last full week, once this week's posting time has come (`now` in org time;
    `weekday` 0 is Monday): what the weekly posts are about, or None before that time."""
    week_start, _ = period_bounds(Period.WEEK, now.date())
    post_at = datetime.combine(week_start + timedelta(days=weekday), post_time, now.tzinfo)
    if now < post_at:
        return None
    return previous_week(now.date())


@dataclass(frozen=True)
class Ranked(Generic[K]):
    rank: int
    key: K
    minutes: int
    tied: bool  # shares its rank with another


def rank(totals: Sequence[tuple[K, int]]) -> list[Ranked[K]]:
    """Highest minutes first; equal minutes share a rank and the next rank skips
    (1, 2, 2, 4). Keys with equal minutes keep the order they were given in."""
    ordered = sorted(totals, key=lambda item: -item[1])
    counts: dict[int, int] = {}
    for _, minutes in ordered:
        counts[minutes] = counts.get(minutes, 0) + 1
    ranked: list[Ranked[K]] = []
    for position, (key, minutes) in enumerate(ordered, start=1):
        first = ranked[-1].rank if ranked and ranked[-1].minutes == minutes else position
        ranked.append(Ranked(first, key, minutes, counts[minutes] > 1))
    return ranked


def parse_range(texts: Sequence[str]) -> tuple[date, date]:
    """The first two words, `2026-11-01 2026-11-30` (both days included), as [start, day after
    end). Refused (InvalidPeriod): fewer words, anything else, an end before the start, over ten
    years, or outside FIRST_YEAR..LAST_YEAR."""
    if len(texts) < 2:
        raise InvalidPeriod()
    days = [re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text.strip()) for text in texts[:2]]
    try:
        start, end = (date(int(m[1]), int(m[2]), int(m[3])) for m in days if m is not None)
    except ValueError:
        raise InvalidPeriod() from None
    if None in days or end < start or (end - start).days > LONGEST_RANGE_DAYS:
        raise InvalidPeriod()
    if not (start.year >= FIRST_YEAR and end.year <= LAST_YEAR):
        raise InvalidPeriod()
    return start, end + timedelta(days=1)

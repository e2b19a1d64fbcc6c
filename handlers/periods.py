"""The periods reports are asked for: typed date ranges, buttons for this week, month and
year, and how a range and an amount of hours read."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

from bot.buttons import FIRST_YEAR, LAST_YEAR, ButtonData
from bot.domain.errors import InvalidPeriod
from bot.domain.ranking import Period, period_bounds
from bot.i18n import Translator
from handlers.common import Choice

PERIODS = (Period.WEEK, Period.MONTH, Period.YEAR, Period.ALL)


def hours(t: Translator, minutes: int) -> str:
    """Minutes as hours by the one rule (Translator.hours)."""
    return t.hours(minutes)


def parse_range(args: list[str]) -> tuple[date, date]:
    """`2026-11-01 2026-11-30` (both days included): [start, day after end), in the years
    button data carries."""
    days = [re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", arg) for arg in args[:2]]
    if len(days) != 2 or None in days:
        raise InvalidPeriod()
    try:
        start, last = (date(int(m[1]), int(m[2]), int(m[3])) for m in days if m is not None)
    except ValueError:
        raise InvalidPeriod() from None
    if last < start or (last - start).days > 3660 or not FIRST_YEAR <= start.year <= LAST_YEAR:
        raise InvalidPeriod()
    if last.year > LAST_YEAR:
        raise InvalidPeriod()
    return start, last + timedelta(days=1)


def period_text(t: Translator, start: date, end: date) -> str:
    return t("report.range", start=t.day(start), end=t.day(end - timedelta(days=1)))


def period_rows(
    t: Translator, today: date, to_span: Callable[[date, date], ButtonData]
) -> list[Choice]:
    """This week, month and year, one button each: `to_span(start, end)`."""
    row: list[Choice] = []
    for period in (Period.WEEK, Period.MONTH, Period.YEAR):
        start, end = period_bounds(period, today)
        row.append((t(f"period.{period.value}"), to_span(start, end)))
    return row

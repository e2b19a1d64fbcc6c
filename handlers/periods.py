"""The periods reports are asked for: typed date ranges, the ranges in button data, and how a
range and an amount of hours read."""

from __future__ import annotations

import re
from datetime import date, timedelta

from bot.domain.errors import InvalidPeriod
from bot.domain.ranking import Period, period_bounds
from bot.i18n import Translator

PERIODS = (Period.WEEK, Period.MONTH, Period.YEAR, Period.ALL)


def hours(t: Translator, minutes: int) -> str:
    return t.number(round(minutes / 60, 1))


FIRST_YEAR, LAST_YEAR = 2000, 2100


def parse_day_token(text: str) -> date | None:
    if not re.fullmatch(r"[0-9]{8}", text) or not FIRST_YEAR <= int(text[:4]) <= LAST_YEAR:
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None


def span_data(start: date, end: date) -> str:
    return f"{start:%Y%m%d}:{end:%Y%m%d}"


def parse_span(parts: list[str]) -> tuple[date, date] | None:
    if len(parts) < 2:
        return None
    start, end = parse_day_token(parts[0]), parse_day_token(parts[1])
    if start is None or end is None or end <= start:
        return None
    return start, end


def parse_range(args: list[str]) -> tuple[date, date]:
    """`2026-11-01 2026-11-30` (both days included): [start, day after end)."""
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


def period_rows(t: Translator, prefix: str, today: date, extra: str = "") -> list[tuple[str, str]]:
    row = []
    for period in (Period.WEEK, Period.MONTH, Period.YEAR):
        start, end = period_bounds(period, today)
        row.append((t(f"period.{period.value}"), f"{prefix}{span_data(start, end)}{extra}"))
    return row

"""The periods reports are asked for: typed date ranges, buttons for this week, month and
year, and how a range and an amount of hours read."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from bot.buttons import ButtonData
from bot.domain.ranking import Period, period_bounds
from bot.i18n import Translator
from bot.views.periods import period_text as period_text
from handlers.common import Choice

PERIODS = (Period.WEEK, Period.MONTH, Period.YEAR, Period.ALL)


def hours(t: Translator, minutes: int) -> str:
    """Minutes as hours by the one rule (Translator.hours)."""
    return t.hours(minutes)


def period_rows(
    t: Translator, today: date, to_span: Callable[[date, date], ButtonData]
) -> list[Choice]:
    """This week, month and year, one button each: `to_span(start, end)`."""
    row: list[Choice] = []
    for period in (Period.WEEK, Period.MONTH, Period.YEAR):
        start, end = period_bounds(period, today)
        row.append((t(f"period.{period.value}"), to_span(start, end)))
    return row

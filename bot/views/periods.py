"""How a period of days reads."""

from __future__ import annotations

from datetime import date, timedelta

from bot.i18n import Translator


def period_text(t: Translator, start: date, end: date) -> str:
    """The days from `start` to `end` (exclusive), as the reader writes a range."""
    return t("report.range", start=t.day(start), end=t.day(end - timedelta(days=1)))

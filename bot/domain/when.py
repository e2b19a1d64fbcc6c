"""Dates and times as people type them, read in the organisation's time zone."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.errors import InvalidWhen

_TIME = r"(?P<hour>\d{1,2})(?:[:：点時时](?P<minute>\d{1,2})?分?)?"
_PATTERNS = [
    re.compile(rf"^(?P<year>\d{{4}})[-/.](?P<month>\d{{1,2}})[-/.](?P<day>\d{{1,2}})\s*{_TIME}$"),
    re.compile(rf"^(?P<month>\d{{1,2}})[-/.](?P<day>\d{{1,2}})\s*{_TIME}$"),
    re.compile(
        rf"^(?:(?P<year>\d{{4}})年)?(?P<month>\d{{1,2}})月(?P<day>\d{{1,2}})[日号]?\s*{_TIME}$"
    ),
    re.compile(rf"^(?P<relative>今天|明天|后天|today|tomorrow)\s*{_TIME}$", re.IGNORECASE),
]
_RELATIVE = {"今天": 0, "today": 0, "明天": 1, "tomorrow": 1, "后天": 2}


def parse_when(text: str, now: datetime, zone: ZoneInfo) -> datetime:
    """`2026-12-05 09:00`, `12-05 09:00`, `12月5日 9:00`, `明天 9:00`, `tomorrow 9:00`: the
    moment in UTC. A date without a year is the next such date from today."""
    cleaned = " ".join(unicodedata.normalize("NFKC", text).split()).lower()
    if len(cleaned) > 40:
        raise InvalidWhen()
    today = now.astimezone(zone).date()
    for pattern in _PATTERNS:
        match = pattern.match(cleaned)
        if match is None:
            continue
        parts = match.groupdict()
        try:
            clock = time(int(parts["hour"]), int(parts["minute"] or 0))
            if parts.get("relative"):
                day = today + timedelta(days=_RELATIVE[parts["relative"]])
            else:
                year = int(parts["year"]) if parts.get("year") else today.year
                day = date(year, int(parts["month"]), int(parts["day"]))
                if not parts.get("year") and day < today:
                    day = date(year + 1, day.month, day.day)
        except ValueError:
            raise InvalidWhen() from None
        return datetime.combine(day, clock, zone).astimezone(UTC)
    raise InvalidWhen()

"""Service hours: the credit rule, star levels, check-in distance, and what a certificate
holds. Pure functions and plain data; no I/O here."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from bot.domain.errors import InvalidDate, InvalidMinutes, InvalidReason

EARTH_RADIUS_M = 6_371_000.0
# Credited minutes a record may hold: a day, which no activity is longer than in practice.
MAX_RECORD_MINUTES = 24 * 60


class RecordState(StrEnum):
    PENDING = "pending"  # proposed, waiting for the lead's attendance sheet
    REVIEW = "review"  # approved by the lead but over the daily limit: an admin decides
    APPROVED = "approved"
    NO_SHOW = "no_show"
    DISPUTED = "disputed"


@dataclass(frozen=True)
class Credit:
    """What the rule credits for one presence at one activity."""

    minutes: int
    present_minutes: int  # the overlap with the schedule, before the presence-share rule
    scheduled_minutes: int
    below_share: bool  # present for less than the configured share: nothing credited


def whole_minutes(span: timedelta) -> int:
    return max(int(span.total_seconds() // 60), 0)


def credit(
    starts_at: datetime,
    ends_at: datetime,
    checked_in_at: datetime,
    checked_out_at: datetime,
    min_share: float | None = None,
) -> Credit:
    """Minutes credited: the overlap of check-in..check-out with the scheduled start..end, in
    whole minutes; never time outside the schedule. With `min_share` (0 < share <= 1), a
    presence shorter than that share of the schedule credits nothing."""
    scheduled = whole_minutes(ends_at - starts_at)
    overlap = whole_minutes(min(ends_at, checked_out_at) - max(starts_at, checked_in_at))
    below = min_share is not None and scheduled > 0 and overlap < scheduled * min_share
    return Credit(0 if below else overlap, overlap, scheduled, below)


def over_daily_limit(minutes_that_day: int, limit_minutes: int) -> bool:
    """More than the limit credited to one person on one day goes to an admin's review."""
    return minutes_that_day > limit_minutes


@dataclass(frozen=True)
class StarLevel:
    level: int  # 0 before the first star
    next_hours: int | None  # the next level's threshold, None at the top
    minutes_to_next: int | None


def star_level(approved_minutes: int, thresholds_hours: Sequence[int]) -> StarLevel:
    """The star level reached with these approved minutes (1★ at the first threshold, ...)."""
    level = sum(1 for hours in thresholds_hours if approved_minutes >= hours * 60)
    if level >= len(thresholds_hours):
        return StarLevel(level, None, None)
    following = thresholds_hours[level]
    return StarLevel(level, following, following * 60 - approved_minutes)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def working_days_after(start: date, days: int) -> date:
    """The date `days` working days (Monday to Friday) after `start`."""
    current, left = start, days
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            left -= 1
    return current


@dataclass(frozen=True)
class CertificateLine:
    """One approved service record as the national service-record rule lists it."""

    title: str
    day: date
    place: str
    content: str
    minutes: int
    team: str
    person_in_charge: str


@dataclass(frozen=True)
class Certificate:
    code: str
    holder: str
    lines: tuple[CertificateLine, ...]
    total_minutes: int
    organisation: str
    issued_on: date


class Mark(StrEnum):
    PRESENT = "present"
    ABSENT = "absent"
    ADJUSTED = "adjusted"


@dataclass(frozen=True)
class ServiceRecord:
    id: int
    volunteer_id: int
    activity_id: int | None
    team_key: str
    category: str
    title: str
    place: str
    content: str
    served_on: date
    starts_at: datetime | None
    ends_at: datetime | None
    checked_in_at: datetime | None
    checked_out_at: datetime | None
    proposed_minutes: int
    minutes: int
    mark: Mark
    state: RecordState
    flags: frozenset[str]
    source: str

    @property
    def scheduled_minutes(self) -> int | None:
        if self.starts_at is None or self.ends_at is None:
            return None
        return whole_minutes(self.ends_at - self.starts_at)


@dataclass(frozen=True)
class CheckIn:
    activity_id: int
    volunteer_id: int
    method: str
    checked_in_at: datetime
    checked_out_at: datetime | None
    distance_m: float | None = None


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor_telegram_id: int | None
    action: str
    before: dict[str, object] | None
    after: dict[str, object]
    reason: str | None


@dataclass(frozen=True)
class HoursSummary:
    """A volunteer's minutes: approved and pending (pending, in review or disputed), this
    year and all time, and approved minutes by category and by team key."""

    approved_year: int
    approved_total: int
    pending_year: int
    pending_total: int
    by_category: tuple[tuple[str, int], ...]
    by_team: tuple[tuple[str, int], ...]
    no_shows: int


_MINUTES = re.compile(
    r"^(?:(?P<hours>\d{1,2}(?:\.\d{1,2})?)\s*(?:h|hr|hrs|hours?|小时|个小时|時間)\s*)?"
    r"(?:(?P<minutes>\d{1,4})\s*(?:m|min|mins|minutes?|分钟|分)?)?$"
)
_DAY = [
    re.compile(r"^(?P<year>\d{4})[-/.年](?P<month>\d{1,2})[-/.月](?P<day>\d{1,2})[日号]?$"),
    re.compile(r"^(?P<month>\d{1,2})[-/.月](?P<day>\d{1,2})[日号]?$"),
]


def parse_minutes(text: str, maximum: int) -> int:
    """`150`, `150m`, `150分钟`, `2.5h`, `2.5小时`, `2h30m`, `2小时30分`: whole minutes from 0 to
    `maximum`."""
    cleaned = unicodedata.normalize("NFKC", text).strip().lower().replace(" ", "")
    match = _MINUTES.match(cleaned) if cleaned and len(cleaned) <= 20 else None
    if match is None or not (match["hours"] or match["minutes"]):
        raise InvalidMinutes(max=maximum)
    total = float(match["hours"] or 0) * 60 + int(match["minutes"] or 0)
    if total != int(total) or not 0 <= total <= maximum:
        raise InvalidMinutes(max=maximum)
    return int(total)


def parse_day(text: str, today: date) -> date:
    """`2026-11-20`, `11-20`, `11月20日`: a day not after today (a date without a year is the
    last such date up to today)."""
    cleaned = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    for pattern in _DAY:
        match = pattern.match(cleaned)
        if match is None:
            continue
        parts = match.groupdict()
        try:
            year = int(parts["year"]) if parts.get("year") else today.year
            day = date(year, int(parts["month"]), int(parts["day"]))
            if not parts.get("year") and day > today:
                day = date(year - 1, day.month, day.day)
        except ValueError:
            raise InvalidDate() from None
        if day > today or day.year < 2000:
            raise InvalidDate()
        return day
    raise InvalidDate()


def parse_reason(text: str) -> str:
    """A reason for a change: 2 to 200 printable characters."""
    cleaned = " ".join(unicodedata.normalize("NFC", text).split())
    if not 2 <= len(cleaned) <= 200 or any(
        unicodedata.category(char).startswith("C") for char in cleaned
    ):
        raise InvalidReason()
    return cleaned

"""Service hours: the credit rule, star levels, check-in distance, and what a certificate
holds. Pure functions and plain data; no I/O here."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from bot.domain.errors import InvalidDate, InvalidMinutes, InvalidReason, InvalidText

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


# Flags that a bulk approval of the sheet never passes: each such record needs the lead's own
# decision (present, absent or adjusted), after which it carries DECIDED.
#   no_checkout: checked in but never out (proposed at 0, or up to the last presence signal);
#   overlap: its presence overlaps another record of the same person;
#   edge: checked in by location in the outer 10% of the radius;
#   manual: presence marked by a lead by hand.
DECISION_FLAGS = frozenset({"no_checkout", "overlap", "edge", "manual"})
DECIDED = "decided"
EDGE_SHARE = 0.9


def needs_decision(flags: frozenset[str]) -> bool:
    """A record a bulk approval must leave for the lead's own decision."""
    return bool(flags & DECISION_FLAGS) and DECIDED not in flags


def at_edge(distance: float | None, radius_m: float) -> bool:
    """A location check-in in the outer tenth of the radius, where GPS error or a spoofed
    point is most likely."""
    return distance is not None and distance > radius_m * EDGE_SHARE


def spans_overlap(a: tuple[datetime, datetime], b: tuple[datetime, datetime]) -> bool:
    """Two spans share at least a moment (touching ends do not count)."""
    return a[0] < b[1] and b[0] < a[1]


def minutes_outside(
    span: tuple[datetime, datetime], others: Sequence[tuple[datetime, datetime]]
) -> int:
    """Whole minutes of `span` that none of the `others` covers: what may still be credited
    once those minutes count elsewhere."""
    begin, end = span
    covered = sorted((max(a, begin), min(b, end)) for a, b in others if a < end and b > begin)
    free, cursor = timedelta(0), begin
    for start, stop in covered:
        if start > cursor:
            free += start - cursor
        cursor = max(cursor, stop)
    if end > cursor:
        free += end - cursor
    return whole_minutes(free)


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

    last_seen_at: datetime | None = None  # the last presence signal before a missing check-out

    @property
    def scheduled_minutes(self) -> int | None:
        if self.starts_at is None or self.ends_at is None:
            return None
        return whole_minutes(self.ends_at - self.starts_at)

    @property
    def presence_span(self) -> tuple[datetime, datetime] | None:
        """The longest span this record could credit: the presence inside the schedule, up to
        the scheduled end when there was no check-out (what a lead could still grant)."""
        if self.starts_at is None or self.ends_at is None or self.checked_in_at is None:
            return None
        begin = max(self.starts_at, self.checked_in_at)
        end = min(self.ends_at, self.checked_out_at or self.ends_at)
        return (begin, end) if end > begin else None

    @property
    def credited_span(self) -> tuple[datetime, datetime] | None:
        """Where its credited minutes lie: from the start of the presence, for as many
        minutes as are credited (None without times or minutes)."""
        span = self.presence_span
        if span is None or not self.minutes:
            return None
        return span[0], span[0] + timedelta(minutes=self.minutes)

    @property
    def needs_decision(self) -> bool:
        return needs_decision(self.flags)

    @property
    def warnings(self) -> list[str]:
        """The flags to show people, in a stable order (DECIDED is bookkeeping, not one)."""
        return sorted(self.flags - {DECIDED})


@dataclass(frozen=True)
class CheckIn:
    activity_id: int
    volunteer_id: int
    method: str
    checked_in_at: datetime
    checked_out_at: datetime | None
    distance_m: float | None = None
    last_seen_at: datetime | None = None  # a code scanned again, a live location updated


@dataclass(frozen=True)
class CodeDisplay:
    """A lead's message showing a check-in code, which a job keeps fresh until the activity
    ends."""

    chat: int
    message: int
    activity: int
    lead: int  # whose right to issue codes each rotation checks again


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor_telegram_id: int | None
    action: str
    before: dict[str, object] | None
    after: dict[str, object]
    reason: str | None  # None when there was none, or once it was redacted
    # The actor erased their data: actor_telegram_id is None, yet it was a person, not the bot.
    actor_erased: bool = False


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
    r"(?:(?P<minutes>\d{1,4})\s*(?P<unit>m|min|mins|minutes?|分钟|分)?)?$"
)
_BARE_HOURS = re.compile(r"^(?P<hours>\d{1,2}(?:\.\d{1,2})?)$")
_DAY = [
    re.compile(r"^(?P<year>\d{4})[-/.年](?P<month>\d{1,2})[-/.月](?P<day>\d{1,2})[日号]?$"),
    re.compile(r"^(?P<month>\d{1,2})[-/.月](?P<day>\d{1,2})[日号]?$"),
]


def parse_minutes(text: str, maximum: int) -> int:
    """A length of service in whole minutes from 0 to `maximum`. People think of service in
    hours, so a bare number is hours (`2`, `1.5`); minutes need their unit (`90m`, `30分钟`);
    both together as `2h30m`, `2小时30分`."""
    cleaned = unicodedata.normalize("NFKC", text).strip().lower().replace(" ", "")
    bare = _BARE_HOURS.match(cleaned)
    match = _MINUTES.match(cleaned) if cleaned and len(cleaned) <= 20 else None
    if bare is not None:
        total = Decimal(bare["hours"]) * 60
    elif match is not None and (match["hours"] or match["minutes"]):
        if match["minutes"] and not match["unit"] and not match["hours"]:
            raise InvalidMinutes(max=maximum)
        total = Decimal(match["hours"] or 0) * 60 + int(match["minutes"] or 0)
    else:
        raise InvalidMinutes(max=maximum)
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


def parse_text(text: str) -> str:
    """A short free text (what was done, why a record is disputed): 2 to 200 printable
    characters, spaces collapsed."""
    cleaned = " ".join(unicodedata.normalize("NFC", text).split())
    if not 2 <= len(cleaned) <= 200 or any(
        unicodedata.category(char).startswith("C") for char in cleaned
    ):
        raise InvalidText()
    return cleaned


MIN_REASON_CHARACTERS = 4


def parse_reason(text: str) -> str:
    """The reason for a change to someone's hours, which the audit keeps: at most 200
    printable characters with at least 4 letters or digits, not one or two repeated (not
    "....", "aaaa" or "haha")."""
    try:
        cleaned = parse_text(text)
    except InvalidText:
        raise InvalidReason(min=MIN_REASON_CHARACTERS) from None
    meaningful = [char for char in cleaned if unicodedata.category(char)[0] in "LN"]
    if len(meaningful) < MIN_REASON_CHARACTERS or len(set(meaningful)) < 3:
        raise InvalidReason(min=MIN_REASON_CHARACTERS)
    return cleaned


def outside_activity(
    volunteer_id: int,
    team_key: str,
    served_on: date,
    minutes: int,
    title: str,
    *,
    source: str = "manual",
    category: str = "manual",
    place: str = "—",
    content: str | None = None,
) -> ServiceRecord:
    """A record of service outside any activity, before it is decided: hours added by hand
    (the default), a fulfilled micro-wish, a household visit."""
    return ServiceRecord(
        id=0,
        volunteer_id=volunteer_id,
        activity_id=None,
        team_key=team_key,
        category=category,
        title=title,
        place=place,
        content=content if content is not None else title,
        served_on=served_on,
        starts_at=None,
        ends_at=None,
        checked_in_at=None,
        checked_out_at=None,
        proposed_minutes=minutes,
        minutes=minutes,
        mark=Mark.ADJUSTED,
        state=RecordState.PENDING,
        flags=frozenset(),
        source=source,
    )

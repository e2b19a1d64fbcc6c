"""Household pairing (千名义工助千户): the households a team cares for, what volunteers may see of
them, when one is due for a visit, and the checks on what leads and volunteers type. Pure rules
and plain data; no I/O.

A household's private contact note (who lives there, how to reach them) is kept apart from
`Household`: only `HouseholdFile`, which the services hand to the team's leads and admins,
carries it. Nothing a volunteer is shown is built from a `HouseholdFile`."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.domain.errors import DomainError

# e.g. SP-017, HS2026-001: letters, digits and inner hyphens; stored upper-case.
_CODE = re.compile(r"^[A-Z0-9](?:[A-Z0-9-]{0,18}[A-Z0-9])?$")
CODE_MAX = 20
COMMUNITY_MIN, COMMUNITY_MAX = 2, 40
NOTE_MAX = 300  # the private contact note
VISIT_NOTE_MAX = 300  # what a volunteer writes about a visit
CADENCE_MAX = 365
RADIUS_MIN, RADIUS_MAX = 10, 10_000
_WHOLE_NUMBER = re.compile(r"^(\d{1,6})\s*(?:天|日|days?|d|米|公尺|m|metres?|meters?)?$")


# ---------------------------------------------------------------- refusals


class InvalidHouseholdCode(DomainError):
    key = "error.invalid_household_code"


class HouseholdCodeTaken(DomainError):
    key = "error.household_code_taken"  # params: code


class InvalidCommunity(DomainError):
    key = "error.invalid_community"  # params: max


class InvalidCadence(DomainError):
    key = "error.invalid_cadence"  # params: max


class InvalidRadius(DomainError):
    key = "error.invalid_radius"  # params: min, max


class InvalidHouseholdNote(DomainError):
    key = "error.invalid_household_note"  # params: max


class UnknownNeed(DomainError):
    key = "error.unknown_need"  # params: key


class InvalidCoordinates(DomainError):
    key = "error.invalid_coordinates"


class UnknownHousehold(DomainError):
    key = "error.unknown_household"


class AlreadyPaired(DomainError):
    key = "error.already_paired"  # params: code


class NotPaired(DomainError):
    key = "error.not_paired"


class TooManyHouseholds(DomainError):
    key = "error.too_many_households"  # params: max


class VisitTooFar(DomainError):
    key = "error.visit_too_far"  # params: distance, radius


class VisitLiveLocationNeeded(DomainError):
    key = "error.visit_live_location_needed"


class VisitAlreadyLogged(DomainError):
    key = "error.visit_already_logged"  # params: code


class NotAVisit(DomainError):
    key = "error.not_a_visit"


class DuplicateHouseholdRow(DomainError):
    key = "error.duplicate_household_row"  # params: line


@dataclass(frozen=True)
class Household:
    """What anyone paired with a household may see: its code, community and needs (never a
    member's name, never the contact note), with its visit schedule."""

    id: int
    code: str
    team_key: str
    community: str
    needs: tuple[str, ...]
    cadence_days: int
    created_on: date
    last_visited_on: date | None = None
    latitude: float | None = None
    longitude: float | None = None
    radius_m: int | None = None

    @property
    def has_pin(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def due_on(self) -> date:
        """The day a visit falls due: a cadence after the last visit (or after it was
        registered, before the first)."""
        return due_on(self.last_visited_on, self.created_on, self.cadence_days)

    def is_due(self, today: date) -> bool:
        return self.due_on <= today

    def days_overdue(self, today: date) -> int:
        return max((today - self.due_on).days, 0)


@dataclass(frozen=True)
class Pairing:
    volunteer_id: int
    name: str  # the volunteer's name, for the team's leads and admins
    paired_at: datetime


@dataclass(frozen=True)
class HouseholdFile:
    """A household as its team's leads and admins see it: with the private contact note and
    who is paired with it."""

    household: Household
    contact_note: str
    pairings: tuple[Pairing, ...]


@dataclass(frozen=True)
class Visit:
    """A visit a volunteer logged; its minutes and state are those of its service record."""

    id: int
    household_id: int
    volunteer_id: int
    record_id: int
    served_on: date
    visited_at: datetime
    distance_m: float | None  # None: the household has no pin, so the lead confirms it
    done: tuple[str, ...]
    note: str | None  # None once redacted
    photo_file_id: str | None


def due_on(last_visited_on: date | None, created_on: date, cadence_days: int) -> date:
    return (last_visited_on or created_on) + timedelta(days=cadence_days)


def needs_nudge(due: date, nudged_on: date | None, today: date, every_days: int) -> bool:
    """Whether a volunteer of a due household is nudged today: once when it falls due, then
    every `every_days` while it stays due (a nudge before this due date does not count)."""
    if due > today:
        return False
    if nudged_on is None or nudged_on < due:
        return True
    return (today - nudged_on).days >= every_days


def first_working_day(year: int, month: int) -> date:
    """The month's first Monday-to-Friday day."""
    day = date(year, month, 1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def month_start(day: date) -> date:
    return day.replace(day=1)


def previous_month(day: date) -> date:
    """The first day of the month before `day`'s."""
    return (month_start(day) - timedelta(days=1)).replace(day=1)


def months_back(day: date, count: int) -> list[date]:
    """The first days of the `count` months up to `day`'s, oldest first."""
    months = [month_start(day)]
    while len(months) < count:
        months.append(previous_month(months[-1]))
    return months[::-1]


def _clean(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split())


def _has_control(text: str, allowed: Iterable[str] = ()) -> bool:
    keep = set(allowed)
    return any(unicodedata.category(ch).startswith("C") and ch not in keep for ch in text)


def parse_code(text: str) -> str:
    """A household's code, e.g. `SP-017` (`sp-017` is the same code)."""
    code = _clean(text).upper()
    if not _CODE.match(code) or "--" in code:
        raise InvalidHouseholdCode()
    return code


def parse_community(text: str) -> str:
    """The community or village: 2-40 printable characters."""
    if _has_control(text.strip()):
        raise InvalidCommunity(max=COMMUNITY_MAX)
    community = " ".join(unicodedata.normalize("NFC", text).split())
    letters = [ch for ch in community if unicodedata.category(ch)[0] in "LN"]
    if not COMMUNITY_MIN <= len(community) <= COMMUNITY_MAX or len(letters) < COMMUNITY_MIN:
        raise InvalidCommunity(max=COMMUNITY_MAX)
    return community


def parse_cadence(text: str) -> int:
    """Days between visits: 1-365 (`30`, `30天`, `30 days`)."""
    match = _WHOLE_NUMBER.match(_clean(text).lower())
    if match is None or not 1 <= int(match.group(1)) <= CADENCE_MAX:
        raise InvalidCadence(max=CADENCE_MAX)
    return int(match.group(1))


def parse_radius(text: str) -> int:
    """The radius around a household's pin, in metres (`300`, `300米`, `300 m`)."""
    match = _WHOLE_NUMBER.match(_clean(text).lower())
    if match is None or not RADIUS_MIN <= int(match.group(1)) <= RADIUS_MAX:
        raise InvalidRadius(min=RADIUS_MIN, max=RADIUS_MAX)
    return int(match.group(1))


def check_radius(radius: int) -> int:
    if not RADIUS_MIN <= radius <= RADIUS_MAX:
        raise InvalidRadius(min=RADIUS_MIN, max=RADIUS_MAX)
    return radius


def parse_coordinates(latitude: float, longitude: float) -> tuple[float, float]:
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180) or (latitude, longitude) == (
        0,
        0,
    ):
        raise InvalidCoordinates()
    return latitude, longitude


def parse_note(text: str, maximum: int = NOTE_MAX) -> str:
    """A free note (line breaks kept, other control characters refused): up to `maximum`
    characters; may be empty."""
    note = unicodedata.normalize("NFC", text).strip()
    lines = [" ".join(line.split()) for line in note.splitlines()]
    note = "\n".join(line for line in lines if line)
    if len(note) > maximum or _has_control(note, "\n"):
        raise InvalidHouseholdNote(max=maximum)
    return note


def parse_needs(keys: Iterable[str], known: Sequence[str]) -> tuple[str, ...]:
    """Need keys in the configured order, each once; an unknown one is refused."""
    chosen = set()
    for key in keys:
        if key not in known:
            raise UnknownNeed(key=key)
        chosen.add(key)
    return tuple(key for key in known if key in chosen)

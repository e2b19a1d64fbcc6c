"""Micro-wishes (微心愿): what a wish is, its states, what may be typed into one, and the
rules its refusals name. Pure: no I/O here."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from bot.domain.errors import DomainError

TITLE_MIN, TITLE_MAX = 2, 60
STORY_MAX = 500
COMMUNITY_MIN, COMMUNITY_MAX = 2, 30
NOTE_MIN, NOTE_MAX = 2, 500
VALUE_MAX = 100_000  # yuan: a micro-wish is small; anything above is a typing slip
DEADLINE_DAYS = 365  # how far ahead a deadline may be
# What a fulfilled wish's service record holds as its content, on certificates too (the
# national service-record rule names the content of the service).
RECORD_CONTENT = "微心愿"
RECORD_CATEGORY = "wish"


class WishState(StrEnum):
    OPEN = "open"  # on the wall, anyone registered may claim it
    CLAIMED = "claimed"  # a volunteer is on it (or was sent back to it)
    DELIVERED = "delivered"  # reported with a photo, waiting for the lead
    CONFIRMED = "confirmed"  # the lead confirmed it; the minutes are a service record
    EXPIRED = "expired"  # its deadline passed while still open


@dataclass(frozen=True)
class Wish:
    id: int
    team_key: str
    community_id: int
    community: str
    title: str
    story: str
    value_yuan: int | None
    deadline: date
    photo: str | None  # Telegram file_id
    private_note: str  # the beneficiary: never shown to volunteers
    state: WishState
    posted_by: int
    posted_at: datetime
    claimer_id: int | None = None
    claimed_at: datetime | None = None
    delivered_at: datetime | None = None
    delivery_photo: str | None = None
    delivery_note: str | None = None
    minutes: int | None = None
    sent_back_reason: str | None = None
    confirmed_at: datetime | None = None
    record_id: int | None = None


@dataclass(frozen=True)
class WishDraft:
    """A wish as its lead entered it, before it is posted."""

    team_key: str
    title: str
    story: str
    community: str
    value_yuan: int | None
    deadline: date
    photo: str | None
    private_note: str


# ---------------------------------------------------------------- refusals


class UnknownWish(DomainError):
    key = "error.unknown_wish"


class WishTaken(DomainError):
    key = "error.wish_taken"


class WishNotOpen(DomainError):
    key = "error.wish_not_open"


class WishPastDeadline(DomainError):
    key = "error.wish_past_deadline"


class ClaimLimit(DomainError):
    key = "error.claim_limit"  # params: count (the most open claims)


class NotClaimer(DomainError):
    key = "error.not_claimer"


class WishNotDelivered(DomainError):
    key = "error.wish_not_delivered"


class InvalidWishTitle(DomainError):
    key = "error.invalid_wish_title"  # params: min, max


class InvalidWishStory(DomainError):
    key = "error.invalid_wish_story"  # params: max


class InvalidWishCommunity(DomainError):
    key = "error.invalid_wish_community"  # params: min, max


class InvalidWishValue(DomainError):
    key = "error.invalid_wish_value"  # params: max


class InvalidDeadline(DomainError):
    key = "error.invalid_deadline"  # params: days


class InvalidWishNote(DomainError):
    key = "error.invalid_wish_note"  # params: min, max


class PhotoNeeded(DomainError):
    key = "error.photo_needed"


# ---------------------------------------------------------------- typed input


def _clean(text: str) -> str | None:
    """The text in NFC with spaces collapsed; None if it holds control characters."""
    cleaned = " ".join(unicodedata.normalize("NFC", text).split())
    if any(unicodedata.category(char).startswith("C") for char in cleaned):
        return None
    return cleaned


def _has_words(text: str) -> bool:
    return any(unicodedata.category(char)[0] in "LN" for char in text)


def parse_wish_title(text: str) -> str:
    """What is wished: 2 to 60 characters, with at least one letter or digit."""
    cleaned = _clean(text)
    if cleaned is None or not TITLE_MIN <= len(cleaned) <= TITLE_MAX or not _has_words(cleaned):
        raise InvalidWishTitle(min=TITLE_MIN, max=TITLE_MAX)
    return cleaned


def parse_story(text: str) -> str:
    """The short story behind the wish: up to 500 characters, line breaks kept."""
    lines = [_clean(line) for line in unicodedata.normalize("NFC", text).strip().splitlines()]
    if any(line is None for line in lines):
        raise InvalidWishStory(max=STORY_MAX)
    story = "\n".join(line for line in lines if line)
    if not story or len(story) > STORY_MAX or not _has_words(story):
        raise InvalidWishStory(max=STORY_MAX)
    return story


def parse_community(text: str) -> str:
    """The community or village: 2 to 30 characters."""
    cleaned = _clean(text)
    if (
        cleaned is None
        or not COMMUNITY_MIN <= len(cleaned) <= COMMUNITY_MAX
        or not _has_words(cleaned)
    ):
        raise InvalidWishCommunity(min=COMMUNITY_MIN, max=COMMUNITY_MAX)
    return cleaned


_YUAN = re.compile(r"^(?:¥|￥)?(?P<amount>\d{1,6})(?:元|块|rmb|yuan|cny)?$")


def parse_value(text: str) -> int:
    """An estimated value in whole yuan, 1 to 100,000: `80`, `80元`, `¥80`."""
    cleaned = unicodedata.normalize("NFKC", text).strip().lower().replace(" ", "")
    match = _YUAN.match(cleaned.replace(",", "")) if len(cleaned) <= 20 else None
    if match is None or not 1 <= int(match["amount"]) <= VALUE_MAX:
        raise InvalidWishValue(max=VALUE_MAX)
    return int(match["amount"])


_DEADLINE = [
    re.compile(r"^(?P<year>\d{4})[-/.年](?P<month>\d{1,2})[-/.月](?P<day>\d{1,2})[日号]?$"),
    re.compile(r"^(?P<month>\d{1,2})[-/.月](?P<day>\d{1,2})[日号]?$"),
]


def parse_deadline(text: str, today: date) -> date:
    """The last day the wish may be fulfilled: `2026-12-20`, `12-20`, `12月20日`, from today
    up to a year ahead (a date without a year is the next such date from today)."""
    cleaned = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    for pattern in _DEADLINE:
        match = pattern.match(cleaned) if len(cleaned) <= 20 else None
        if match is None:
            continue
        parts = match.groupdict()
        try:
            year = int(parts["year"]) if parts.get("year") else today.year
            day = date(year, int(parts["month"]), int(parts["day"]))
            if not parts.get("year") and day < today:
                day = date(year + 1, day.month, day.day)
        except ValueError:
            break
        if today <= day <= today + timedelta(days=DEADLINE_DAYS):
            return day
        break
    raise InvalidDeadline(days=DEADLINE_DAYS)


def parse_note(text: str) -> str:
    """A private note (who the beneficiary is, how to reach them) or a delivery note: 2 to 500
    characters, line breaks kept."""
    lines = [_clean(line) for line in unicodedata.normalize("NFC", text).strip().splitlines()]
    if any(line is None for line in lines):
        raise InvalidWishNote(min=NOTE_MIN, max=NOTE_MAX)
    note = "\n".join(line for line in lines if line)
    if not NOTE_MIN <= len(note) <= NOTE_MAX or not _has_words(note):
        raise InvalidWishNote(min=NOTE_MIN, max=NOTE_MAX)
    return note


def past_deadline(wish: Wish, today: date) -> bool:
    """The wish's last day is over (in the org's time)."""
    return wish.deadline < today

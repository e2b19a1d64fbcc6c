"""Typed input rules: every value a person types is checked here before anything is stored."""

from __future__ import annotations

import re
import unicodedata

from bot.domain.errors import (
    InvalidBroadcastText,
    InvalidName,
    InvalidPhone,
    InvalidSearch,
    InvalidTeamKey,
    InvalidTeamName,
)

NAME_MIN, NAME_MAX = 2, 30
MIDDLE_DOT = "·"
# Ways people type the dot in names such as 买买提·艾力 (katakana dot, bullet, half-width forms).
_DOT_VARIANTS = dict.fromkeys(map(ord, "・•‧∙⋅･．"), MIDDLE_DOT)
_NAME_PUNCTUATION = {MIDDLE_DOT, " ", "-", "'"}
_MAINLAND_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_PHONE_SEPARATORS = re.compile(r"[\s\-().]")
_TEAM_KEY = re.compile(r"^[a-z][a-z0-9_]{1,31}$")
SEARCH_MAX = 30
TEAM_NAME_MAX = 60


def _has_control(text: str) -> bool:
    return any(unicodedata.category(char).startswith("C") for char in text)


def parse_name(text: str) -> str:
    """A real name: 2-30 letters; middle dot, single spaces, hyphen, apostrophe inside."""
    if _has_control(text.strip()):
        raise InvalidName()
    name = " ".join(unicodedata.normalize("NFC", text).translate(_DOT_VARIANTS).split())
    name = re.sub(r"\s*·\s*", MIDDLE_DOT, name)
    if not NAME_MIN <= len(name) <= NAME_MAX:
        raise InvalidName()
    for char in name:
        if char in _NAME_PUNCTUATION:
            continue
        if not unicodedata.category(char).startswith(("L", "M")):
            raise InvalidName()
    letters = [char for char in name if unicodedata.category(char).startswith("L")]
    if len(letters) < NAME_MIN or name[0] in _NAME_PUNCTUATION or name[-1] in _NAME_PUNCTUATION:
        raise InvalidName()
    if re.search(r"[·\-' ]{2,}", name):
        raise InvalidName()
    return name


def parse_phone(text: str) -> str:
    """A mainland China mobile number, normalised to +86 and 11 digits."""
    compact = _PHONE_SEPARATORS.sub("", unicodedata.normalize("NFKC", text))
    if len(compact) > 20:
        raise InvalidPhone()
    for prefix in ("+86", "0086", "86"):
        if compact.startswith(prefix) and len(compact) == len(prefix) + 11:
            compact = compact[len(prefix) :]
            break
    if not compact.isascii() or not _MAINLAND_MOBILE.match(compact):
        raise InvalidPhone()
    return "+86" + compact


def mask_phone(phone: str) -> str:
    """+8613812345678 -> +86138****5678, for places where the full number is not needed."""
    if len(phone) < 8:
        return "*" * len(phone)
    return phone[:6] + "****" + phone[-4:]


def parse_search(text: str) -> str:
    """A name or phone fragment to look volunteers up by."""
    query = " ".join(unicodedata.normalize("NFKC", text).split())
    if not query or len(query) > SEARCH_MAX or _has_control(query):
        raise InvalidSearch(max=SEARCH_MAX)
    return query


def parse_team_key(text: str) -> str:
    key = text.strip()
    if not _TEAM_KEY.match(key):
        raise InvalidTeamKey()
    return key


def parse_team_name(text: str) -> str:
    name = " ".join(unicodedata.normalize("NFC", text).split())
    if not name or len(name) > TEAM_NAME_MAX or _has_control(name):
        raise InvalidTeamName(max=TEAM_NAME_MAX)
    return name


def parse_broadcast_text(text: str, max_length: int) -> str:
    """A broadcast body: some text, line breaks and tabs allowed, other control characters not."""
    body = unicodedata.normalize("NFC", text).strip()
    allowed = {"\n", "\t"}
    if (
        not body
        or len(body) > max_length
        or any(unicodedata.category(char).startswith("C") and char not in allowed for char in body)
    ):
        raise InvalidBroadcastText(max=max_length)
    return body

"""Wording catalogs (gettext .po files read with Babel) and locale-aware formatting."""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from importlib import resources
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_skeleton, format_timedelta
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from bot.domain.models import LANGUAGES, Language

BABEL_LOCALES: dict[Language, str] = {"zh": "zh_Hans_CN", "en": "en"}


def _read_catalog(language: Language) -> dict[str, str]:
    source = resources.files("bot").joinpath("locales", f"{language}.po")
    with source.open("rb") as handle:
        catalog = read_po(handle, locale=BABEL_LOCALES[language])
    return {str(message.id): str(message.string) for message in catalog if message.id}


@lru_cache(maxsize=4096)
def _format_datetime(moment: datetime, zone: ZoneInfo, language: Language) -> str:
    # Lists show the same few start times over and over; Babel's formatting is the costly part.
    locale = Locale.parse(BABEL_LOCALES[language])
    day = format_skeleton("yMMMEd", moment, tzinfo=zone, locale=locale)
    time = format_skeleton("Hm", moment, tzinfo=zone, locale=locale)
    return f"{day} {time}"


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@dataclass(frozen=True)
class Translator:
    """Everything a reply needs to speak one person's language in the org's time zone."""

    language: Language
    messages: dict[str, str]
    zone: ZoneInfo
    locale: Locale

    def __call__(self, message_id: str, /, **params: object) -> str:
        return self.messages[message_id].format(**params)

    def datetime(self, moment: datetime) -> str:
        """Weekday, date and 24-hour time in the org's zone: 2026年11月27日周五 15:12."""
        return _format_datetime(moment, self.zone, self.language)

    def day(self, value: date) -> str:
        """A calendar date: 2026年11月28日, Nov 28, 2026."""
        return format_date(value, "medium", locale=self.locale)

    def duration(self, seconds: float) -> str:
        """A rough span of time in words: "3 minutes", "3分钟"."""
        return format_timedelta(
            timedelta(seconds=max(seconds, 1)), threshold=1.5, locale=self.locale
        )

    def number(self, value: float) -> str:
        return format_decimal(value, locale=self.locale)

    def join(self, items: list[str]) -> str:
        return self("list.separator").join(items)


class Catalogs:
    """Both languages' catalogs, loaded once at start."""

    def __init__(self, zone: ZoneInfo) -> None:
        self.messages: dict[Language, dict[str, str]] = {
            language: _read_catalog(language) for language in LANGUAGES
        }
        self._translators = {
            language: Translator(
                language, self.messages[language], zone, Locale.parse(BABEL_LOCALES[language])
            )
            for language in LANGUAGES
        }

    def translator(self, language: Language) -> Translator:
        return self._translators[language]

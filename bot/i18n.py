"""Wording catalogs (gettext .po files read with Babel) and locale-aware formatting."""

from __future__ import annotations

import gettext
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from importlib import resources
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_skeleton, format_timedelta
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from bot.domain.amounts import Hours, hours_of
from bot.domain.models import LANGUAGES, Language

BABEL_LOCALES: dict[Language, str] = {"zh": "zh_Hans_CN", "en": "en"}


@dataclass(frozen=True)
class _Catalog:
    messages: dict[str, str]  # each key's text; for a plural key, its last form
    plurals: dict[str, tuple[str, ...]]  # keys with forms by count (msgid_plural)
    plural_index: Callable[[int], int]  # the catalog's Plural-Forms rule


def _read_catalog(language: Language) -> _Catalog:
    source = resources.files("bot").joinpath("locales", f"{language}.po")
    with source.open("rb") as handle:
        catalog = read_po(handle, locale=BABEL_LOCALES[language])
    messages: dict[str, str] = {}
    plurals: dict[str, tuple[str, ...]] = {}
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple | list):
            forms = tuple(str(form) for form in message.string or ())
            plurals[str(message.id[0])] = forms
            messages[str(message.id[0])] = forms[-1]
        else:
            messages[str(message.id)] = str(message.string)
    return _Catalog(messages, plurals, gettext.c2py(catalog.plural_expr))


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
    plurals: dict[str, tuple[str, ...]] = field(default_factory=dict)
    plural_index: Callable[[int], int] = lambda n: 0 if n == 1 else 1

    def __call__(self, message_id: str, /, **params: object) -> str:
        """The key's text with its params; a key with plural forms picks the form for the
        `count` param (ngettext)."""
        forms = self.plurals.get(message_id)
        if forms is None:
            return self.messages[message_id].format(**params)
        count = params.get("count")
        if not isinstance(count, int):
            raise TypeError(f"{message_id} has plural forms: it needs an int count")
        index = min(self.plural_index(abs(count)), len(forms) - 1)
        return forms[index].format(**params)

    def hours(self, minutes: int) -> str:
        """Minutes as hours, by the one rule (bot.domain.hours.hours_of) in the reader's
        locale: 45 -> "0.75", 90 -> "1.5", 6000 -> "100", 75000 -> "1,250"."""
        return format_decimal(hours_of(minutes), format="#,##0.##", locale=self.locale)

    def value(self, value: object) -> object:
        """A notice's param as this reader sees it: moments and dates in their language and the
        org's zone, amounts of service as hours; anything else as given."""
        if isinstance(value, datetime):
            return self.datetime(value)
        if isinstance(value, date):
            return self.day(value)
        if isinstance(value, Hours):
            return self.hours(value.minutes)
        return value

    def datetime(self, moment: datetime) -> str:
        """Weekday, date and 24-hour time in the org's zone: 2026年11月27日周五 15:12."""
        return _format_datetime(moment, self.zone, self.language)

    def day(self, value: date) -> str:
        """A calendar date: 2026年11月28日, Nov 28, 2026."""
        return format_date(value, "medium", locale=self.locale)

    def month(self, value: date) -> str:
        """A calendar month: 2026年11月, Nov 2026."""
        return format_skeleton("yMMM", value, locale=self.locale)

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
        read = {language: _read_catalog(language) for language in LANGUAGES}
        self.messages: dict[Language, dict[str, str]] = {
            language: catalog.messages for language, catalog in read.items()
        }
        self.plurals: dict[Language, dict[str, tuple[str, ...]]] = {
            language: catalog.plurals for language, catalog in read.items()
        }
        self._translators = {
            language: Translator(
                language,
                catalog.messages,
                zone,
                Locale.parse(BABEL_LOCALES[language]),
                catalog.plurals,
                catalog.plural_index,
            )
            for language, catalog in read.items()
        }

    def translator(self, language: Language) -> Translator:
        return self._translators[language]

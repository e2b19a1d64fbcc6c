"""The wording tests expect, built from the catalogs, so that a changed wording breaks no test
while a wrong key or param still does: `zh(key, **params)` is the key's Chinese text as the bot
renders it (`zh.datetime(moment)`, `zh.hours(minutes)` format values as the bot does), `en` the
English; `says(text, key)` tells whether a text is the key's text in either language (params
not given match any value), `mentions(text, key)` whether it holds it among other lines,
`read(text, key)` the params it shows. A literal left in an assert is data (a name, a title, a
number typed), not wording."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from bot.config import OrgConfig
from bot.i18n import Catalogs, placeholders

CATALOGS = Catalogs(ZoneInfo(OrgConfig().timezone))
zh = CATALOGS.translator("zh")
en = CATALOGS.translator("en")


def _pattern(template: str, params: dict[str, object], named: bool = False) -> str:
    """A regular expression for the template: the params given as they are, any other one as
    any text (a named group when `named`, for `read`)."""
    pattern = ""
    seen: set[str] = set()
    for piece in re.split(r"(\{\w+\})", template):
        name = piece[1:-1] if piece.startswith("{") and piece.endswith("}") else None
        if name is None:
            pattern += re.escape(piece)
        elif name in params:
            pattern += re.escape(str(params[name]))
        elif named and name in seen:
            pattern += f"(?P={name})"
        elif named:
            pattern += f"(?P<{name}>.*?)"
            seen.add(name)
        else:
            pattern += ".*?"
    return pattern


def _said(text: str | None, key: str, params: dict[str, object], whole: bool) -> bool:
    said = False
    for language in ("zh", "en"):
        forms = CATALOGS.plurals[language].get(key) or (CATALOGS.messages[language][key],)
        for form in forms:
            if unknown := set(params) - placeholders(form):
                raise KeyError(f"{key} has no param {sorted(unknown)}")
            match = re.fullmatch if whole else re.search
            found = text is not None and match(_pattern(form, params), text, re.S) is not None
            said = said or found
    return said


def says(text: str | None, key: str, /, **params: object) -> bool:
    """Whether `text` is the key's text in either language, with the params given and any
    value for the others (an estimate, a count a test does not pin down)."""
    return _said(text, key, params, whole=True)


def mentions(text: str | None, key: str, /, **params: object) -> bool:
    """Whether `text` holds the key's text (in either language, params as for `says`), among
    other lines."""
    return _said(text, key, params, whole=False)


def read(text: str | None, key: str, /) -> dict[str, str]:
    """The params of `text`, the key's text in either language, as shown (a code, a number a
    test reads back); an AssertionError if it is not the key's text."""
    for language in ("zh", "en"):
        forms = CATALOGS.plurals[language].get(key) or (CATALOGS.messages[language][key],)
        for form in forms:
            found = re.fullmatch(_pattern(form, {}, named=True), text or "", re.S)
            if found is not None:
                return found.groupdict()
    raise AssertionError(f"not the text of {key}: {text!r}")

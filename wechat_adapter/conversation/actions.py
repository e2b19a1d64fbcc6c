"""What a person on WeChat can ask for, as one short string: a menu button's key (click
event), a msgmenu option's id, a numbered choice remembered for them. `verb` or `verb:arg`."""

from __future__ import annotations

import re
from dataclasses import dataclass

_VERB = re.compile(r"[a-z][a-z_]{0,23}")
_ARG = re.compile(r"[A-Za-z0-9_.-]{1,40}")


@dataclass(frozen=True)
class Action:
    verb: str
    arg: str = ""

    def __post_init__(self) -> None:
        if not _VERB.fullmatch(self.verb) or (self.arg and not _ARG.fullmatch(self.arg)):
            raise ValueError(f"not an action: {self.verb!r} {self.arg!r}")

    def encode(self) -> str:
        return f"{self.verb}:{self.arg}" if self.arg else self.verb

    @classmethod
    def parse(cls, text: str) -> Action | None:
        """The action a key or id names; None for anything else (stale, garbled or forged:
        a client can send any menu key or option id)."""
        verb, _, arg = text.strip().partition(":")
        if not _VERB.fullmatch(verb) or (arg and not _ARG.fullmatch(arg)):
            return None
        return cls(verb, arg)

    @property
    def number(self) -> int | None:
        """The argument as an id or page: ASCII digits, bounded; None otherwise."""
        return int(self.arg) if re.fullmatch(r"[0-9]{1,9}", self.arg) else None


# The custom menu's click keys (config.example.toml's default menu) and what they open.
ACTIVITIES = "activities"
MY = "my"
CHECKIN = "checkin"
CHECKOUT = "checkout"
REGISTER = "register"
LINK = "link"
HELP = "help"
HOURS = "hours"
CERTIFICATE = "certificate"
WISHES = "wishes"
LEADERBOARD = "leaderboard"
SETTINGS = "settings"
FORGET = "forget"
MENU_KEYS = (
    ACTIVITIES,
    MY,
    CHECKIN,
    CHECKOUT,
    HOURS,
    CERTIFICATE,
    LEADERBOARD,
    WISHES,
    REGISTER,
    LINK,
    SETTINGS,
    FORGET,
    HELP,
)

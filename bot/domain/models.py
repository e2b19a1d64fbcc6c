"""Plain data the rules and services pass around. No I/O here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum
from typing import Literal

Language = Literal["zh", "en"]
LANGUAGES: tuple[Language, ...] = ("zh", "en")


class Role(IntEnum):
    """What a person may do; each role may do everything the roles below it may."""

    GUEST = 0
    VOLUNTEER = 1
    LEAD = 2
    ADMIN = 3


@dataclass(frozen=True)
class Team:
    id: int
    key: str
    name_zh: str
    name_en: str

    def name(self, language: Language) -> str:
        return self.name_zh if language == "zh" else self.name_en


@dataclass(frozen=True)
class Volunteer:
    id: int
    telegram_id: int | None
    name: str
    phone: str  # "" when the number was taken over by its verified owner (none until confirmed)
    registered_at: datetime
    team_keys: tuple[str, ...] = ()
    phone_verified: bool = False  # shared as the person's own Telegram contact, not typed


@dataclass(frozen=True)
class Account:
    """A chat identity, registered or not, with its language choice."""

    telegram_id: int
    language: Language | None
    telegram_language: str | None
    unreachable: bool = False


@dataclass(frozen=True)
class Actor:
    """The person asking a service to do something, with what they are allowed to do."""

    telegram_id: int
    is_admin: bool
    volunteer: Volunteer | None
    lead_team_keys: frozenset[str] = frozenset()

    @property
    def role(self) -> Role:
        if self.is_admin:
            return Role.ADMIN
        if self.lead_team_keys:
            return Role.LEAD
        if self.volunteer is not None:
            return Role.VOLUNTEER
        return Role.GUEST


@dataclass(frozen=True)
class TeamOverview:
    team: Team
    member_count: int
    lead_names: tuple[str, ...]


@dataclass(frozen=True)
class LeadAssignment:
    volunteer_id: int
    volunteer_name: str
    team: Team


@dataclass(frozen=True)
class Recipient:
    """Someone a message is for, with what is needed to write it in their language."""

    telegram_id: int
    language: Language | None
    telegram_language: str | None
    unreachable: bool


@dataclass(frozen=True)
class Activity:
    id: int
    team_key: str
    title: str
    category: str
    starts_at: datetime
    ends_at: datetime
    place: str
    capacity: int
    state: str
    latitude: float | None = None
    longitude: float | None = None
    description: str | None = None

    def overlaps(self, starts_at: datetime, ends_at: datetime) -> bool:
        return self.starts_at < ends_at and starts_at < self.ends_at


@dataclass(frozen=True)
class Audience:
    """Who a broadcast goes to: one team (its members and its linked group), the confirmed
    volunteers of one activity, or everyone."""

    key: str  # "team:<key>", "activity:<id>" or "all"
    team: Team | None
    activity: Activity | None = None


@dataclass(frozen=True)
class Broadcast:
    id: int
    author_telegram_id: int
    audience_key: str
    body: str
    state: str
    progress_chat_id: int | None
    progress_message_id: int | None
    created_at: datetime
    reported: bool = False  # the final report was given (edited in, or queued as a message)

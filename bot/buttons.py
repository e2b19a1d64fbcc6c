"""Button data: every kind of button the bot draws, one declaration each, with its typed fields.

This module is the one home of callback data. It lives in bot/, not in the Telegram adapter,
because the services put buttons on the notices they queue (they must not import the adapter),
and a WeChat front end will reuse the same payloads for its menu choices. It imports neither
telegram nor anything else of one channel.

A kind is a frozen dataclass declared with its prefix:

    class RecordOpen(ButtonData, prefix="h:r:"):
        record: int

`RecordOpen(record=7).build()` gives `"h:r:7"`; `RecordOpen.parse(data)` gives the fields back,
or None for data that is stale, garbled or forged (handlers answer it with "expired").
The payload is the prefix, then the fields in order, separated by colons: numbers (ids, pages)
as ASCII digits, keys as they are, days as yyyymmdd, flags and choices as short codes. These are
the formats of buttons already sent, so those keep working. A trailing field with a default may
be left out (it is, when it holds the default). Routes match a prefix at the start of the data:
no prefix is the beginning of another, which declaring one checks.

This module runs past the usual ~400 lines on purpose: the list of kinds is the point of it.

Over 400 lines by design: it is the one home of every button kind (issue 12), so the
prefixes can be checked for clashes and the 64-byte limit in one place.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from datetime import date
from enum import Enum
from typing import (
    Annotated,
    Any,
    ClassVar,
    Generic,
    Literal,
    Self,
    TypeVar,
    dataclass_transform,
    get_args,
    get_origin,
    get_type_hints,
)

from bot.domain.models import Language
from bot.domain.ranking import FIRST_YEAR, LAST_YEAR, Period

MAX_BYTES = 64  # Telegram refuses longer callback data
SEPARATOR = ":"
V = TypeVar("V")


@dataclasses.dataclass(frozen=True)
class Codec(Generic[V]):
    """How one field's value is written in button data and read back (None: not a value)."""

    encode: Callable[[V], str]
    decode: Callable[[str], V | None]
    longest: V  # the value with the longest text, for the size check


def _number(text: str) -> int | None:
    return int(text) if re.fullmatch(r"[0-9]{1,9}", text) else None


NUMBER: Codec[int] = Codec(str, _number, 999_999_999)


def text(pattern: str, longest: str) -> Codec[str]:
    """Text that matches `pattern` in full."""
    compiled = re.compile(pattern)
    return Codec(str, lambda raw: raw if compiled.fullmatch(raw) else None, longest)


def _day(raw: str) -> date | None:
    if not re.fullmatch(r"[0-9]{8}", raw) or not FIRST_YEAR <= int(raw[:4]) <= LAST_YEAR:
        return None
    try:
        return date(int(raw[:4]), int(raw[4:6]), int(raw[6:8]))
    except ValueError:
        return None


DAY: Codec[date] = Codec(lambda day: f"{day:%Y%m%d}", _day, date(LAST_YEAR, 12, 31))


def flag(no: str, yes: str) -> Codec[bool]:
    codes = {no: False, yes: True}
    return Codec(lambda value: yes if value else no, codes.get, True)


def _choice(values: tuple[str, ...]) -> Codec[str]:
    return Codec(str, lambda raw: raw if raw in values else None, max(values, key=len))


def _member(enum: type[Enum]) -> Codec[Enum]:
    by_value = {str(member.value): member for member in enum}
    longest = max(enum, key=lambda member: len(str(member.value)))
    return Codec(lambda member: str(member.value), by_value.get, longest)


# Team and category keys, as configuration and /teams accept them.
KEY_PATTERN = r"[a-z][a-z0-9_]{1,31}"
Key = Annotated[str, text(KEY_PATTERN, "k" * 32)]
Flag = Annotated[bool, flag("0", "1")]
YesNo = Annotated[bool, flag("n", "y")]
AudienceKey = Annotated[
    str, text(rf"all|team:{KEY_PATTERN}|activity:[0-9]{{1,9}}", "team:" + "k" * 32)
]
ProfileField = Literal["name", "phone", "teams"]
ActivityField = Literal["time", "place", "capacity"]
ExportFormat = Literal["csv", "xlsx"]
HouseholdField = Literal["community", "needs", "cadence", "note"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = ("csv", "xlsx")


def _codec(annotation: Any) -> Codec[Any]:
    """The codec for a field's type (`X | None`: X's; None is only ever a left-out default)."""
    if get_origin(annotation) is Annotated:
        codec: Codec[Any] = get_args(annotation)[1]
        return codec
    args = get_args(annotation)
    if type(None) in args:
        (inner,) = [arg for arg in args if arg is not type(None)]
        return _codec(inner)
    if get_origin(annotation) is Literal:
        return _choice(args)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return _member(annotation)
    known: dict[Any, Codec[Any]] = {int: NUMBER, date: DAY}
    if annotation in known:
        return known[annotation]
    raise TypeError(f"no button codec for {annotation!r}")


@dataclasses.dataclass(frozen=True)
class WireField:
    name: str
    codec: Codec[Any]
    default: Any  # dataclasses.MISSING if it has none


KINDS: dict[str, type[ButtonData]] = {}


def clashes(prefixes: list[str]) -> list[tuple[str, str]]:
    """Pairs of prefixes that one route could confuse: equal, or one the start of the other."""
    return [
        (first, second)
        for n, first in enumerate(prefixes)
        for second in prefixes[n + 1 :]
        if first.startswith(second) or second.startswith(first)
    ]


@dataclass_transform(frozen_default=True)
class ButtonData:
    """One kind of button: subclasses declare `prefix=` and their fields (see the module)."""

    prefix: ClassVar[str]
    wire_fields: ClassVar[tuple[WireField, ...]]

    def __init_subclass__(cls, *, prefix: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        found = clashes([prefix, *KINDS])  # those declared before are clear of each other
        if not prefix or found:
            raise ValueError(f"button prefix {prefix!r} clashes with {found}")
        cls.prefix = prefix
        dataclasses.dataclass(frozen=True)(cls)
        hints = get_type_hints(cls, include_extras=True)
        cls.wire_fields = tuple(
            WireField(field.name, _codec(hints[field.name]), field.default)
            for field in dataclasses.fields(cls)  # type: ignore[arg-type]
        )
        KINDS[prefix] = cls

    def build(self) -> str:
        """The payload; a value the kind cannot carry is a bug, and raises ValueError."""
        values = [getattr(self, field.name) for field in self.wire_fields]
        while values and values[-1] == self.wire_fields[len(values) - 1].default:
            values.pop()  # a trailing default is left out, as in buttons sent before
        parts = []
        for field, value in zip(self.wire_fields, values, strict=False):
            encoded = field.codec.encode(value)
            if field.codec.decode(encoded) != value:
                raise ValueError(f"{type(self).__name__}.{field.name} cannot carry {value!r}")
            parts.append(encoded)
        data = self.prefix + SEPARATOR.join(parts)
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"{data!r} is longer than {MAX_BYTES} bytes")
        return data

    @classmethod
    def parse(cls, data: str | None) -> Self | None:
        """The fields of `data` if it is a button of this kind; None if not (stale, garbled or
        forged)."""
        if data is None or not data.startswith(cls.prefix):
            return None
        rest = data[len(cls.prefix) :]
        if not cls.wire_fields:
            return cls() if not rest else None
        parts = rest.split(SEPARATOR, len(cls.wire_fields) - 1)  # the last field takes the rest
        values: dict[str, Any] = {}
        for n, field in enumerate(cls.wire_fields):
            if n >= len(parts):
                if field.default is dataclasses.MISSING:
                    return None
                continue
            value = field.codec.decode(parts[n])
            if value is None:
                return None
            values[field.name] = value
        pressed = cls(**values)
        return pressed if pressed.valid() else None

    def valid(self) -> bool:
        """Rules across fields (overridden where there are any)."""
        return True


class _Span:
    """Mixed into kinds that carry a range of days [start, end): the end after the start."""

    start: date
    end: date

    def valid(self) -> bool:
        return self.start < self.end


# ---------------------------------------------------------------- registration and account


class RegisterStart(ButtonData, prefix="r:go"):
    pass


class RegisterTeamToggle(ButtonData, prefix="r:t:"):
    team: Key


class RegisterTeamPage(ButtonData, prefix="r:p:"):
    page: int


class RegisterTeamsDone(ButtonData, prefix="r:td"):
    pass


class RegisterConsent(ButtonData, prefix="r:c:"):
    agreed: YesNo


class ProfileEdit(ButtonData, prefix="p:e:"):
    field: ProfileField


class LanguageChoice(ButtonData, prefix="l:"):
    language: Language


class ForgetConfirm(ButtonData, prefix="f:"):
    confirmed: YesNo


class SettingsMute(ButtonData, prefix="x:m:"):
    muted: Flag


class SettingsAnonymous(ButtonData, prefix="x:a:"):
    anonymous: Flag


# ---------------------------------------------------------------- admins: roles and teams


class PromoteVolunteer(ButtonData, prefix="a:pv:"):
    volunteer: int


class PromoteTeam(ButtonData, prefix="a:pt:"):
    volunteer: int
    team: Key


class PromotePage(ButtonData, prefix="a:pp:"):
    volunteer: int
    page: int


class DemoteLead(ButtonData, prefix="a:d:"):
    volunteer: int
    team: Key


class DemotePage(ButtonData, prefix="a:dp:"):
    page: int


class TeamsPage(ButtonData, prefix="a:tp:"):
    page: int


class AddTeam(ButtonData, prefix="a:nt"):
    pass


# ---------------------------------------------------------------- broadcasts and groups


class BroadcastAudience(ButtonData, prefix="b:a:"):
    audience: AudienceKey


class BroadcastAudiencePage(ButtonData, prefix="b:p:"):
    page: int


class BroadcastSend(ButtonData, prefix="b:go"):
    pass


class BroadcastDiscard(ButtonData, prefix="b:no"):
    pass


class BroadcastStop(ButtonData, prefix="b:s:"):
    broadcast: int


class GroupLink(ButtonData, prefix="g:l:"):
    """Link the group to `team`; with `replacing`, take it over from that team (confirmed)."""

    team: Key
    replacing: int | None = None


class GroupLinkPage(ButtonData, prefix="g:p:"):
    page: int


class GroupKeep(ButtonData, prefix="g:k"):
    pass


# Buttons pressed in group chats; every other one is only honoured in a private chat.
GROUP_KINDS: tuple[type[ButtonData], ...] = (GroupLink, GroupLinkPage, GroupKeep)


# ---------------------------------------------------------------- activities


class ActivityOpen(ButtonData, prefix="s:o:"):
    activity: int


class SignUp(ButtonData, prefix="s:u:"):
    activity: int


class SignUpCancel(ButtonData, prefix="s:c:"):
    activity: int


class ActivitiesPage(ButtonData, prefix="s:p:"):
    """A page of the list, with its filters: team id and category number (0: all)."""

    page: int
    team_id: int
    category: int


class TeamFilter(ButtonData, prefix="s:ft:"):
    category: int
    page: int


class CategoryFilter(ButtonData, prefix="s:fc:"):
    team_id: int


class MyCalendar(ButtonData, prefix="m:ics"):
    pass


class NewActivityTeam(ButtonData, prefix="n:t:"):
    team: Key


class NewActivityTeamPage(ButtonData, prefix="n:p:"):
    page: int


class NewActivityCategory(ButtonData, prefix="n:c:"):
    category: Key


class NewActivityQuickStart(ButtonData, prefix="n:q:"):
    pick: int


class NewActivitySkip(ButtonData, prefix="n:skip"):
    pass


class NewActivityPublish(ButtonData, prefix="n:go"):
    pass


class NewActivityDiscard(ButtonData, prefix="n:no"):
    pass


class ManageOpen(ButtonData, prefix="mg:o:"):
    activity: int


class ManagePage(ButtonData, prefix="mg:p:"):
    page: int


class ManageRoster(ButtonData, prefix="mg:r:"):
    """The roster: without a page as a new message; with one, turned in place."""

    activity: int
    page: int | None = None


class ManageCancel(ButtonData, prefix="mg:x:"):
    activity: int


class ManageEdit(ButtonData, prefix="mg:e:"):
    field: ActivityField
    activity: int


# ---------------------------------------------------------------- check-in and attendance


class CheckInLocation(ButtonData, prefix="ci:l:"):
    activity: int


class CheckInPick(ButtonData, prefix="ci:p:"):
    """The activity a location shared outside the check-in dialogue is for."""

    activity: int


class CheckInCode(ButtonData, prefix="ci:c"):
    pass


class CheckOut(ButtonData, prefix="co:"):
    activity: int


class CodeNew(ButtonData, prefix="mg:k:"):
    activity: int


class Presence(ButtonData, prefix="mg:h:"):
    activity: int


class PresencePage(ButtonData, prefix="mg:hp:"):
    activity: int
    page: int


class PresenceToggle(ButtonData, prefix="mg:t:"):
    """Mark a volunteer present by hand (or not): the state asked for, so a repeat is harmless."""

    activity: int
    volunteer: int
    page: int
    present: Flag


class Sheet(ButtonData, prefix="mg:a:"):
    activity: int


class SheetPage(ButtonData, prefix="mg:ap:"):
    activity: int
    page: int


class SheetPerson(ButtonData, prefix="mg:s:"):
    record: int


class SheetMark(ButtonData, prefix="mg:m:"):
    mark: Literal["p", "a"]  # present, absent
    record: int


class SheetApprove(ButtonData, prefix="mg:y:"):
    activity: int


# ---------------------------------------------------------------- records and hours


class MyRecordsOpen(ButtonData, prefix="h:o"):
    pass


class MyRecordsPage(ButtonData, prefix="h:l:"):
    page: int


class RecordOpen(ButtonData, prefix="h:r:"):
    record: int


class RecordDispute(ButtonData, prefix="h:d:"):
    record: int


class RecordAdjust(ButtonData, prefix="h:a:"):
    record: int


class RecordReject(ButtonData, prefix="h:x:"):
    record: int


class RecordApproveReview(ButtonData, prefix="h:v:"):
    record: int


class CertificateRequest(ButtonData, prefix="h:c"):
    pass


class TheirRecordsOpen(ButtonData, prefix="h:w:"):
    volunteer: int


class TheirRecordsPage(ButtonData, prefix="h:u:"):
    volunteer: int
    page: int


class AddHoursVolunteer(ButtonData, prefix="ah:v:"):
    volunteer: int


class AddHoursTeam(ButtonData, prefix="ah:t:"):
    team: Key


class AddHoursTeamPage(ButtonData, prefix="ah:tp:"):
    page: int


class AddHoursSave(ButtonData, prefix="ah:ok"):
    pass


class AddHoursDiscard(ButtonData, prefix="ah:no"):
    pass


# ---------------------------------------------------------------- micro-wishes


class WishesPage(ButtonData, prefix="w:p:"):
    """A page of the wall, with its filters: team id and community id (0: all)."""

    page: int
    team_id: int = 0
    community: int = 0


class WishTeamFilter(ButtonData, prefix="w:ft:"):
    """The teams to filter the wall by (paged), keeping the community filter."""

    community: int
    page: int = 0


class WishCommunityFilter(ButtonData, prefix="w:fc:"):
    """The communities to filter the wall by (paged), keeping the team filter."""

    team_id: int
    page: int = 0


class WishesMine(ButtonData, prefix="w:m"):
    """The presser's claims, and for leads the deliveries waiting for their word."""


class WishOpen(ButtonData, prefix="w:o:"):
    wish: int


class WishClaim(ButtonData, prefix="w:c:"):
    wish: int


class WishRelease(ButtonData, prefix="w:r:"):
    wish: int


class WishDeliver(ButtonData, prefix="w:d:"):
    wish: int


class WishConfirm(ButtonData, prefix="w:y:"):
    wish: int


class WishSendBack(ButtonData, prefix="w:b:"):
    wish: int


class WishNew(ButtonData, prefix="w:new"):
    """A lead or admin starts posting a wish."""


class WishPostTeam(ButtonData, prefix="wp:t:"):
    team: Key


class WishPostTeamPage(ButtonData, prefix="wp:p:"):
    page: int


class WishPostSkip(ButtonData, prefix="wp:s"):
    """An optional step of posting left out (the story, the value, the photo)."""


class WishPostSave(ButtonData, prefix="wp:ok:"):
    save: YesNo


class WishMinutes(ButtonData, prefix="wd:m:"):
    """The minutes offered at delivery (the configured default), taken with one press."""

    minutes: int


# ---------------------------------------------------------------- boards, reports, exports


class TeamBoard(ButtonData, prefix="lb:"):
    team_id: int
    period: Period


class HonorBoard(ButtonData, prefix="lh:"):
    period: Period


class ReportTeams(_Span, ButtonData, prefix="rp:t:"):
    start: date
    end: date
    page: int = 0


class ReportPeople(_Span, ButtonData, prefix="rp:v:"):
    """The volunteers of one team (`team_id`), or of all the lead's teams (0)."""

    start: date
    end: date
    page: int
    team_id: int


class ReportPerson(_Span, ButtonData, prefix="rp:p:"):
    volunteer: int
    start: date
    end: date


class ExportFile(_Span, ButtonData, prefix="ex:"):
    """A file of the approved records: all the presser may see (`team_id` 0), or one team's."""

    format: ExportFormat
    start: date
    end: date
    team_id: int


# ---------------------------------------------------------------- household pairing


class HouseholdsMine(ButtonData, prefix="hh:m"):
    """A volunteer's own households."""


class HouseholdsPage(ButtonData, prefix="hh:l:"):
    """A page of the households a lead or admin manages, the most overdue first."""

    page: int


class HouseholdOpen(ButtonData, prefix="hh:o:"):
    household: int


class HouseholdNew(ButtonData, prefix="hh:new"):
    pass


class HouseholdTeam(ButtonData, prefix="hh:tm:"):
    team: Key


class HouseholdTeamPage(ButtonData, prefix="hh:tp:"):
    page: int


class HouseholdNeed(ButtonData, prefix="hh:nd:"):
    """A need ticked or unticked while registering a household."""

    need: Key


class HouseholdNext(ButtonData, prefix="hh:nx"):
    """On from a step of registering a household: the needs chosen, or an optional step
    skipped."""


class HouseholdSave(ButtonData, prefix="hh:ok:"):
    save: YesNo


class HouseholdPair(ButtonData, prefix="hh:pr:"):
    household: int


class HouseholdPairVolunteer(ButtonData, prefix="hh:pv:"):
    household: int
    volunteer: int


class HouseholdUnpair(ButtonData, prefix="hh:up:"):
    household: int
    volunteer: int


class HouseholdPin(ButtonData, prefix="hh:pin:"):
    household: int


class HouseholdEdit(ButtonData, prefix="hh:ed:"):
    """Correct one detail of a household."""

    household: int
    field: HouseholdField


class HouseholdEditNeed(ButtonData, prefix="hh:en:"):
    """A need ticked or unticked while correcting a household's needs."""

    need: Key


class HouseholdEditDone(ButtonData, prefix="hh:eo"):
    """The corrected needs saved, or the contact note removed."""


class VisitStart(ButtonData, prefix="hh:v:"):
    household: int


class VisitDone(ButtonData, prefix="hh:vd:"):
    """What was done on the visit: a need ticked or unticked."""

    need: Key


class VisitNext(ButtonData, prefix="hh:vn"):
    """On from a step of logging a visit: no note, or no photo (saves it)."""


class VisitsPending(ButtonData, prefix="hh:vq"):
    """The visits waiting for the lead's approval."""


class VisitOpen(ButtonData, prefix="hh:va:"):
    record: int


class VisitApprove(ButtonData, prefix="hh:vy:"):
    record: int


class VisitReject(ButtonData, prefix="hh:vx:"):
    record: int


class VisitsApproveLocated(ButtonData, prefix="hh:vall"):
    """Approve every waiting visit made from a live location at the household."""


class CoverageTeam(ButtonData, prefix="cv:t:"):
    """/coverage of one team, by community (0: every team the reader may see)."""

    team_id: int

"""What each multi-step dialogue has collected so far: one model per flow.

A dialogue's data is kept between messages (it survives a restart) as JSON and read back
through its flow's model. A row this code cannot follow (written by an older version, or
damaged: an unknown flow or step, a missing or mistyped value) is refused as a whole when it is
read, so the dialogue ends with a clear message instead of failing in the middle of a step.

Over 400 lines by design: it is the one home of every flow's model (FLOWS), so that a kept row
is read back through one table and a test loads a row of every flow written before."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import ClassVar, Generic, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from bot.domain.errors import DialogueLost
from bot.domain.models import Activity

T = TypeVar("T")


class DialogueData(BaseModel):
    """Base of every flow's model. `flow` is the name kept with the row; `needs` names each
    step of the flow with the fields earlier steps must have filled in before it."""

    model_config = ConfigDict(
        extra="forbid",
        validate_assignment=True,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,  # the JSON keys rows were first written with
    )
    flow: ClassVar[str]
    needs: ClassVar[Mapping[str, tuple[str, ...]]]


D = TypeVar("D", bound=DialogueData)


@dataclass
class Dialogue(Generic[D]):
    """Where a person is in a multi-step conversation, with what they entered so far."""

    step: str
    data: D

    @property
    def flow(self) -> str:
        return self.data.flow


def entered(value: T | None) -> T:
    """A value an earlier step filled in. The step's `needs` guarantee it when the dialogue
    is read; should one be missing all the same, the dialogue is lost, not a crash."""
    if value is None:
        raise DialogueLost()
    return value


class ChoosingTeams(DialogueData):
    """The team step shared by registration and profile editing."""

    teams: list[str] = []
    page: int = 0


class RegisterData(ChoosingTeams):
    flow: ClassVar[str] = "register"
    needs: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "name": (),
        "phone": ("name",),
        "teams": ("name", "phone"),
        "consent": ("name", "phone"),
    }
    resume_activity: int | None = None  # the activity card to show once registered
    resume_wish: int | None = None  # the wish card to show once registered
    name: str | None = None
    phone: str | None = None
    phone_shared: bool = False


class EditProfileData(ChoosingTeams):
    flow: ClassVar[str] = "edit"
    needs: ClassVar[Mapping[str, tuple[str, ...]]] = {"name": (), "phone": (), "teams": ()}


class ForgetData(DialogueData):
    flow: ClassVar[str] = "forget"
    needs: ClassVar[Mapping[str, tuple[str, ...]]] = {"confirm": ()}


class PromoteData(DialogueData):
    """The search for a volunteer to make a team lead."""

    flow: ClassVar[str] = "promote"
    needs: ClassVar[Mapping[str, tuple[str, ...]]] = {"query": ()}


class RecordsSearchData(DialogueData):
    """The search for a volunteer whose records an admin opens."""

    flow: ClassVar[str] = "records"
    needs: ClassVar[Mapping[str, tuple[str, ...]]] = {"query": ()}


class AddTeamData(DialogueData):
    flow: ClassVar[str] = "add_team"
    needs: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "key": (),
        "name_zh": ("key",),
        "name_en": ("key", "name_zh"),
    }
    key: str | None = None
    name_zh: str | None = None


_NEW_ACTIVITY_STEPS = ("team", "title", "category", "start", "end", "place", "capacity")
_NEW_ACTIVITY_FIELDS = ("team_key", "title", "category", "starts_at", "ends_at", "place")


class NewActivityData(DialogueData):
    flow: ClassVar[str] = "new_activity"
    # Each step needs what the steps before it filled in (the team comes with the title step).
    needs: ClassVar[Mapping[str, tuple[str, ...]]] = {
        step: _NEW_ACTIVITY_FIELDS[:n] for n, step in enumerate(_NEW_ACTIVITY_STEPS)
    } | {
        "description": (*_NEW_ACTIVITY_FIELDS, "capacity"),
        "preview": (*_NEW_ACTIVITY_FIELDS, "capacity"),
    }
    team_key: str | None = Field(default=None, alias="team")
    title: str | None = None
    category: str | None = None
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    place: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    capacity: int | None = None
    description: str | None = None

    def draft(self) -> Activity:
        """The activity as entered, not yet published."""
        return Activity(
            id=0,
            team_key=entered(self.team_key),
            title=entered(self.title),
            category=entered(self.category),
            starts_at=entered(self.starts_at),
            ends_at=entered(self.ends_at),
            place=entered(self.place),
            capacity=entered(self.capacity),
            state="published",
            latitude=self.latitude,
            longitude=self.longitude,
            description=self.description or None,
        )


class BroadcastData(DialogueData):
    flow: ClassVar[str] = "broadcast"
    needs: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "audience": (),
        "text": ("audience",),
        "confirm": ("audience", "body"),
    }
    audience: str | None = None  # the audience's key
    body: str | None = None


class CheckInData(DialogueData):
    """Check-in by a code typed, by a location shared for one activity (`location`), or with
    a location already shared, picking which of several open activities (`pick`)."""

    flow: ClassVar[str] = "checkin"
    needs: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "code": (),
        "location": ("activity_id",),
        "pick": ("latitude", "longitude"),
    }
    activity_id: int | None = Field(default=None, alias="activity")
    latitude: float | None = None
    longitude: float | None = None
    live: bool = False


class RecordActionData(DialogueData):
    """A dispute, correction (minutes, then reason) or rejection of one hour record."""

    flow: ClassVar[str] = "record"
    needs: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "dispute": (),
        "minutes": (),
        "reason": ("minutes",),
        "reject": (),
    }
    record_id: int = Field(alias="record")
    minutes: int | None = None


_WISH_TITLED = ("team_key", "title")
_WISH_PLACED = (*_WISH_TITLED, "community")
_WISH_DATED = (*_WISH_PLACED, "deadline")


class WishPostData(DialogueData):
    """A wish a lead or admin posts: team, what is wished, its story (optional), community,
    value (optional), deadline, photo (optional) and the private note on the beneficiary,
    read back before posting. The optional steps hold "" (or 0) once left out."""

    flow: ClassVar[str] = "wish"
    needs: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "team": (),
        "title": ("team_key",),
        "story": _WISH_TITLED,
        "community": _WISH_TITLED,
        "value": _WISH_PLACED,
        "deadline": _WISH_PLACED,
        "photo": _WISH_DATED,
        "note": _WISH_DATED,
        "preview": (*_WISH_DATED, "note"),
    }
    team_key: str | None = Field(default=None, alias="team")
    title: str | None = None
    story: str = ""
    community: str | None = None
    value_yuan: int | None = Field(default=None, alias="value")
    deadline: date | None = None
    photo: str = ""  # Telegram file_id
    note: str | None = None


class WishDeliveryData(DialogueData):
    """A claimer reports delivery: a photo (required), a note, then the minutes to credit."""

    flow: ClassVar[str] = "wish_delivery"
    needs: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "photo": (),
        "note": ("photo",),
        "minutes": ("photo", "note"),
    }
    wish_id: int = Field(alias="wish")
    photo: str | None = None  # Telegram file_id
    note: str | None = None


class WishSendBackData(DialogueData):
    """A lead's reason for sending a delivery back to its claimer."""

    flow: ClassVar[str] = "wish_send_back"
    needs: ClassVar[Mapping[str, tuple[str, ...]]] = {"reason": ()}
    wish_id: int = Field(alias="wish")


class ManageData(DialogueData):
    """A change to a published activity: its time (start, then end), place or capacity, or
    its cancellation (the reason)."""

    flow: ClassVar[str] = "manage"
    needs: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "start": (),
        "end": ("starts_at",),
        "place": (),
        "capacity": (),
        "reason": (),
    }
    activity_id: int = Field(alias="activity")
    starts_at: AwareDatetime | None = None


_ADD_HOURS_STEPS = ("query", "team", "day", "hours", "title", "reason", "confirm")
_ADD_HOURS_FIELDS = ("volunteer_id", "team_key", "day", "minutes", "title", "reason")


class AddHoursData(DialogueData):
    """Hours an admin adds by hand: the volunteer searched for, then team, day, amount, what
    was done and why, read back before saving."""

    flow: ClassVar[str] = "add_hours"
    needs: ClassVar[Mapping[str, tuple[str, ...]]] = {
        step: _ADD_HOURS_FIELDS[:n] for n, step in enumerate(_ADD_HOURS_STEPS)
    }
    volunteer_id: int | None = Field(default=None, alias="volunteer")
    team_key: str | None = Field(default=None, alias="team")
    day: date | None = None
    minutes: int | None = None
    title: str | None = None
    reason: str | None = None


_NEW_HOUSEHOLD_STEPS = ("team", "code", "community", "needs", "cadence", "pin", "radius", "note")
_NEW_HOUSEHOLD_FIELDS = ("team_key", "code", "community", "need_keys", "cadence_days")


class NewHouseholdData(DialogueData):
    """A household a lead or admin registers: team, code, community, needs (ticked), visit
    cadence, an optional pin (and its radius), the private contact note; read back before
    saving."""

    flow: ClassVar[str] = "new_household"
    needs: ClassVar[Mapping[str, tuple[str, ...]]] = {
        step: _NEW_HOUSEHOLD_FIELDS[: min(n, len(_NEW_HOUSEHOLD_FIELDS))]
        for n, step in enumerate(_NEW_HOUSEHOLD_STEPS)
    } | {"radius": (*_NEW_HOUSEHOLD_FIELDS, "latitude"), "confirm": _NEW_HOUSEHOLD_FIELDS}
    team_key: str | None = Field(default=None, alias="team")
    code: str | None = None
    community: str | None = None
    # The needs ticked so far (`needs` is taken: the class's steps and what each needs).
    need_keys: list[str] | None = None
    cadence_days: int | None = Field(default=None, alias="cadence")
    latitude: float | None = None
    longitude: float | None = None
    radius_m: int | None = Field(default=None, alias="radius")
    contact_note: str = Field(default="", alias="note")


class HouseholdActionData(DialogueData):
    """A lead's change to one household: a volunteer to pair (searched by name), or its pin
    (a location, then the radius)."""

    flow: ClassVar[str] = "household"
    needs: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "pair": (),
        "pin": (),
        "pin_radius": ("latitude", "longitude"),
    }
    household_id: int = Field(alias="household")
    latitude: float | None = None
    longitude: float | None = None


class HouseholdEditData(DialogueData):
    """A lead corrects one detail of a household: its community, needs (ticked), visit
    cadence or private contact note."""

    flow: ClassVar[str] = "household_edit"
    needs: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "community": (),
        "needs": (),
        "cadence": (),
        "note": (),
    }
    household_id: int = Field(alias="household")
    need_keys: list[str] = []


class VisitData(DialogueData):
    """A volunteer logs a visit: their live location at the household (if it has a pin), the
    minutes, what was done (ticked needs and a note), an optional photo."""

    flow: ClassVar[str] = "visit"
    needs: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "location": (),
        "minutes": (),
        "done": ("minutes",),
        "photo": ("minutes",),
    }
    household_id: int = Field(alias="household")
    latitude: float | None = None
    longitude: float | None = None
    minutes: int | None = None
    done: list[str] = []
    note: str = ""


class VisitRejectData(DialogueData):
    """A lead's reason for not crediting a visit."""

    flow: ClassVar[str] = "visit_reject"
    needs: ClassVar[Mapping[str, tuple[str, ...]]] = {"reason": ()}
    record_id: int = Field(alias="record")


class ChoicesData(DialogueData):
    """The options last offered as numbers on a channel without buttons (WeChat): "2" typed
    means the second. Each option is the action it stands for, as that channel encodes it."""

    flow: ClassVar[str] = "choices"
    needs: ClassVar[Mapping[str, tuple[str, ...]]] = {"shown": ()}
    options: list[str] = Field(default_factory=list, max_length=20)


class LinkData(DialogueData):
    """The one-time code shown in a person's other channel, typed here to join the two."""

    flow: ClassVar[str] = "link"
    needs: ClassVar[Mapping[str, tuple[str, ...]]] = {"code": ()}


class VerifyData(DialogueData):
    """A certificate's code, typed to check it (on a channel without /verify CODE: WeChat)."""

    flow: ClassVar[str] = "verify"
    needs: ClassVar[Mapping[str, tuple[str, ...]]] = {"code": ()}


FLOWS: Mapping[str, type[DialogueData]] = {
    model.flow: model
    for model in (
        RegisterData,
        EditProfileData,
        ForgetData,
        WishPostData,
        WishDeliveryData,
        WishSendBackData,
        PromoteData,
        RecordsSearchData,
        AddTeamData,
        NewActivityData,
        BroadcastData,
        CheckInData,
        RecordActionData,
        ManageData,
        AddHoursData,
        NewHouseholdData,
        HouseholdActionData,
        HouseholdEditData,
        VisitData,
        VisitRejectData,
        ChoicesData,
        LinkData,
        VerifyData,
    )
}


class UnreadableDialogue(ValueError):
    """A kept dialogue its flow's model refuses. The message says where, never the values
    (they may be a name or a phone number)."""


def read_dialogue(flow: str, step: str, data: str | bytes) -> Dialogue[DialogueData]:
    """The dialogue kept as `flow`, `step` and `data` (JSON), checked against its model."""
    model = FLOWS.get(flow)
    if model is None:
        raise UnreadableDialogue(f"unknown flow {flow!r}")
    if step not in model.needs:
        raise UnreadableDialogue(f"{flow} has no step {step!r}")
    try:
        parsed = model.model_validate_json(data)
    except ValidationError as error:
        problems = ", ".join(
            f"{'.'.join(map(str, problem['loc'])) or 'data'}: {problem['type']}"
            for problem in error.errors()
        )
        raise UnreadableDialogue(f"{flow}/{step}: {problems}") from None
    missing = [name for name in model.needs[step] if getattr(parsed, name) is None]
    if missing:
        raise UnreadableDialogue(f"{flow}/{step} lacks {', '.join(missing)}")
    return Dialogue(step, parsed)

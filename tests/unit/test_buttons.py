"""Button data: every kind fits Telegram's 64 bytes at its largest, reads back what was built,
refuses garbled data, keeps the formats of buttons already sent, and no route can confuse two."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from bot.buttons import (
    KINDS,
    MAX_BYTES,
    ActivitiesPage,
    BroadcastAudience,
    ButtonData,
    DemoteLead,
    ExportFile,
    GroupLink,
    HonorBoard,
    ManageRoster,
    PresenceToggle,
    RecordOpen,
    RegisterConsent,
    RegisterTeamsDone,
    ReportTeams,
    TeamBoard,
    clashes,
)
from bot.config import CategoryConfig, TeamConfig
from bot.domain.ranking import Period

LONGEST_KEY = "k" * 32


def _largest(kind: type[ButtonData]) -> ButtonData:
    """The kind with every field at its longest; days one apart, so that ranges hold."""
    values: dict[str, Any] = {}
    for n, field in enumerate(kind.wire_fields):
        longest = field.codec.longest
        if isinstance(longest, date):
            longest -= timedelta(days=9 - n)
        values[field.name] = longest
    return kind(**values)


@pytest.mark.parametrize("kind", list(KINDS.values()), ids=list(KINDS))
def test_every_kind_at_its_largest_fits_in_64_bytes_and_reads_back(
    kind: type[ButtonData],
) -> None:
    pressed = _largest(kind)
    data = pressed.build()
    assert len(data.encode()) <= MAX_BYTES
    assert kind.parse(data) == pressed


def test_the_largest_values_are_the_largest_the_data_may_hold() -> None:
    """Keys as long as configuration allows, ids of nine digits (what handlers accepted)."""
    TeamConfig(key=LONGEST_KEY, name_zh="队", name_en="Team")
    CategoryConfig(key=LONGEST_KEY, name_zh="类", name_en="Kind")
    with pytest.raises(ValidationError):
        TeamConfig(key=LONGEST_KEY + "k", name_zh="队", name_en="Team")
    assert _largest(DemoteLead) == DemoteLead(999_999_999, LONGEST_KEY)
    assert DemoteLead.parse(f"a:d:1:{LONGEST_KEY}k") is None
    assert RecordOpen.parse("h:r:1000000000") is None


def test_no_prefix_is_the_start_of_another() -> None:
    assert clashes(list(KINDS)) == []
    assert clashes(["h:r:", "h:r:x:", "h:o", "h:c"]) == [("h:r:", "h:r:x:")]
    assert clashes(["lb:", "l:"]) == []


@pytest.mark.parametrize("prefix", ["h:r:", "h:r", "h:r:x:", ""])
def test_declaring_a_kind_whose_prefix_clashes_is_refused(prefix: str) -> None:
    count = len(KINDS)
    with pytest.raises(ValueError, match="clashes"):

        class Clashing(ButtonData, prefix=prefix):
            record: int

    assert len(KINDS) == count


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("h:r:42", RecordOpen(42)),
        ("r:td", RegisterTeamsDone()),
        ("r:c:y", RegisterConsent(agreed=True)),
        ("r:c:n", RegisterConsent(agreed=False)),
        ("g:l:blood", GroupLink("blood")),
        ("g:l:blood:2", GroupLink("blood", replacing=2)),
        ("mg:r:5", ManageRoster(5)),
        ("mg:r:5:0", ManageRoster(5, page=0)),
        ("s:p:0:3:1", ActivitiesPage(page=0, team_id=3, category=1)),
        ("mg:t:4:9:1:0", PresenceToggle(activity=4, volunteer=9, page=1, present=False)),
        ("b:a:all", BroadcastAudience("all")),
        ("b:a:team:traffic", BroadcastAudience("team:traffic")),
        ("b:a:activity:12", BroadcastAudience("activity:12")),
        ("rp:t:20261101:20261201", ReportTeams(date(2026, 11, 1), date(2026, 12, 1))),
        ("rp:t:20261101:20261201:2", ReportTeams(date(2026, 11, 1), date(2026, 12, 1), 2)),
        ("ex:xlsx:20260101:20270101:0", ExportFile("xlsx", date(2026, 1, 1), date(2027, 1, 1), 0)),
    ],
)
def test_buttons_already_sent_keep_their_meaning(data: str, expected: ButtonData) -> None:
    assert type(expected).parse(data) == expected
    assert expected.build() == data


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        (RecordOpen, "h:r:"),
        (RecordOpen, "h:r:x"),
        (RecordOpen, "h:r:-1"),
        (RecordOpen, "h:r:1:2"),
        (RecordOpen, "h:r:١"),  # a digit, but not an ASCII one
        (RecordOpen, "h:d:1"),
        (RegisterTeamsDone, "r:tdx"),
        (RegisterConsent, "r:c:maybe"),
        (GroupLink, "g:l:blood:"),
        (GroupLink, "g:l:blood:x"),
        (GroupLink, "g:l:blood:1:2"),
        (GroupLink, "g:l:../../etc"),
        (ManageRoster, "mg:r:5:-1"),
        (ActivitiesPage, "s:p:1:2"),
        (ActivitiesPage, "s:p:0:x:1"),
        (BroadcastAudience, "b:a:team:"),
        (BroadcastAudience, "b:a:everyone"),
        (ReportTeams, "rp:t:20261201:20261101"),  # ends before it starts
        (ReportTeams, "rp:t:20260230:20260301"),  # no such day
        (ReportTeams, "rp:t:18990101:20260101"),
        (ExportFile, "ex:pdf:20260101:20270101:0"),
        (PresenceToggle, "mg:t:4:9:1:2"),
    ],
)
def test_garbled_or_forged_data_reads_as_none(kind: type[ButtonData], data: str) -> None:
    assert kind.parse(data) is None


def test_parse_takes_no_data_at_all() -> None:
    assert RecordOpen.parse(None) is None


@pytest.mark.parametrize(
    "pressed",
    [
        RecordOpen(-1),
        RecordOpen(1_000_000_000),
        DemoteLead(1, "Traffic"),
        DemoteLead(1, "a:b"),
        BroadcastAudience("team:"),
        ReportTeams(date(1999, 12, 31), date(2000, 1, 2)),
    ],
)
def test_building_a_value_the_kind_cannot_carry_raises(pressed: ButtonData) -> None:
    with pytest.raises(ValueError, match="cannot carry"):
        pressed.build()


def test_periods_read_by_their_names() -> None:
    assert TeamBoard.parse("lb:1:all") == TeamBoard(1, Period.ALL)
    assert HonorBoard.parse("lh:decade") is None


@given(st.sampled_from(list(KINDS.values())), st.text(max_size=70))
def test_any_text_parses_to_none_or_to_data_that_builds_back(
    kind: type[ButtonData], tail: str
) -> None:
    pressed = kind.parse(kind.prefix + tail)
    if pressed is not None:
        assert kind.parse(pressed.build()) == pressed

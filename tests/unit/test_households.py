"""Household pairing rules as plain functions: codes, communities, cadences, radii and notes as
people type them; when a household is due; when its volunteers are nudged; the first working
day of a month."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.households import (
    Household,
    InvalidCadence,
    InvalidCommunity,
    InvalidCoordinates,
    InvalidHouseholdCode,
    InvalidHouseholdNote,
    InvalidRadius,
    UnknownNeed,
    due_on,
    first_working_day,
    months_back,
    needs_nudge,
    parse_cadence,
    parse_code,
    parse_community,
    parse_coordinates,
    parse_needs,
    parse_note,
    parse_radius,
    previous_month,
)

NEEDS = ("elderly_alone", "disability", "poverty", "left_behind_children")


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("SP-017", "SP-017"),
        (" sp-017 ", "SP-017"),
        ("ＳＰ－０１７", "SP-017"),
        ("HS2026-001", "HS2026-001"),
    ],
)
def test_a_household_code_is_cleaned_to_upper_case(typed: str, code: str) -> None:
    assert parse_code(typed) == code


@pytest.mark.parametrize(
    "typed",
    [
        "",
        " ",
        "-",
        "SP-",
        "-SP",
        "SP--17",
        "SP 017",
        "A" * 21,
        "王-1",
        "SP-017🏠",
        "1;DROP",
        "a\x00",
    ],
)
def test_bad_household_codes_are_refused(typed: str) -> None:
    with pytest.raises(InvalidHouseholdCode):
        parse_code(typed)


def test_communities_are_2_to_40_printable_characters() -> None:
    assert parse_community("  沙坪街道   中东社区 ") == "沙坪街道 中东社区"
    for typed in ("", "社", "社" * 41, "社区\n\x07", "🏠🏠🏠", "--"):
        with pytest.raises(InvalidCommunity):
            parse_community(typed)


def test_cadence_and_radius_take_a_unit_or_none() -> None:
    assert parse_cadence("30") == parse_cadence("30天") == parse_cadence("30 days") == 30
    assert parse_radius("200") == parse_radius("200米") == parse_radius("200 m") == 200
    for typed in ("0", "366", "-1", "3.5", "thirty", "", "9" * 5000):
        with pytest.raises(InvalidCadence):
            parse_cadence(typed)
    for typed in ("9", "10001", "-200", "two hundred"):
        with pytest.raises(InvalidRadius):
            parse_radius(typed)


def test_notes_keep_line_breaks_but_no_other_control_characters() -> None:
    assert parse_note("  王阿婆\n\n 电话  137 ") == "王阿婆\n电话 137"
    assert parse_note("") == ""
    for typed in ("x" * 301, "响铃\x07", "\x1b[31m"):
        with pytest.raises(InvalidHouseholdNote):
            parse_note(typed)


def test_needs_come_back_once_each_in_the_configured_order() -> None:
    assert parse_needs(["poverty", "elderly_alone", "poverty"], NEEDS) == (
        "elderly_alone",
        "poverty",
    )
    with pytest.raises(UnknownNeed):
        parse_needs(["flying"], NEEDS)


def test_coordinates_must_be_on_the_earth_and_not_null_island() -> None:
    assert parse_coordinates(22.5, 112.9) == (22.5, 112.9)
    for latitude, longitude in ((91, 0), (0, 181), (0, 0), (-90.5, 10)):
        with pytest.raises(InvalidCoordinates):
            parse_coordinates(latitude, longitude)


def test_a_household_falls_due_a_cadence_after_its_last_visit_or_registration() -> None:
    registered = date(2026, 11, 1)
    household = Household(1, "SP-1", "traffic", "社区", (), 30, registered)
    assert household.due_on == date(2026, 12, 1)
    assert not household.is_due(date(2026, 11, 30)) and household.is_due(date(2026, 12, 1))
    assert household.days_overdue(date(2027, 1, 5)) == 35
    visited = Household(1, "SP-1", "traffic", "社区", (), 30, registered, date(2026, 12, 20))
    assert visited.due_on == date(2027, 1, 19) and visited.days_overdue(date(2027, 1, 5)) == 0


@given(
    st.dates(date(2020, 1, 1), date(2030, 1, 1)),
    st.integers(0, 400),
    st.integers(1, 365),
    st.integers(1, 30),
)
def test_a_due_household_is_nudged_at_most_once_per_period(
    due: date, offset: int, cadence: int, every: int
) -> None:
    """Walking day by day from the due date: nudged on the due date, then exactly every
    `every` days, never twice in fewer."""
    nudged: date | None = None
    days = []
    for n in range(offset % 60 + 1):
        today = due + timedelta(days=n)
        if needs_nudge(due, nudged, today, every):
            nudged = today
            days.append(n)
    assert days == list(range(0, offset % 60 + 1, every))
    assert not needs_nudge(due, None, due - timedelta(days=1), every)
    assert due_on(None, due, cadence) == due + timedelta(days=cadence)


def test_a_nudge_from_an_earlier_due_date_does_not_count() -> None:
    assert needs_nudge(date(2026, 12, 20), date(2026, 12, 18), date(2026, 12, 20), 7)


@pytest.mark.parametrize(
    ("year", "month", "first"),
    [(2026, 11, date(2026, 11, 2)), (2026, 12, date(2026, 12, 1)), (2027, 5, date(2027, 5, 3))],
)
def test_the_first_working_day_skips_a_weekend(year: int, month: int, first: date) -> None:
    assert first_working_day(year, month) == first


def test_months_back_are_the_first_days_oldest_first() -> None:
    assert previous_month(date(2026, 1, 15)) == date(2025, 12, 1)
    assert months_back(date(2026, 2, 28), 3) == [
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
    ]


def test_ticking_a_need_adds_it_and_ticking_it_again_takes_it_out() -> None:
    from handlers.households import toggled

    assert toggled([], "poverty") == ["poverty"]
    assert toggled(["elderly_alone", "poverty"], "poverty") == ["elderly_alone"]
    assert toggled(["elderly_alone"], "poverty") == ["elderly_alone", "poverty"]

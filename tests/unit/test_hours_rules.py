"""The credit rule and the other pure rules of service hours."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.errors import InvalidDate, InvalidMinutes, InvalidReason, InvalidText
from bot.domain.hours import (
    credit,
    distance_m,
    minutes_outside,
    over_daily_limit,
    parse_day,
    parse_minutes,
    parse_reason,
    parse_text,
    star_level,
    working_days_after,
)

BASE = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)
minutes = st.integers(min_value=-600, max_value=1200)
lengths = st.integers(min_value=1, max_value=720)


def at(offset: int) -> datetime:
    return BASE + timedelta(minutes=offset)


@given(lengths, minutes, minutes)
def test_credit_is_the_overlap_with_the_schedule_and_never_more(
    length: int, checked_in: int, stayed: int
) -> None:
    start, end = at(0), at(length)
    check_in, check_out = at(checked_in), at(checked_in + abs(stayed))
    result = credit(start, end, check_in, check_out)
    assert 0 <= result.minutes <= length
    assert result.minutes <= abs(stayed)
    expected = max(0, min(length, checked_in + abs(stayed)) - max(0, checked_in))
    assert result.minutes == expected == result.present_minutes
    assert result.scheduled_minutes == length
    assert not result.below_share


@given(lengths, minutes, minutes, minutes)
def test_staying_longer_never_credits_less(length: int, checked_in: int, a: int, b: int) -> None:
    start, end = at(0), at(length)
    shorter, longer = sorted((abs(a), abs(b)))
    first = credit(start, end, at(checked_in), at(checked_in + shorter)).minutes
    second = credit(start, end, at(checked_in), at(checked_in + longer)).minutes
    assert first <= second


@given(lengths, minutes, minutes, st.floats(min_value=0.01, max_value=1.0))
def test_the_presence_share_credits_all_of_the_overlap_or_nothing(
    length: int, checked_in: int, stayed: int, share: float
) -> None:
    start, end = at(0), at(length)
    plain = credit(start, end, at(checked_in), at(checked_in + abs(stayed)))
    shared = credit(start, end, at(checked_in), at(checked_in + abs(stayed)), share)
    assert shared.present_minutes == plain.minutes
    if plain.minutes >= length * share:
        assert shared.minutes == plain.minutes and not shared.below_share
    else:
        assert shared.minutes == 0 and shared.below_share


def test_credit_examples() -> None:
    start, end = at(0), at(120)
    assert credit(start, end, at(-30), at(150)).minutes == 120  # early and late: the schedule
    assert credit(start, end, at(-90), at(-10)).minutes == 0  # left before the start
    assert credit(start, end, at(130), at(200)).minutes == 0  # came after the end
    assert credit(start, end, at(30), at(60)).minutes == 30
    # Seconds do not round up into a minute not served.
    assert credit(start, end, at(0), at(10) + timedelta(seconds=59)).minutes == 10
    assert credit(start, end, at(0), at(60), 0.6).minutes == 0  # 50% < 60%
    assert credit(start, end, at(0), at(72), 0.6).minutes == 72  # exactly 60%


def test_the_daily_limit() -> None:
    assert not over_daily_limit(480, 480)
    assert over_daily_limit(481, 480)


def test_star_levels() -> None:
    thresholds = [100, 300, 600, 1000, 1500]
    assert star_level(0, thresholds).level == 0
    assert star_level(0, thresholds).minutes_to_next == 100 * 60
    assert star_level(100 * 60 - 1, thresholds).level == 0
    level = star_level(100 * 60, thresholds)
    assert (level.level, level.next_hours, level.minutes_to_next) == (1, 300, 200 * 60)
    top = star_level(2000 * 60, thresholds)
    assert (top.level, top.next_hours, top.minutes_to_next) == (5, None, None)


def test_distance() -> None:
    assert distance_m(22.565, 112.969, 22.565, 112.969) == 0
    # One thousandth of a degree of latitude is about 111 m.
    assert 110 < distance_m(22.565, 112.969, 22.566, 112.969) < 112


def test_working_days_skip_weekends() -> None:
    saturday = date(2026, 11, 28)
    assert working_days_after(saturday, 1) == date(2026, 11, 30)
    assert working_days_after(saturday, 10) == date(2026, 12, 11)
    assert working_days_after(date(2026, 11, 30), 5) == date(2026, 12, 7)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2", 120),
        ("1.5", 90),
        ("90m", 90),
        ("90 min", 90),
        ("90分钟", 90),
        ("30分钟", 30),
        ("１.５小时", 90),
        ("2小时", 120),
        ("1.5h", 90),
        ("2h30m", 150),
        ("2小时30分", 150),
        ("0", 0),
        ("24h", 1440),
        ("24", 1440),
        ("8.3", 498),
        ("4.1h", 246),
        ("2.05小时", 123),
    ],
)
def test_minutes_as_typed(text: str, expected: int) -> None:
    assert parse_minutes(text, 1440) == expected


def test_item7_a_bare_number_is_hours_not_minutes() -> None:
    assert parse_minutes("2", 1440) == 120
    assert parse_minutes("8", 1440) == 480


@pytest.mark.parametrize(
    "text", ["", "-5", "abc", "121m", "3", "1.333h", "25h", "25", "90", "9" * 30, "2h-3m"]
)
def test_absurd_minutes_are_refused(text: str) -> None:
    with pytest.raises(InvalidMinutes):
        parse_minutes(text, 120 if text in ("121m", "3") else 1440)


def test_days_as_typed_and_never_in_the_future() -> None:
    today = date(2026, 11, 27)
    assert parse_day("2026-11-20", today) == date(2026, 11, 20)
    assert parse_day("11-20", today) == date(2026, 11, 20)
    assert parse_day("11月20日", today) == date(2026, 11, 20)
    assert parse_day("12-25", today) == date(2025, 12, 25)  # the last 25 December
    for bad in ("2026-11-28", "2026-02-30", "tomorrow", "", "1999-01-01"):
        with pytest.raises(InvalidDate):
            parse_day(bad, today)


def test_reasons() -> None:
    assert parse_reason("  忘记签退，  实际两小时 ") == "忘记签退， 实际两小时"
    assert parse_reason("补录献血") == "补录献血"
    for bad in ("", " ", "x", "a" * 201, "bad\x00reason"):
        with pytest.raises(InvalidReason):
            parse_reason(bad)


@pytest.mark.parametrize(
    "bad", ["ok", "....", "!!!!!!", "aaaa", "哈哈哈哈", "abab", "a.b.c", "补录"]
)
def test_item5_a_reason_needs_four_meaningful_characters(bad: str) -> None:
    with pytest.raises(InvalidReason):
        parse_reason(bad)


def test_short_texts_stay_allowed_where_no_reason_is_asked() -> None:
    assert parse_text(" 献血 ") == "献血"
    with pytest.raises(InvalidText):
        parse_text("x")


def test_minutes_outside_other_spans() -> None:
    span = (at(0), at(120))
    assert minutes_outside(span, []) == 120
    assert minutes_outside(span, [(at(-60), at(50))]) == 70
    assert minutes_outside(span, [(at(10), at(20)), (at(15), at(30)), (at(100), at(200))]) == 80
    assert minutes_outside(span, [(at(-10), at(130))]) == 0
    assert minutes_outside(span, [(at(120), at(180))]) == 120  # touching is not overlapping


@given(st.lists(st.tuples(minutes, lengths), max_size=5), lengths)
def test_minutes_outside_never_exceeds_the_span(others: list[tuple[int, int]], length: int) -> None:
    spans = [(at(start), at(start + size)) for start, size in others]
    free = minutes_outside((at(0), at(length)), spans)
    assert 0 <= free <= length

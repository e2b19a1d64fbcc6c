"""Typed dates and times, in the organisation's zone (Asia/Shanghai, UTC+8)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.errors import InvalidWhen
from bot.domain.when import parse_when

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)  # 16:00 in Shanghai


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2026-12-05 09:00", datetime(2026, 12, 5, 1, 0, tzinfo=UTC)),
        ("2026/12/5 9:30", datetime(2026, 12, 5, 1, 30, tzinfo=UTC)),
        ("12-05 09:00", datetime(2026, 12, 5, 1, 0, tzinfo=UTC)),
        ("12月5日 9:00", datetime(2026, 12, 5, 1, 0, tzinfo=UTC)),
        ("12月5日9点", datetime(2026, 12, 5, 1, 0, tzinfo=UTC)),
        ("2027年1月3号 14:15", datetime(2027, 1, 3, 6, 15, tzinfo=UTC)),
        ("明天 9:00", datetime(2026, 11, 28, 1, 0, tzinfo=UTC)),
        ("tomorrow 9:00", datetime(2026, 11, 28, 1, 0, tzinfo=UTC)),
        ("Tomorrow  18:30", datetime(2026, 11, 28, 10, 30, tzinfo=UTC)),
        ("后天 7点", datetime(2026, 11, 28, 23, 0, tzinfo=UTC)),
        ("１２－０５　０９：００", datetime(2026, 12, 5, 1, 0, tzinfo=UTC)),
        ("01-10 08:00", datetime(2027, 1, 10, 0, 0, tzinfo=UTC)),
    ],
)
def test_the_ways_people_type_a_time_are_understood(typed: str, expected: datetime) -> None:
    assert parse_when(typed, NOW, ZONE) == expected


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "soon",
        "x" * 5000,
        "2026-13-01 09:00",
        "2026-02-30 09:00",
        "12-05 25:00",
        "12-05 09:60",
        "明天",
        "-1",
        "99999999999999999999",
        "2026-12-05 09:00; DROP TABLE activities",
        "😀 9:00",
        "12-05\x0009:00",
    ],
)
def test_anything_else_is_refused(typed: str) -> None:
    with pytest.raises(InvalidWhen):
        parse_when(typed, NOW, ZONE)


@given(st.text(max_size=50))
def test_parsing_never_fails_other_than_with_invalid_when(typed: str) -> None:
    try:
        moment = parse_when(typed, NOW, ZONE)
    except InvalidWhen:
        return
    assert moment.tzinfo is not None

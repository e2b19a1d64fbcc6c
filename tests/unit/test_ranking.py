"""Ranking rules: ties share a rank, periods follow the org's calendar."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.ranking import EARLIEST, Period, period_bounds, previous_week, rank


def test_ties_share_a_rank_and_the_next_rank_skips() -> None:
    ranked = rank([("a", 50), ("b", 120), ("c", 50), ("d", 30), ("e", 120)])
    assert [(r.key, r.rank, r.tied) for r in ranked] == [
        ("b", 1, True),
        ("e", 1, True),
        ("a", 3, True),
        ("c", 3, True),
        ("d", 5, False),
    ]
    assert rank([]) == []


@given(st.lists(st.integers(min_value=0, max_value=10_000), max_size=60))
def test_ranks_follow_the_minutes(values: list[int]) -> None:
    ranked = rank(list(enumerate(values)))
    assert sorted(r.minutes for r in ranked) == sorted(values)
    for position, entry in enumerate(ranked, start=1):
        # A rank is one more than the number of people strictly ahead.
        assert entry.rank == 1 + sum(1 for v in values if v > entry.minutes)
        assert entry.rank <= position
        assert entry.tied == (values.count(entry.minutes) > 1)


def test_periods_at_the_calendar_boundaries() -> None:
    sunday, monday = date(2026, 11, 29), date(2026, 11, 30)
    assert period_bounds(Period.WEEK, sunday) == (date(2026, 11, 23), date(2026, 11, 30))
    assert period_bounds(Period.WEEK, monday) == (date(2026, 11, 30), date(2026, 12, 7))
    assert period_bounds(Period.MONTH, date(2026, 11, 30)) == (
        date(2026, 11, 1),
        date(2026, 12, 1),
    )
    assert period_bounds(Period.MONTH, date(2026, 12, 31)) == (
        date(2026, 12, 1),
        date(2027, 1, 1),
    )
    assert period_bounds(Period.MONTH, date(2028, 2, 29)) == (date(2028, 2, 1), date(2028, 3, 1))
    assert period_bounds(Period.YEAR, date(2026, 1, 1)) == (date(2026, 1, 1), date(2027, 1, 1))
    assert period_bounds(Period.ALL, monday) == (EARLIEST, date(2026, 12, 1))
    assert previous_week(monday) == (date(2026, 11, 23), date(2026, 11, 30))
    assert previous_week(sunday) == (date(2026, 11, 16), date(2026, 11, 23))

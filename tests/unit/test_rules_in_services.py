"""Rules a handler used to work out for itself now come from the domain and the services
(issue 12, item 2): the report period a person types, and the broadcast's time estimate."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.domain.errors import InvalidPeriod
from bot.domain.models import Broadcast
from bot.domain.ranking import parse_range
from bot.outbox.models import DeliveryCounts
from bot.services.broadcasts import BroadcastStatus


def test_a_typed_period_includes_both_days() -> None:
    assert parse_range(["2026-11-01", "2026-11-30"]) == (date(2026, 11, 1), date(2026, 12, 1))
    assert parse_range(["2026-2-3", "2026-2-3", "traffic"]) == (date(2026, 2, 3), date(2026, 2, 4))


@pytest.mark.parametrize(
    "words",
    [
        [],
        ["2026-11-01"],
        ["2026-11-30", "2026-11-01"],  # the end before the start
        ["2026-02-30", "2026-03-01"],  # no such day
        ["1999-12-31", "2000-01-02"],  # before the first year
        ["2100-12-01", "2101-01-01"],  # after the last
        ["2001-01-01", "2012-01-01"],  # over ten years
        ["20261101", "20261130"],
    ],
)
def test_a_bad_period_is_refused(words: list[str]) -> None:
    with pytest.raises(InvalidPeriod):
        parse_range(words)


def _broadcast(created_at: datetime) -> Broadcast:
    return Broadcast(
        id=1,
        author_telegram_id=1,
        audience_key="all",
        body="x",
        state="sending",
        progress_chat_id=None,
        progress_message_id=None,
        created_at=created_at,
    )


def test_the_estimate_follows_the_rate_reached_so_far() -> None:
    start = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
    counts = DeliveryCounts(pending=300, sent=90, blocked=5, failed=5)
    now = start + timedelta(seconds=10)  # 100 done in 10 s: 10 a second
    assert BroadcastStatus.estimate(_broadcast(start), counts, now, 30.0) == pytest.approx(30.0)


def test_before_anything_is_sent_the_configured_rate_is_assumed() -> None:
    start = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
    counts = DeliveryCounts(pending=300)
    assert BroadcastStatus.estimate(_broadcast(start), counts, start, 30.0) == pytest.approx(10.0)

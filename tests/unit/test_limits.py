"""Sending limits as pure rules: no window ever over its limit, bursts then a steady pace."""

from __future__ import annotations

import heapq
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.outbox.limits import PrivateChat, SlidingWindow, SpanWindow, TokenBucket


def _drive(limiter: SlidingWindow | TokenBucket, attempts: list[float]) -> list[float]:
    """Send at each attempt time, or as soon as the limiter allows after it."""
    sent: list[float] = []
    now = 0.0
    for at in sorted(attempts):
        now = max(now, at)
        wait = limiter.wait(now)
        now += wait
        assert limiter.wait(now) == 0
        limiter.record(now)
        sent.append(now)
    return sent


@given(
    st.integers(1, 30),
    st.floats(0.5, 60),
    st.lists(st.floats(0, 100, allow_nan=False), max_size=200),
)
def test_a_sliding_window_never_admits_more_than_its_limit_in_any_period(
    limit: int, period: float, attempts: list[float]
) -> None:
    sent = _drive(SlidingWindow(limit, period), attempts)
    for i, start in enumerate(sent):
        in_window = [t for t in sent[i:] if t < start + period - 1e-9]
        assert len(in_window) <= limit


@given(
    st.floats(0.2, 5),
    st.integers(1, 5),
    st.lists(st.floats(0, 50, allow_nan=False), max_size=150),
)
def test_a_token_bucket_allows_a_burst_then_holds_the_rate(
    rate: float, burst: int, attempts: list[float]
) -> None:
    sent = _drive(TokenBucket(rate, burst), attempts)
    for i, start in enumerate(sent):
        for end in sent[i:]:
            count = len([t for t in sent if start <= t <= end])
            assert count <= burst + (end - start) * rate + 1e-6


def test_a_pause_holds_everything_until_it_ends() -> None:
    window = SlidingWindow(20, 60)
    window.paused_until = 5.0
    assert window.wait(1.0) == 4.0
    bucket = TokenBucket(1, 3)
    bucket.paused_until = 2.5
    assert bucket.wait(0.0) == 2.5
    assert bucket.wait(3.0) == 0


def test_idle_limiters_can_be_forgotten() -> None:
    window = SlidingWindow(2, 10)
    window.record(0)
    assert not window.idle(5) and window.idle(10.5)
    bucket = TokenBucket(1, 2)
    bucket.record(0)
    assert not bucket.idle(0.5) and bucket.idle(1.5)


@given(
    st.integers(1, 30),
    st.lists(
        st.tuples(
            st.floats(0, 20, allow_nan=False),  # when the request wants to go
            st.floats(0, 3, allow_nan=False),  # its round trip
            st.floats(0, 1, allow_nan=False),  # where in the round trip it arrives
        ),
        max_size=150,
    ),
)
def test_item12_a_span_window_keeps_its_limit_at_arrival_whatever_the_network_delays(
    limit: int, requests: list[tuple[float, float, float]]
) -> None:
    period = 1.0
    window = SpanWindow(limit, period)
    answers: list[float] = []  # a heap of answer times
    arrivals: list[float] = []
    now = 0.0
    for at, round_trip, share in sorted(requests):
        now = max(now, at)
        while True:
            while answers and answers[0] <= now:
                window.answer(heapq.heappop(answers))
            wait = window.wait(now)
            if wait == 0:
                break
            now = heapq.heappop(answers) if math.isinf(wait) else now + wait
            if math.isinf(wait):
                window.answer(now)
        window.record(now)
        arrivals.append(now + share * round_trip)
        heapq.heappush(answers, now + round_trip)
    arrivals.sort()
    for i, start in enumerate(arrivals):
        assert len([t for t in arrivals[i:] if t < start + period - 1e-6]) <= limit


def test_item12_a_span_window_waits_for_an_answer_then_a_period_after_it() -> None:
    window = SpanWindow(2, 1.0)
    window.record(0.0)
    window.record(0.0)
    assert math.isinf(window.wait(0.5)), "both unanswered: no time can be named"
    window.answer(0.25)
    assert window.wait(0.5) == pytest.approx(0.75), "a period after that answer"
    assert window.wait(1.25) == 0


@given(
    st.floats(0.2, 5),
    st.integers(1, 8),
    st.lists(st.tuples(st.floats(0, 30, allow_nan=False), st.booleans()), max_size=150),
)
def test_item12_a_private_chat_keeps_its_rate_and_queued_messages_get_no_burst(
    rate: float, burst: int, attempts: list[tuple[float, bool]]
) -> None:
    """Whatever mix of replies and queued messages: all of them together keep the burst and
    the rate, and the queued ones alone keep the rate with no burst."""
    chat = PrivateChat(rate, burst)
    sent: list[tuple[float, bool]] = []
    now = 0.0
    for at, queued in sorted(attempts):
        now = max(now, at)
        now += chat.wait(now, queued)
        assert chat.wait(now, queued) == 0
        chat.record(now, queued)
        sent.append((now, queued))
    for limit, times in ((burst, [t for t, _ in sent]), (1, [t for t, q in sent if q])):
        for i, start in enumerate(times):
            for end in times[i:]:
                count = len([t for t in times if start <= t <= end])
                assert count <= limit + (end - start) * rate + 1e-6


def test_item12_a_private_chat_lets_five_replies_through_and_paces_queued_messages() -> None:
    chat = PrivateChat(1.0, 5)
    for _ in range(5):
        assert chat.wait(0.0) == 0
        chat.record(0.0)
    assert chat.wait(0.0) == pytest.approx(1.0), "the sixth reply waits for the pace"
    chat = PrivateChat(1.0, 5)
    chat.record(0.0, queued=True)
    assert chat.wait(0.5, queued=True) == pytest.approx(0.5), "a second notice: a second later"
    assert chat.wait(0.5) == 0, "a reply may still come at once"
    chat.paused_until = 3.0
    assert chat.wait(0.5) == pytest.approx(2.5) and chat.wait(0.5, queued=True) == 2.5
    assert not chat.idle(2.0) and chat.idle(10.0)

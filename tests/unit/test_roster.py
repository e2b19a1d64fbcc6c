"""The capacity and waitlist rules as invariants over any sequence of sign-ups and cancels."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.roster import Placement, Roster

operations = st.lists(
    st.tuples(st.sampled_from(["sign_up", "cancel", "resize"]), st.integers(0, 30)), max_size=200
)


@given(st.integers(1, 10), operations)
def test_never_over_capacity_waitlist_in_arrival_order_and_freed_slots_filled(
    capacity: int, ops: list[tuple[str, int]]
) -> None:
    roster = Roster(capacity)
    arrivals: list[int] = []
    for op, value in ops:
        before, waiting_before = list(roster.confirmed), list(roster.waitlist)
        if op == "sign_up":
            placement = roster.sign_up(value)
            if value not in arrivals:
                arrivals.append(value)
            assert placement is roster.status(value)
        elif op == "cancel":
            promoted = roster.cancel(value)
            if value in arrivals:
                arrivals.remove(value)
            if value in before and waiting_before:
                assert promoted == waiting_before[:1], "the first waiting takes the freed slot"
            else:
                assert promoted == []
        else:
            size = max(value // 3, len(roster.confirmed), 1)
            roster.resize(size)
        assert len(roster.confirmed) <= roster.capacity
        assert not set(roster.confirmed) & set(roster.waitlist)
        waiting_order = [p for p in arrivals if p in roster.waitlist]
        assert roster.waitlist == waiting_order, "the waitlist keeps arrival order"
        if roster.waitlist:
            assert len(roster.confirmed) == roster.capacity, "no free slot while people wait"


def test_the_first_on_the_waitlist_gets_the_freed_slot() -> None:
    roster = Roster(2)
    assert [roster.sign_up(p) for p in (1, 2, 3, 4)] == [
        Placement.CONFIRMED,
        Placement.CONFIRMED,
        Placement.WAITLISTED,
        Placement.WAITLISTED,
    ]
    assert roster.sign_up(1) is Placement.CONFIRMED, "signing up twice changes nothing"
    assert roster.cancel(1) == [3]
    assert roster.cancel(4) == []
    assert roster.resize(3) == []
    assert (roster.confirmed, roster.waitlist) == ([2, 3], [])

"""Claiming micro-wishes on a real SQLite file: two presses at once make one claim, the
per-person limit, registration and the deadline, releasing."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import date, timedelta

import pytest

from bot.clock import ManualClock
from bot.domain.errors import (
    NotRegistered,
)
from bot.domain.wishes import (
    ClaimLimit,
    NotClaimer,
    UnknownWish,
    Wish,
    WishPastDeadline,
    WishState,
    WishTaken,
)
from bot.services import Services
from tests.service.wishes.scenes import BOB, CAROL, deliver, post


async def test_two_presses_at_once_make_one_claim(
    services: Services, people: dict[int, int]
) -> None:
    for round_number in range(20):
        wish = await post(services, title=f"第{round_number}个心愿")
        results = await asyncio.gather(
            services.wishes.claim(BOB, wish.id),
            services.wishes.claim(CAROL, wish.id),
            return_exceptions=True,
        )
        claimed = [r for r in results if isinstance(r, Wish)]
        refused = [r for r in results if isinstance(r, WishTaken)]
        assert len(claimed) == 1 and len(refused) == 1, results
        for telegram_id in (BOB, CAROL):  # room for the next round
            with contextlib.suppress(NotClaimer):
                await services.wishes.release(telegram_id, wish.id)


async def test_a_person_holds_at_most_three_undelivered_claims(
    services: Services, people: dict[int, int]
) -> None:
    wishes = [await post(services, title=f"心愿{n}号") for n in range(5)]
    for wish in wishes[:3]:
        await services.wishes.claim(BOB, wish.id)
    with pytest.raises(ClaimLimit) as refused:
        await services.wishes.claim(BOB, wishes[3].id)
    assert refused.value.params == {"count": 3}
    assert (
        await services.wishes.view(await services.roles.actor(BOB), wishes[3].id)
    ).wish.state is WishState.OPEN
    await deliver(services, BOB, wishes[0])
    assert (await services.wishes.claim(BOB, wishes[3].id)).state is WishState.CLAIMED


async def test_claiming_needs_registration_and_an_open_wish_before_its_deadline(
    services: Services, people: dict[int, int], clock: ManualClock
) -> None:
    wish = await post(services, deadline=date(2026, 11, 28))
    with pytest.raises(NotRegistered):
        await services.wishes.claim(999_999, wish.id)
    with pytest.raises(UnknownWish):
        await services.wishes.claim(BOB, 424_242)
    clock.advance(timedelta(days=2))
    with pytest.raises(WishPastDeadline):
        await services.wishes.claim(BOB, wish.id)


async def test_a_repeated_press_by_the_claimer_is_one_claim(
    services: Services, people: dict[int, int]
) -> None:
    wish = await post(services)
    await services.wishes.claim(BOB, wish.id)
    again = await services.wishes.claim(BOB, wish.id)
    assert again.state is WishState.CLAIMED and again.private_note == ""
    with pytest.raises(WishTaken):
        await services.wishes.claim(CAROL, wish.id)


async def test_only_the_claimer_releases_and_the_wish_goes_back_to_the_wall(
    services: Services, people: dict[int, int]
) -> None:
    wish = await post(services)
    await services.wishes.claim(BOB, wish.id)
    assert (await services.wish_board.wall(0, 5, None, None)).total == 0
    with pytest.raises(NotClaimer):
        await services.wishes.release(CAROL, wish.id)
    released = await services.wishes.release(BOB, wish.id)
    assert released.state is WishState.OPEN and released.claimer_id is None
    assert (await services.wishes.claim(CAROL, wish.id)).claimer_id == people[CAROL]

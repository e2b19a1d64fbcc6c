"""Micro-wishes past their deadline, on a real SQLite file: an open wish expires and its lead is
told once; a claim not delivered goes back to the wall and its claimer is told."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.clock import ManualClock
from bot.domain.wishes import (
    WishPastDeadline,
    WishState,
)
from bot.services import Services
from storage.db import Database
from tests.service.wishes.scenes import BOB, CAROL, LEAD, NOTE, deliver, outbox_texts, post


async def test_an_open_wish_past_its_deadline_expires_and_the_lead_is_told_once(
    services: Services, people: dict[int, int], db: Database, clock: ManualClock
) -> None:
    wish = await post(services, deadline=date(2026, 11, 28))
    assert await services.wish_digests.expire() == (0, 0)
    clock.advance(timedelta(days=1))  # the 28th: still its last day
    assert await services.wish_digests.expire() == (0, 0)
    clock.advance(timedelta(days=1))
    assert await services.wish_digests.expire() == (0, 1)
    assert await services.wish_digests.expire() == (0, 0)
    told = [t for t in await outbox_texts(db, LEAD) if "一台电暖器" in t]
    assert len(told) == 1 and NOTE not in told[0]
    view = await services.wishes.view(await services.roles.actor(BOB), wish.id)
    assert view.wish.state is WishState.EXPIRED and not view.may.claim


async def test_a_claim_not_delivered_by_the_deadline_goes_back_and_the_claimer_is_told(
    services: Services, people: dict[int, int], db: Database, clock: ManualClock
) -> None:
    wish = await post(services, deadline=date(2026, 11, 28))
    delivered = await post(services, title="一袋大米", deadline=date(2026, 11, 28))
    await services.wishes.claim(BOB, wish.id)
    await services.wishes.claim(CAROL, delivered.id)
    await deliver(services, CAROL, delivered)
    clock.advance(timedelta(days=2))
    with pytest.raises(WishPastDeadline):
        await deliver(services, BOB, wish)
    assert await services.wish_digests.expire() == (1, 1)
    assert any("一台电暖器" in text for text in await outbox_texts(db, BOB))
    assert await services.wishes.mine(await services.roles.actor(BOB)) is not None
    assert (await services.wishes.mine(await services.roles.actor(BOB))).claims == []
    waiting = await services.wishes.decidable(await services.roles.actor(LEAD), delivered.id)
    assert waiting.state is WishState.DELIVERED, "a delivery waiting for its lead stays"


async def test_a_wishs_last_day_ends_at_midnight_in_the_orgs_zone_not_in_utc(
    services: Services, people: dict[int, int], clock: ManualClock
) -> None:
    """Shanghai is UTC+8: the last day (28 Nov) ends at 16:00 UTC."""
    wish = await post(services, deadline=date(2026, 11, 28))
    other = await post(services, title="一袋大米", deadline=date(2026, 11, 28))
    clock.advance(datetime(2026, 11, 28, 15, 59, tzinfo=UTC) - clock.now())  # 23:59 there
    await services.wishes.claim(BOB, wish.id)
    await deliver(services, BOB, wish)
    assert (await services.wish_board.wall(0, 5, None, None)).total == 1
    clock.advance(timedelta(minutes=1))  # midnight there: the 29th
    with pytest.raises(WishPastDeadline):
        await services.wishes.claim(CAROL, other.id)
    clock.advance(timedelta(seconds=11))  # past what the wall keeps
    assert (await services.wish_board.wall(0, 5, None, None)).total == 0
    assert await services.wish_digests.expire() == (0, 1)
    record = await services.wishes.confirm(await services.roles.actor(LEAD), wish.id)
    assert record.served_on == date(2026, 11, 28), "credited on the day it was delivered there"

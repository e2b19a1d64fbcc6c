"""Micro-wishes on a real SQLite file: posting (leads and admins, every field checked), the
wall (newest first, five a page, filters) and what it keeps between reads."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from bot.clock import ManualClock
from bot.domain.errors import (
    NotLeadOrAdmin,
    NotTeamLead,
)
from bot.domain.wishes import (
    InvalidWishNote,
    WishState,
)
from bot.services import Services
from storage.db import Database
from tests.conftest import ADMIN_ID
from tests.service.wishes.scenes import ALICE, BOB, LEAD, NOTE, deliver, draft, post


async def test_a_lead_posts_a_wish_that_volunteers_see_without_the_private_note(
    services: Services, people: dict[int, int]
) -> None:
    wish = await post(services)
    assert wish.state is WishState.OPEN and wish.private_note == NOTE
    seen = await services.wishes.view(await services.roles.actor(ALICE), wish.id)
    assert seen.wish.private_note == "" and not seen.manages and seen.may.claim
    led = await services.wishes.view(await services.roles.actor(LEAD), wish.id)
    assert led.wish.private_note == NOTE and led.manages and not led.may.decide
    page = await services.wish_board.wall(0, 5, None, None)
    assert [w.private_note for w in page.wishes] == [""]


async def test_a_lead_of_another_team_sees_neither_the_private_note_nor_the_delivery_note(
    services: Services, people: dict[int, int]
) -> None:
    admin = await services.roles.actor(ADMIN_ID)
    await services.roles.promote(admin, people[ALICE], "blood")
    other_lead = await services.roles.actor(ALICE)
    wish = await post(services)
    await services.wishes.claim(BOB, wish.id)
    await deliver(services, BOB, wish)
    seen = await services.wishes.view(other_lead, wish.id)
    assert (seen.wish.private_note, seen.wish.delivery_note) == ("", None)
    assert not seen.manages and not seen.may.decide
    assert (await services.wishes.mine(other_lead)).awaiting == []


async def test_only_the_teams_leads_and_admins_post_wishes(
    services: Services, people: dict[int, int]
) -> None:
    with pytest.raises(NotTeamLead):
        await services.wishes.post(await services.roles.actor(BOB), draft())
    with pytest.raises(NotTeamLead):
        await services.wishes.post(await services.roles.actor(LEAD), draft(team="blood"))
    with pytest.raises(NotLeadOrAdmin):
        await services.wishes.teams_to_post(await services.roles.actor(BOB))
    posted = await services.wishes.post(await services.roles.actor(ADMIN_ID), draft(team="blood"))
    assert posted.team_key == "blood"
    assert (await services.wish_board.wall(0, 5, None, None)).total == 1


async def test_a_post_with_bad_fields_stores_nothing(
    services: Services, people: dict[int, int], db: Database
) -> None:
    with pytest.raises(InvalidWishNote):
        await post(services, note="x")
    async with db.reader.execute("SELECT COUNT(*) FROM wishes") as cursor:
        assert (await cursor.fetchone())[0] == 0


async def test_the_wall_is_newest_first_five_a_page_with_team_and_community_filters(
    services: Services, people: dict[int, int]
) -> None:
    titles = [f"心愿{n}号" for n in range(7)]
    for n, title in enumerate(titles):
        await post(services, title=title, community="东区" if n % 2 else "西区")
    await services.wishes.post(
        await services.roles.actor(ADMIN_ID), draft(title="献血车上的热水", team="blood")
    )
    first = await services.wish_board.wall(0, 5, None, None)
    assert [w.title for w in first.wishes] == ["献血车上的热水", *titles[::-1][:4]]
    assert (first.total, first.count) == (8, 2)
    second = await services.wish_board.wall(1, 5, None, None)
    assert [w.title for w in second.wishes] == titles[::-1][4:]
    assert (await services.wish_board.wall(9, 5, None, None)).number == 1, (
        "a forged page is clamped"
    )
    traffic = (await services.teams.all())[0]
    assert (await services.wish_board.wall(0, 5, traffic.id, None)).total == 7
    east = next(c for c, name, _ in await services.wish_board.communities(None) if name == "东区")
    eastern = await services.wish_board.wall(0, 5, traffic.id, east)
    assert [w.title for w in eastern.wishes] == ["心愿5号", "心愿3号", "心愿1号"]


async def test_a_wish_past_its_deadline_leaves_the_wall_even_before_the_job_runs(
    services: Services, people: dict[int, int], clock: ManualClock
) -> None:
    await post(services, deadline=date(2026, 11, 28))
    assert (await services.wish_board.wall(0, 5, None, None)).total == 1
    clock.advance(timedelta(days=2))
    assert (await services.wish_board.wall(0, 5, None, None)).total == 0


async def test_the_wall_shows_claims_releases_and_erasures_as_they_happen(
    services: Services, people: dict[int, int], clock: ManualClock
) -> None:
    wish = await post(services)
    board = services.wish_board
    assert (await board.wall(0, 5, None, None)).total == 1
    await services.wishes.claim(BOB, wish.id)
    assert (await board.wall(0, 5, None, None)).wishes == ()
    await services.wishes.release(BOB, wish.id)
    assert [w.id for w in (await board.wall(0, 5, None, None)).wishes] == [wish.id]
    await services.wishes.claim(BOB, wish.id)
    assert (await board.wall(0, 5, None, None)).total == 0
    await services.registration.forget(BOB)  # releases the claim outside the wish service
    clock.advance(timedelta(seconds=11))
    assert (await board.wall(0, 5, None, None)).total == 1, "within seconds"


async def test_the_post_button_is_offered_to_leads_and_admins_only(
    services: Services, people: dict[int, int]
) -> None:
    assert await services.wish_board.may_post(LEAD) and await services.wish_board.may_post(ADMIN_ID)
    assert not await services.wish_board.may_post(BOB)
    assert not await services.wish_board.may_post(424_242)


async def test_a_wall_read_while_a_claim_commits_is_not_kept_after_it(
    services: Services, people: dict[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Someone reads the wall between the claim's write and its commit (they see the wish
    still open): that page is dropped once the claim has committed, not shown for seconds."""
    from storage import wishes as wish_storage

    wish = await post(services)
    board = services.wish_board
    claim = wish_storage.claim
    seen_meanwhile = []

    async def claim_while_someone_reads(*args: Any) -> bool:
        claimed = await claim(*args)
        seen_meanwhile.append((await board.wall(0, 5, None, None)).total)
        return claimed

    monkeypatch.setattr(wish_storage, "claim", claim_while_someone_reads)
    await services.wishes.claim(BOB, wish.id)
    assert seen_meanwhile == [1], "the reader saw the wish before the claim committed"
    assert (await board.wall(0, 5, None, None)).total == 0

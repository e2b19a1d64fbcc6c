"""/forget_me while a team counts on the person (issue 13): the leads of a wish they claimed
and of a household they were paired with are told, without the person's name, and nothing of
the person is left in any table."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.domain.wishes import WishDraft
from bot.services import Services
from bot.services.households import HouseholdDraft
from storage.db import Database
from tests.conftest import ADMIN_ID
from tests.service.test_privacy import NAME, PERSON, PHONE, _scan_database
from tests.wording import says

LEAD = 11_111


async def _lead_texts(db: Database) -> list[str]:
    async with db.reader.execute(
        "SELECT text FROM outbox WHERE chat_id = ? ORDER BY id", (LEAD,)
    ) as cursor:
        return [row[0] for row in await cursor.fetchall()]


async def test_the_leads_learn_of_the_wish_and_household_an_erased_volunteer_leaves(
    services: Services, db: Database, register: Any
) -> None:
    lead_volunteer = await register(LEAD, "张队长", "13800000001", ("traffic",))
    person = await register(PERSON, NAME, PHONE, ("traffic",))
    admin = await services.roles.actor(ADMIN_ID)
    await services.roles.promote(admin, lead_volunteer.id, "traffic")
    lead = await services.roles.actor(LEAD)
    deadline = date(2026, 12, 20)
    wish = await services.wishes.post(
        lead, WishDraft("traffic", "一台电暖器", "", "中东西社区", None, deadline, None, "陈阿婆")
    )
    await services.wishes.claim(PERSON, wish.id)
    household = await services.households.register(
        lead, HouseholdDraft("traffic", "SP-017", "沙坪街道中东社区", (), 30, "王阿婆")
    )
    await services.households.pair(lead, household.id, person.id)
    before = await _lead_texts(db)

    await services.registration.forget(PERSON)

    told = (await _lead_texts(db))[len(before) :]
    assert any(says(text, "wish.claimer_left", title="一台电暖器") for text in told)
    assert any(
        says(text, "households.volunteer_left", code="SP-017", community="沙坪街道中东社区")
        for text in told
    )
    assert await _scan_database(db) == []

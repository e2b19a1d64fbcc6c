"""Issue 10, item 14: linking a group takes a lead (or admin) who runs the group, and a group of
another team is moved only on a confirmation naming that team."""

from __future__ import annotations

import pytest

from bot.domain.errors import NotGroupAdmin, NotLeadOrAdmin, UnknownTeam
from bot.services import Services
from storage import groups
from storage.db import Database
from tests.conftest import ADMIN_ID

GROUP = -100_999


async def _leads(services: Services, register) -> None:
    admin = await services.roles.actor(ADMIN_ID)
    traffic = await register(10, name="张队长", phone="13800000010", teams=("traffic",))
    blood = await register(11, name="王队长", phone="13800000011", teams=("blood",))
    await register(12, name="李四", phone="13800000012")
    await services.roles.promote(admin, traffic.id, "traffic")
    await services.roles.promote(admin, blood.id, "blood")


async def _team_of_group(db: Database) -> int | None:
    return await groups.team_of_chat(db.reader, GROUP)


async def test_item14_link_group_requires_group_admin(
    services: Services, db: Database, register
) -> None:
    await _leads(services, register)
    lead = await services.roles.actor(10)
    admin = await services.roles.actor(ADMIN_ID)
    for actor in (lead, admin):
        with pytest.raises(NotGroupAdmin):
            await services.groups.may_link(actor, group_admin=False)
        with pytest.raises(NotGroupAdmin):
            await services.groups.link(actor, GROUP, "群", "traffic", group_admin=False)
    # a volunteer is told they are no lead, whatever their place in the group
    volunteer = await services.roles.actor(12)
    for group_admin in (False, True):
        with pytest.raises(NotLeadOrAdmin):
            await services.groups.link(volunteer, GROUP, "群", "traffic", group_admin=group_admin)
    with pytest.raises(NotLeadOrAdmin):
        await services.groups.link(lead, GROUP, "群", "blood", group_admin=True)
    for bad_key in ("", "nope", "'; DROP TABLE team_groups; --", "x" * 5000):
        with pytest.raises(UnknownTeam):
            await services.groups.link(admin, GROUP, "群", bad_key, group_admin=True)
    assert await _team_of_group(db) is None
    outcome = await services.groups.link(lead, GROUP, "群", "traffic", group_admin=True)
    assert outcome.linked and outcome.team.key == "traffic"
    assert await _team_of_group(db) == outcome.team.id


async def test_item14_link_group_does_not_take_over_another_teams_group(
    services: Services, db: Database, register
) -> None:
    await _leads(services, register)
    traffic_lead, blood_lead = await services.roles.actor(10), await services.roles.actor(11)
    traffic = (
        await services.groups.link(traffic_lead, GROUP, "群", "traffic", group_admin=True)
    ).team
    asked = await services.groups.link(blood_lead, GROUP, "群", "blood", group_admin=True)
    assert (asked.linked, asked.team.key, asked.current) == (False, "blood", traffic)
    assert await _team_of_group(db) == traffic.id
    for wrong in (asked.team.id, 999, -1, 0):
        again = await services.groups.link(
            blood_lead, GROUP, "群", "blood", group_admin=True, replacing=wrong
        )
        assert not again.linked and again.current == traffic
    with pytest.raises(NotGroupAdmin):
        await services.groups.link(
            blood_lead, GROUP, "群", "blood", group_admin=False, replacing=traffic.id
        )
    assert await _team_of_group(db) == traffic.id
    moved = await services.groups.link(
        blood_lead, GROUP, "群", "blood", group_admin=True, replacing=traffic.id
    )
    assert moved.linked and await _team_of_group(db) == moved.team.id
    # the team's own group is linked again without a question
    relinked = await services.groups.link(blood_lead, GROUP, "新名", "blood", group_admin=True)
    assert relinked.linked

"""Roles: only admins promote, demote, search and add teams; the rest are refused unchanged."""

from __future__ import annotations

import pytest

from bot.clock import ManualClock
from bot.domain.errors import (
    AlreadyLead,
    InvalidSearch,
    InvalidTeamKey,
    NotAdmin,
    NotLead,
    TeamKeyTaken,
    UnknownTeam,
    UnknownVolunteer,
)
from bot.domain.models import Role
from bot.services import Services
from storage.db import Database
from tests.conftest import ADMIN_ID


async def _rows(db: Database, table: str) -> int:
    async with db.reader.execute(f"SELECT COUNT(*) FROM {table}") as cursor:
        return int((await cursor.fetchone())[0])


async def test_admin_promotes_and_demotes_a_lead_with_an_audit_trail(
    services: Services, db: Database, register
) -> None:
    volunteer = await register(1, name="张三")
    admin = await services.roles.actor(ADMIN_ID)
    assert admin.role is Role.ADMIN
    await services.accounts.seen(1, "zh-hans")
    change = await services.roles.promote(admin, volunteer.id, "traffic")
    assert change.notified and change.team.key == "traffic"
    lead = await services.roles.actor(1)
    assert lead.role is Role.LEAD and lead.lead_team_keys == {"traffic"}
    with pytest.raises(AlreadyLead):
        await services.roles.promote(admin, volunteer.id, "traffic")
    assignments = await services.roles.lead_assignments(admin)
    assert [(a.volunteer_name, a.team.key) for a in assignments] == [("张三", "traffic")]
    await services.roles.demote(admin, volunteer.id, "traffic")
    assert (await services.roles.actor(1)).role is Role.VOLUNTEER
    with pytest.raises(NotLead):
        await services.roles.demote(admin, volunteer.id, "traffic")
    assert await _rows(db, "role_changes") == 2


async def test_promote_refuses_unknown_volunteers_and_teams(services: Services, register) -> None:
    volunteer = await register(1)
    admin = await services.roles.actor(ADMIN_ID)
    with pytest.raises(UnknownVolunteer):
        await services.roles.promote(admin, 999, "traffic")
    with pytest.raises(UnknownTeam):
        await services.roles.promote(admin, volunteer.id, "nope")


async def test_a_volunteer_or_lead_cannot_use_admin_services(
    services: Services, db: Database, register
) -> None:
    target = await register(1, name="张三", phone="13800138000")
    await register(2, name="李四", phone="13900139000")
    admin = await services.roles.actor(ADMIN_ID)
    await services.roles.promote(admin, target.id, "traffic")
    for outsider_id in (1, 2, 404):
        outsider = await services.roles.actor(outsider_id)
        with pytest.raises(NotAdmin):
            await services.roles.promote(outsider, target.id, "blood")
        with pytest.raises(NotAdmin):
            await services.roles.demote(outsider, target.id, "traffic")
        with pytest.raises(NotAdmin):
            await services.roles.search(outsider, "张")
        with pytest.raises(NotAdmin):
            await services.roles.candidate(outsider, target.id)
        with pytest.raises(NotAdmin):
            await services.roles.lead_assignments(outsider)
        with pytest.raises(NotAdmin):
            await services.teams.overview(outsider)
        with pytest.raises(NotAdmin):
            await services.teams.add(outsider, "elderly", "敬老", "Elderly")
    assert (await services.roles.actor(1)).lead_team_keys == {"traffic"}
    assert await _rows(db, "team_leads") == 1
    assert await _rows(db, "teams") == 3


async def test_search_matches_name_or_phone_fragments_literally(
    services: Services, register
) -> None:
    await register(1, name="张三", phone="13800138000")
    await register(2, name="张三丰", phone="13900139000")
    await register(3, name="李四", phone="13700137000")
    admin = await services.roles.actor(ADMIN_ID)
    assert [v.name for v in await services.roles.search(admin, "张")] == ["张三", "张三丰"]
    assert [v.name for v in await services.roles.search(admin, "0139")] == ["张三丰"]
    assert await services.roles.search(admin, "%") == []
    assert await services.roles.search(admin, "' OR 1=1 --") == []
    with pytest.raises(InvalidSearch):
        await services.roles.search(admin, "")
    await services.registration.forget(1)
    assert [v.name for v in await services.roles.search(admin, "张")] == ["张三丰"]


async def test_admin_adds_a_team_once(services: Services) -> None:
    admin = await services.roles.actor(ADMIN_ID)
    team = await services.teams.add(admin, "elderly", "敬老助残志愿服务队", "Elderly Care")
    assert team.key == "elderly"
    with pytest.raises(TeamKeyTaken):
        await services.teams.add(admin, "elderly", "x", "y")
    with pytest.raises(InvalidTeamKey):
        await services.teams.add(admin, "Bad Key", "x", "y")
    overview = await services.teams.overview(admin)
    assert [item.team.key for item in overview][-1] == "elderly"


async def test_team_overview_counts_members_and_names_leads(services: Services, register) -> None:
    lead = await register(1, name="张三", phone="13800138000", teams=("traffic", "blood"))
    await register(2, name="李四", phone="13900139000", teams=("traffic",))
    admin = await services.roles.actor(ADMIN_ID)
    await services.roles.promote(admin, lead.id, "traffic")
    overview = {item.team.key: item for item in await services.teams.overview(admin)}
    assert overview["traffic"].member_count == 2 and overview["traffic"].lead_names == ("张三",)
    assert overview["blood"].member_count == 1 and overview["sunshine"].member_count == 0


async def _notices(db: Database) -> list[tuple[int, str, str]]:
    async with db.reader.execute("SELECT chat_id, state, text FROM outbox ORDER BY id") as cursor:
        return [tuple(row) for row in await cursor.fetchall()]


async def test_the_role_notice_is_queued_with_the_change_in_the_persons_language(
    services: Services, db: Database, register
) -> None:
    zhang = await register(1, name="张三", phone="13800138000")
    lucy = await register(2, name="Lucy Li", phone="13900139000")
    await services.accounts.seen(1, "zh-hans")
    await services.accounts.seen(2, "en")
    admin = await services.roles.actor(ADMIN_ID)
    await services.roles.promote(admin, zhang.id, "traffic")
    await services.roles.promote(admin, lucy.id, "blood")
    assert await _notices(db) == [
        (1, "pending", "您已被任命为文明交通志愿服务队的队长。发送 /help 查看可用功能。"),
        (
            2,
            "pending",
            "You are now a lead of Unpaid Blood Donation Volunteers."
            " Send /help to see what you can do.",
        ),
    ]


async def test_an_unreachable_person_is_recorded_as_not_told(
    services: Services, db: Database, register, clock: ManualClock
) -> None:
    never_wrote = await register(1, name="张三", phone="13800138000")
    blocked = await register(2, name="李四", phone="13900139000")
    await services.accounts.seen(2, "zh")
    await services.accounts.unreachable(2, clock.now())
    admin = await services.roles.actor(ADMIN_ID)
    assert not (await services.roles.promote(admin, never_wrote.id, "traffic")).notified
    assert not (await services.roles.promote(admin, blocked.id, "traffic")).notified
    assert [state for _, state, _ in await _notices(db)] == ["blocked", "blocked"]


async def test_a_refused_promotion_queues_no_notice(
    services: Services, db: Database, register
) -> None:
    volunteer = await register(1)
    outsider = await services.roles.actor(1)
    with pytest.raises(NotAdmin):
        await services.roles.promote(outsider, volunteer.id, "traffic")
    assert await _notices(db) == []

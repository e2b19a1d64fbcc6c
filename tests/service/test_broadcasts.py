"""Broadcasts and group links: who may send to whom, and what the outbox holds afterwards."""

from __future__ import annotations

import pytest

from bot.clock import ManualClock
from bot.domain.errors import (
    AudienceNotAllowed,
    InvalidBroadcastText,
    NotBroadcastAuthor,
    NotLeadOrAdmin,
    UnknownTeam,
)
from bot.services import Services
from storage.db import Database
from tests.conftest import ADMIN_ID

GROUP = -100123


async def _rows(db: Database) -> list[tuple[int, str, str]]:
    async with db.reader.execute("SELECT chat_id, state, text FROM outbox ORDER BY id") as cursor:
        return [tuple(row) for row in await cursor.fetchall()]


@pytest.fixture
async def people(services: Services, register, clock: ManualClock) -> dict[str, int]:
    """A lead of traffic, two traffic members (zh, en), one blood member, one unreachable."""
    lead = await register(10, name="张队长", phone="13800000010", teams=("traffic",))
    await register(11, name="李四", phone="13800000011", teams=("traffic",))
    await register(12, name="Lucy Li", phone="13800000012", teams=("traffic", "blood"))
    await register(13, name="王五", phone="13800000013", teams=("blood",))
    await register(14, name="赵六", phone="13800000014", teams=("traffic",))
    for telegram_id, code in [(10, "zh"), (11, "zh"), (12, "en"), (13, "zh"), (14, "zh")]:
        await services.accounts.seen(telegram_id, code)
    await services.accounts.unreachable(14, clock.now())
    admin = await services.roles.actor(ADMIN_ID)
    await services.roles.promote(admin, lead.id, "traffic")
    return {"lead": 10}


async def _clear_outbox(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.execute("DELETE FROM outbox")


async def test_a_lead_may_address_only_their_teams_and_an_admin_everyone(
    services: Services, people
) -> None:
    lead = await services.roles.actor(10)
    assert [a.key for a in await services.broadcasts.audiences(lead)] == ["team:traffic"]
    admin = await services.roles.actor(ADMIN_ID)
    keys = [a.key for a in await services.broadcasts.audiences(admin)]
    assert keys == ["all", "team:traffic", "team:blood", "team:sunshine"]
    with pytest.raises(AudienceNotAllowed):
        await services.broadcasts.audience(lead, "team:blood")
    with pytest.raises(AudienceNotAllowed):
        await services.broadcasts.audience(lead, "all")
    for outsider in (11, 404):
        with pytest.raises(NotLeadOrAdmin):
            await services.broadcasts.audiences(await services.roles.actor(outsider))


async def test_a_broadcast_queues_one_row_per_member_in_their_language(
    services: Services, db: Database, people
) -> None:
    await _clear_outbox(db)
    lead = await services.roles.actor(10)
    await services.groups.link(lead, GROUP, "交通队群", "traffic", group_admin=True)
    status = await services.broadcasts.start(lead, "team:traffic", "  明早 8 点集合  ", 10)
    assert status.counts.pending == 5
    rows = await _rows(db)
    assert rows == [
        (10, "pending", "📢 文明交通志愿服务队\n\n明早 8 点集合"),
        (11, "pending", "📢 文明交通志愿服务队\n\n明早 8 点集合"),
        (12, "pending", "📢 Civility Traffic Volunteers\n\n明早 8 点集合"),
        (14, "blocked", "📢 文明交通志愿服务队\n\n明早 8 点集合"),
        (GROUP, "pending", "📢 文明交通志愿服务队\n\n明早 8 点集合"),
    ]
    counts = (await services.broadcasts.status(status.broadcast.id)).counts
    assert (counts.pending, counts.blocked, counts.total) == (4, 1, 5)


async def test_forgotten_people_are_not_in_any_audience(
    services: Services, db: Database, people
) -> None:
    await _clear_outbox(db)
    await services.registration.forget(11)
    admin = await services.roles.actor(ADMIN_ID)
    await services.broadcasts.start(admin, "all", "hello", ADMIN_ID)
    assert sorted(chat for chat, _, _ in await _rows(db)) == [10, 12, 13, 14]


@pytest.mark.parametrize("bad", ["", "   ", "x" * 4096, "a\x00b", "\x1b[31mred"])
async def test_bad_broadcast_text_is_refused_and_nothing_is_queued(
    services: Services, db: Database, people, bad: str
) -> None:
    await _clear_outbox(db)
    lead = await services.roles.actor(10)
    with pytest.raises(InvalidBroadcastText) as raised:
        await services.broadcasts.start(lead, "team:traffic", bad, 10)
    assert raised.value.params["max"] < 4096
    assert await _rows(db) == []


async def test_the_longest_allowed_text_fits_telegrams_limit_in_every_language(
    services: Services, db: Database, people
) -> None:
    admin = await services.roles.actor(ADMIN_ID)
    audience = await services.broadcasts.audience(admin, "team:traffic")
    body = "长" * services.broadcasts.max_body(audience)
    await services.broadcasts.start(admin, "team:traffic", body, ADMIN_ID)
    assert max(len(text) for _, _, text in await _rows(db)) <= 4096


async def test_only_the_author_or_an_admin_stops_a_broadcast(
    services: Services, db: Database, people
) -> None:
    lead = await services.roles.actor(10)
    status = await services.broadcasts.start(lead, "team:traffic", "hello", 10)
    for outsider in (11, 12, 404):
        with pytest.raises(NotBroadcastAuthor):
            await services.broadcasts.stop(
                await services.roles.actor(outsider), status.broadcast.id
            )
    assert (await services.broadcasts.status(status.broadcast.id)).broadcast.state == "running"
    stopped = await services.broadcasts.stop(
        await services.roles.actor(ADMIN_ID), status.broadcast.id
    )
    assert stopped.broadcast.state == "stopped"
    assert (stopped.counts.cancelled, stopped.counts.blocked, stopped.counts.pending) == (3, 1, 0)


async def test_group_links_follow_the_lead_role(services: Services, people) -> None:
    lead = await services.roles.actor(10)
    assert [t.key for t in await services.groups.linkable_teams(lead)] == ["traffic"]
    with pytest.raises(NotLeadOrAdmin):
        await services.groups.link(lead, GROUP, "x", "blood", group_admin=True)
    with pytest.raises(UnknownTeam):
        await services.groups.link(lead, GROUP, "x", "nope", group_admin=True)
    with pytest.raises(NotLeadOrAdmin):
        await services.groups.link(
            await services.roles.actor(11), GROUP, "x", "traffic", group_admin=True
        )
    await services.groups.link(lead, GROUP, "交通队群", "traffic", group_admin=True)
    await services.groups.link(lead, GROUP - 1, "新群", "traffic", group_admin=True)
    assert await services.groups.bot_removed(GROUP) is False, "the team moved to the new group"
    assert await services.groups.bot_removed(GROUP - 1) is True


async def test_item7_a_broadcast_without_progress_message_is_reported_once_by_message(
    services: Services, db: Database, people
) -> None:
    service = services.broadcasts
    status = await service.start(await services.roles.actor(10), "team:traffic", "集合", 10)
    broadcast = status.broadcast
    assert service.progress_coming(broadcast), "this process is posting its progress message"
    service.progress_not_posted(broadcast.id)
    assert not service.progress_coming(broadcast)
    assert [s.broadcast.id for s in await service.unreported()] == [broadcast.id]
    assert not await service.complete_if_finished(await service.status(broadcast.id))
    await service.report_by_message(broadcast, "too early")
    assert "too early" not in [text for _, _, text in await _rows(db)], "running: no report"
    await _clear_outbox(db)  # every row ended
    assert await service.complete_if_finished(await service.status(broadcast.id))
    ended = (await service.status(broadcast.id)).broadcast
    await service.report_by_message(ended, "✅ finished")
    await service.report_by_message(ended, "✅ finished")
    assert await _rows(db) == [(10, "pending", "✅ finished")], "queued once"
    assert (await service.status(broadcast.id)).broadcast.reported
    assert await service.unreported() == []

"""The weekly fulfilled wall of micro-wishes (issue 13): last week's confirmed wishes to each
linked team's group as a picture with a caption, the city-wide count by community to the
admins, each once per week. Time is injected."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.clock import ManualClock
from bot.domain.wishes import WishDraft
from bot.services import Services
from bot.services.wish_digest import FulfilledWall
from storage.db import Database
from tests.conftest import ADMIN_ID

LEAD, BOB = 601, 602
GROUP = -100_777
NOTE = "受助人：陈阿婆，电话 13712340000"
# Monday 30 November 2026, 09:00 in Shanghai: last week's posts are due.
POSTING_TIME = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)


@pytest.fixture
async def fulfilled(services: Services, db: Database, register: Any, clock: ManualClock) -> None:
    """Two wishes of the traffic team, in two communities, fulfilled this week (the week of
    23 November); its group is linked; one wish of the blood team (no group) fulfilled too."""
    lead = await register(LEAD, "李队长", "13800000001", ("traffic", "blood"))
    await register(BOB, "赵大勇", "13800000002", ("traffic",))
    admin = await services.roles.actor(ADMIN_ID)
    await services.roles.promote(admin, lead.id, "traffic")
    await services.roles.promote(admin, lead.id, "blood")
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO team_groups (chat_id, team_id, title, linked_by, linked_at)"
            " SELECT ?, id, '交通队群', ?, ? FROM teams WHERE key = 'traffic'",
            (GROUP, LEAD, clock.now().isoformat()),
        )
    lead_actor = await services.roles.actor(LEAD)
    for team, title, community in (
        ("traffic", "一台电暖器", "中东西社区"),
        ("traffic", "一袋大米", "沙坪社区"),
        ("blood", "一床棉被", "中东西社区"),
    ):
        draft = WishDraft(team, title, "", community, None, date(2026, 12, 20), None, NOTE)
        wish = await services.wishes.post(lead_actor, draft)
        await services.wishes.claim(BOB, wish.id)
        bob = await services.roles.actor(BOB)
        await services.wishes.deliver(bob, wish.id, f"AgAC-{title}", "送到了", 60)
        await services.wishes.confirm(lead_actor, wish.id)


def _read(path: str) -> bytes:
    return Path(path).read_bytes()


async def _messages(db: Database, kind: str) -> list[dict[str, Any]]:
    async with db.reader.execute(
        "SELECT chat_id, text, file_path, file_kind FROM outbox WHERE kind = ? ORDER BY id",
        (kind,),
    ) as cursor:
        return [dict(row) for row in await cursor.fetchall()]


async def test_the_fulfilled_wall_goes_to_the_teams_group_once_a_week(
    services: Services, db: Database, clock: ManualClock, fulfilled: None
) -> None:
    drawn: list[FulfilledWall] = []

    async def draw(wall: FulfilledWall) -> bytes:
        drawn.append(wall)
        return b"\x89PNG wall"

    assert await services.wish_digests.queue_walls(draw) == 0, "before Monday's posting time"
    clock.advance(POSTING_TIME - clock.now())
    assert await services.wish_digests.queue_walls(draw) == 2  # the group, and the one admin
    [wall] = drawn
    assert [w.title for w in wall.wishes] == ["一台电暖器", "一袋大米"]
    assert [w.delivery_photo for w in wall.photos()] == ["AgAC-一台电暖器", "AgAC-一袋大米"]
    assert all(w.private_note == "" and w.delivery_note is None for w in wall.wishes)
    [post] = await _messages(db, "wish_wall")
    assert post["chat_id"] == GROUP and post["file_kind"] == "photo"
    assert _read(post["file_path"]) == b"\x89PNG wall"
    assert "一台电暖器" in post["text"] and "一袋大米" in post["text"] and NOTE not in post["text"]
    [city] = await _messages(db, "wish_city")
    assert city["chat_id"] == ADMIN_ID
    assert "中东西社区" in city["text"] and "沙坪社区" in city["text"]
    assert "3" in city["text"], "the city counts every team's wishes, the blood team's too"
    clock.advance(timedelta(hours=2))
    assert await services.wish_digests.queue_walls(draw) == 0, "once a week"
    assert len(drawn) == 1


async def test_a_wall_that_cannot_be_drawn_goes_out_as_text(
    services: Services, db: Database, clock: ManualClock, fulfilled: None
) -> None:
    async def draw(wall: FulfilledWall) -> bytes:
        raise RuntimeError("MuPDF failed")

    clock.advance(POSTING_TIME - clock.now())
    await services.wish_digests.queue_walls(draw)
    [post] = await _messages(db, "wish_wall")
    assert post["file_path"] is None and "一台电暖器" in post["text"]


async def test_a_quiet_week_posts_nothing(
    services: Services, db: Database, clock: ManualClock, fulfilled: None
) -> None:
    async def draw(wall: FulfilledWall) -> bytes:
        raise AssertionError("nothing to draw")

    clock.advance(POSTING_TIME + timedelta(days=7) - clock.now())
    assert await services.wish_digests.queue_walls(draw) == 0
    assert await _messages(db, "wish_wall") == [] and await _messages(db, "wish_city") == []

"""/forget_me and micro-wishes (issue 13): the person's claims go back to the wall, their
delivery notes and photos are dropped, what they wrote as a lead loses their name and number,
and the scan of every column of every table (tests/service/test_privacy.py) finds nothing of
them, the wish tables included."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from bot.clock import ManualClock
from bot.config import Config
from bot.domain.hours import RecordState
from bot.domain.wishes import WishDraft, WishState
from bot.services import Services, files_folder
from bot.services.wish_digest import FulfilledWall
from storage.db import Database
from tests.conftest import ADMIN_ID
from tests.service.test_privacy import NAME, PERSON, PHONE, _scan_database

LEAD, OTHER = 701, 702


def _draft(title: str, team: str, note: str) -> WishDraft:
    return WishDraft(team, title, "", "中东西社区", None, date(2026, 12, 20), "AgACwish", note)


async def test_forget_me_releases_claims_and_redacts_notes_and_photos(
    services: Services, db: Database, register: Any, clock: ManualClock, config: Config
) -> None:
    person = await register(PERSON, NAME, PHONE, ("traffic", "blood"))
    lead = await register(LEAD, "李队长", "13800000001", ("traffic",))
    await register(OTHER, "赵大勇", "13800000002", ("traffic",))
    admin = await services.roles.actor(ADMIN_ID)
    await services.roles.promote(admin, lead.id, "traffic")
    await services.roles.promote(admin, person.id, "blood")
    lead_actor = await services.roles.actor(LEAD)
    person_actor = await services.roles.actor(PERSON)

    # As the blood team's lead, the person posts a wish whose private note gives their own
    # name and number as the contact.
    theirs = await services.wishes.post(
        person_actor, _draft("献血车上的热水", "blood", f"有事找{NAME}，电话{PHONE}")
    )
    # As a volunteer: one wish delivered and confirmed, one delivered and waiting, one claimed.
    confirmed, waiting, claimed = [
        await services.wishes.post(lead_actor, _draft(title, "traffic", "陈阿婆，5栋"))
        for title in ("一台电暖器", "一袋大米", "一床棉被")
    ]
    for wish in (confirmed, waiting, claimed):
        await services.wishes.claim(PERSON, wish.id)
    note = f"{NAME}送到了，有问题打{PHONE}"
    for wish in (confirmed, waiting):
        await services.wishes.deliver(person_actor, wish.id, "AgACdelivery", note, 60)
    record = await services.wishes.confirm(lead_actor, confirmed.id)
    assert any(leak.startswith("wishes.") for leak in await _scan_database(db))
    # The fulfilled wall with their delivery photo, drawn and waiting to go to the group.
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO team_groups (chat_id, team_id, title, linked_by, linked_at)"
            " SELECT -100999, id, '交通队群', ?, ? FROM teams WHERE key = 'traffic'",
            (LEAD, clock.now().isoformat()),
        )
    clock.advance(datetime(2026, 11, 30, 1, 0, tzinfo=UTC) - clock.now())

    async def draw(wall: FulfilledWall) -> bytes:
        return b"\xff\xd8 the wall"

    assert await services.wish_digests.queue_walls(draw) >= 1
    [wall] = [p for p in files_folder(config).iterdir() if p.name.startswith("wishes-week-")]

    await services.registration.forget(PERSON)

    assert not wall.exists(), "the picture with their photo is deleted"
    async with db.reader.execute(
        "SELECT file_path, state FROM outbox WHERE kind = 'wish_wall'"
    ) as cursor:
        assert [tuple(row) for row in await cursor.fetchall()] == [(None, "pending")]

    assert await _scan_database(db) == []
    other = await services.roles.actor(OTHER)
    for wish in (waiting, claimed):
        view = await services.wishes.view(other, wish.id)
        assert view.wish.state is WishState.OPEN and view.may.claim, "back on the wall"
    kept = await services.wishes.view(lead_actor, confirmed.id)
    assert kept.wish.state is WishState.CONFIRMED
    assert (kept.wish.delivery_photo, kept.wish.delivery_note) == (None, None)
    assert kept.claimer is None, "no name left to show"
    admin_view = await services.wishes.view(admin, theirs.id)
    assert admin_view.wish.private_note == "有事找***，电话***"
    assert admin_view.wish.posted_by == 0
    stays = await services.records.record_view(admin, record.id)
    assert stays.record.state is RecordState.APPROVED and stays.record.minutes == 60

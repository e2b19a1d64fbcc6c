"""/forget_me erases by key, not by guessing at text: a name that is an ordinary word leaves
other people's records alone, an old name leaves with the person, an admin stays accountable
for what they did, and leads erased before the audit moved out are scrubbed by migration 010
(issue 10, item 10, and item 5's reviewer rule)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import aiosqlite
import pytest

from bot.clock import ManualClock
from bot.config import Config
from bot.domain.errors import SelfReview
from bot.domain.hours import RecordState
from bot.domain.models import Activity
from bot.services import Services
from storage import db as storage_db
from storage.db import Database, migrate
from tests.conftest import ADMIN_ID, make_config

SECOND_ADMIN = 900_002
LEAD, ORDINARY, ANNA = 11_111, 22_222, 33_333


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return make_config(tmp_path, org={"admins": [ADMIN_ID, SECOND_ADMIN]})


async def _texts(db: Database, sql: str) -> list[str]:
    async with db.reader.execute(sql) as cursor:
        return [str(row[0]) for row in await cursor.fetchall()]


async def test_item10_a_name_that_is_an_ordinary_word_leaves_other_records_alone(
    services: Services, db: Database, clock: ManualClock, register
) -> None:
    admin = await services.roles.actor(ADMIN_ID)
    lead = await register(LEAD, name="张队长", phone="13800000001")
    await services.roles.promote(admin, lead.id, "traffic")
    start = clock.now() + timedelta(days=2)
    activity = await services.activities.create(
        await services.roles.actor(LEAD),
        Activity(
            0,
            "traffic",
            "人民路口文明交通劝导",
            "traffic",
            start,
            start + timedelta(hours=2),
            "人民路",
            5,
            "published",
        ),
    )
    other = await register(ANNA, name="安娜", phone="13800000003")
    await services.signups.sign_up(ANNA, activity.id)
    await services.records.add_manual(
        admin, other.id, "traffic", date(2026, 11, 20), 60, "文明交通宣传", "纸质签到表补录"
    )
    named_like_a_word = await register(ORDINARY, name="交通", phone="13800000002")
    await services.signups.sign_up(ORDINARY, activity.id)
    await services.registration.forget(ORDINARY)

    assert await _texts(db, "SELECT title FROM activities") == ["人民路口文明交通劝导"]
    assert await _texts(db, "SELECT title FROM service_records") == ["文明交通宣传"]
    announcements = await _texts(db, f"SELECT text FROM outbox WHERE chat_id = {ANNA}")
    assert announcements and all("***" not in text for text in announcements)
    assert named_like_a_word.id  # the row stays, stripped


async def test_item10_an_old_name_leaves_with_the_person(
    services: Services, db: Database, register
) -> None:
    admin = await services.roles.actor(ADMIN_ID)
    lead = await register(LEAD, name="张队长", phone="13800000001")
    await services.roles.promote(admin, lead.id, "traffic")
    anna = await register(ANNA, name="安娜", phone="13800000003")
    record = await services.records.add_manual(
        admin, anna.id, "traffic", date(2026, 11, 20), 60, "植树", "纸质签到表补录"
    )
    await services.records.dispute(ANNA, record.id, "实际两小时")
    await services.registration.change_name(ANNA, "王小美")
    await services.registration.forget(ANNA)
    leftovers = await _texts(db, "SELECT text FROM outbox WHERE instr(text, '安娜') > 0")
    assert leftovers == []


async def test_item5_an_admin_who_erased_their_profile_still_cannot_review_their_own_addition(
    services: Services, register
) -> None:
    await register(ADMIN_ID, name="管理员甲", phone="13800000009")
    anna = await register(ANNA, name="安娜", phone="13800000003")
    admin = await services.roles.actor(ADMIN_ID)
    day = date(2026, 11, 20)
    held = await services.records.add_manual(
        admin, anna.id, "traffic", day, 10 * 60, "通宵值守", "值班表补录核实"
    )
    assert held.state is RecordState.REVIEW
    await services.registration.forget(ADMIN_ID)
    with pytest.raises(SelfReview):
        await services.records.approve_review(await services.roles.actor(ADMIN_ID), held.id)
    other = await services.roles.actor(SECOND_ADMIN)
    assert (await services.records.approve_review(other, held.id)).state is RecordState.APPROVED


async def test_item10_migration_scrubs_leads_erased_before_the_audit_moved_out(
    tmp_path: Path,
) -> None:
    """The erasure before migration 009 logged a lead's own demotion with their Telegram id as
    the actor, and left their account and their id on what they did."""
    conn = await aiosqlite.connect(tmp_path / "old.sqlite3", isolation_level=None)
    try:
        shipped = storage_db.migrations()
        original = storage_db.migrations
        storage_db.migrations = lambda: [m for m in shipped if m[0] < 9]  # type: ignore[assignment]
        try:
            await migrate(conn)
        finally:
            storage_db.migrations = original  # type: ignore[assignment]
        now, erased, again = "2026-11-27T08:00:00+00:00", 55_555_555, 66_666_666
        await conn.executescript(
            f"""
            INSERT INTO teams (id, key, name_zh, name_en, created_at)
                VALUES (1, 'traffic', '交通', 'Traffic', '{now}');
            INSERT INTO volunteers (id, telegram_id, name, phone, consent_at, registered_at,
                updated_at, forgotten_at) VALUES
                (1, NULL, NULL, NULL, NULL, '{now}', '{now}', '{now}'),
                (2, NULL, NULL, NULL, NULL, '{now}', '{now}', '{now}'),
                (3, {again}, '又来了', '+8613700000000', '{now}', '{now}', '{now}', NULL);
            INSERT INTO role_changes (at, actor_telegram_id, action, volunteer_id, team_id)
                VALUES ('{now}', {erased}, 'demote', 1, 1), ('{now}', {again}, 'demote', 2, 1);
            INSERT INTO accounts (telegram_id, first_seen, last_seen)
                VALUES ({erased}, '{now}', '{now}'), ({again}, '{now}', '{now}');
            INSERT INTO activities (id, team_id, title, category, starts_at, ends_at, place,
                capacity, state, created_by, created_at, updated_at)
                VALUES (1, 1, 't', 'traffic', '{now}', '2026-11-27T10:00:00+00:00', 'p', 5,
                'published', {erased},
                '{now}', '{now}');
            """
        )
        await migrate(conn)
        async with conn.execute("SELECT telegram_id FROM accounts") as cursor:
            assert [row[0] for row in await cursor.fetchall()] == [again]  # registered again
        async with conn.execute("SELECT created_by FROM activities") as cursor:
            assert [row[0] for row in await cursor.fetchall()] == [0]
        async with conn.execute("SELECT actor_telegram_id FROM role_changes ORDER BY id") as cur:
            assert [row[0] for row in await cur.fetchall()] == [0, again]
        with pytest.raises(aiosqlite.IntegrityError):  # still append-only
            await conn.execute("UPDATE role_changes SET actor_telegram_id = 1")
    finally:
        await conn.close()

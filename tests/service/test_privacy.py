"""Privacy: /forget_me leaves nothing that names or addresses the person (issue 10, item 10),
and retention of messages, broadcast bodies and chart files (item 11). Time is injected."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import aiosqlite
import pytest

from bot.clock import ManualClock
from bot.config import Config
from bot.domain.models import Activity, Actor, Team, Volunteer
from bot.domain.ranking import Ranked
from bot.services import Services, files_folder
from bot.services.reports import HonorRoll, display_name
from storage.db import Database, migrate
from storage.reports import MemberTotal
from tests.conftest import ADMIN_ID

# The person who erases their data: a volunteer of the traffic team and a lead of the blood
# team. Their name, number and Telegram id are distinctive, so a scan cannot match by chance.
PERSON, NAME, PHONE = 987_654_321, "隐私测试员", "13912345678"
OPENID = "o-privacy-6Fq2uX9wKz"  # their WeChat account, linked to this registration
LEAD, MEMBER, GROUP = 11_111, 22_222, -100_555


def _hits(value: object) -> list[str]:
    """Which of the person's identifiers a stored value contains."""
    if value is None:
        return []
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    needles = (("name", NAME), ("phone", PHONE), ("openid", OPENID))
    found = [label for label, needle in needles if needle in text]
    if str(PERSON) in text:
        found.append("telegram id")
    return found


async def _scan_database(db: Database) -> list[str]:
    """Every column of every table (enumerated from sqlite_master, so that tables added later
    are covered too) that still holds the person's name, phone digits or Telegram id."""
    leaks = []
    async with db.reader.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ) as cursor:
        tables = [row[0] for row in await cursor.fetchall()]
    assert {"outbox", "record_audit", "record_notes", "audit_actors", "accounts"} <= set(tables)
    for table in tables:
        async with db.reader.execute(f'SELECT * FROM "{table}"') as cursor:
            columns = [item[0] for item in cursor.description]
            for row in await cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    for hit in _hits(value):
                        leaks.append(f"{table}.{column}: {hit} in {value!r}")
    return leaks


def _scan_files(folder: Path) -> list[str]:
    return [
        f"{path}: {hit}"
        for path in sorted(folder.rglob("*"))
        if path.is_file()
        for hit in _hits(path.read_bytes())
    ]


async def _mark_sent(db: Database) -> None:
    """What the sender does: every queued row so far went out."""
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE outbox SET state = 'sent', telegram_message_id = id, attempts = 1"
            " WHERE state = 'pending'"
        )


def _activity(start: datetime, title: str) -> Activity:
    return Activity(
        0,
        "traffic",
        title,
        "traffic",
        start,
        start + timedelta(hours=2),
        "人民路与中山路交叉口",
        10,
        "published",
    )


@dataclass
class Erasure:
    """The person's trail through every feature, and what a test needs to look at it."""

    services: Services
    db: Database
    config: Config
    person: Volunteer
    lead_actor: Actor
    record_id: int
    certificate_code: str
    broadcast_id: int

    @property
    def files(self) -> Path:
        return files_folder(self.config)

    async def forget(self) -> None:
        await self.services.registration.forget(PERSON)


@pytest.fixture
async def erasure(
    services: Services, db: Database, clock: ManualClock, register, config: Config
) -> Erasure:
    """The person, a volunteer of the traffic team and lead of the blood team, leaves a trail
    in every feature: an approved record with a dispute quoting their name and number, a
    certificate, a late cancellation, a broadcast signed with their name, the weekly board."""
    admin = await services.roles.actor(ADMIN_ID)
    await services.accounts.seen(PERSON, "zh-hans")  # what every update from them records
    await services.accounts.choose_language(PERSON, "zh")
    person = await register(PERSON, name=NAME, phone=PHONE, teams=("traffic", "blood"))
    lead = await register(LEAD, name="张队长", phone="13800000001", teams=("traffic",))
    await register(MEMBER, name="李四", phone="13800000002", teams=("blood", "traffic"))
    await services.roles.promote(admin, lead.id, "traffic")
    await services.roles.promote(admin, person.id, "blood")
    lead_actor = await services.roles.actor(LEAD)
    # Their WeChat account, linked by a code shown on Telegram; and a code not used yet.
    wechat = await services.identities.wechat_user(OPENID, "zh_CN")
    await services.identities.link(wechat, await services.identities.link_code(PERSON))
    await services.identities.link_code(PERSON)
    async with db.transaction() as tx:  # the traffic team's group, linked by the person
        await tx.execute(
            "INSERT INTO team_groups (chat_id, team_id, title, linked_by, linked_at)"
            " SELECT ?, id, '交通队群', ?, ? FROM teams WHERE key = 'traffic'",
            (GROUP, PERSON, clock.now().isoformat()),
        )

    # Check-in by the lead's code, check-out, the sheet approved: an approved record.
    activity = await services.activities.create(
        lead_actor, _activity(clock.now() + timedelta(days=1, hours=1), "人民路口文明交通劝导")
    )
    await services.signups.sign_up(PERSON, activity.id)
    await services.signups.sign_up(MEMBER, activity.id)
    clock.advance(activity.starts_at - clock.now())
    _, code, _ = await services.checkin.issue_code(lead_actor, activity.id)
    await services.checkin.check_in_by_code(PERSON, code)
    await services.checkin.check_in_by_code(MEMBER, code)
    clock.advance(timedelta(hours=2))
    await services.checkin.check_out(PERSON, activity.id)
    await services.checkin.check_out(MEMBER, activity.id)
    clock.advance(timedelta(minutes=services.checkin.config.checkout_grace_minutes + 1))
    assert await services.attendance.make_sheets() == 1
    await services.attendance.approve_sheet(lead_actor, activity.id)
    [mine] = (await services.records.records(PERSON, 0))[0]

    # A dispute quoting the person's own name and number, resolved by the lead.
    await services.records.dispute(PERSON, mine.id, f"我是{NAME}，电话{PHONE}，我提前十分钟就到了")
    await services.records.resolve(lead_actor, mine.id, None, f"核实：{NAME}按时到场，时长不变")
    await _mark_sent(db)

    # A certificate with the person's name as its holder.
    certificate = await services.certificates.issue_certificate(PERSON, {})
    assert certificate.holder == NAME

    # A late cancellation: the lead is alerted by name.
    soon = await services.activities.create(
        lead_actor, _activity(clock.now() + timedelta(hours=3), "晚高峰劝导")
    )
    await services.signups.sign_up(PERSON, soon.id)
    await services.signups.cancel(PERSON, soon.id)

    # A broadcast as the blood team's lead, signed with the name and number.
    person_actor = await services.roles.actor(PERSON)
    status = await services.broadcasts.start(
        person_actor, "team:blood", f"周六献血车集合，联系{NAME} {PHONE}", PERSON
    )
    await services.broadcasts.attach_progress(status.broadcast.id, 777)
    await _mark_sent(db)

    # The weekly board of the traffic team, with the person on it, drawn into the files folder
    # (a stand-in picture that carries the names as text, so that the file scan can see them).
    clock.advance(datetime(2026, 11, 30, 2, 0, tzinfo=UTC) - clock.now())

    def chart(team: Team, ranked: list[Ranked[MemberTotal]], start: date, end: date) -> bytes:
        names = " ".join(display_name(entry.key) or "-" for entry in ranked)
        return b"\x89PNG\r\n" + names.encode()

    def caption(team: Team, ranked: list[Ranked[MemberTotal]], start: date, end: date) -> str:
        return "本周榜单：" + "、".join(display_name(entry.key) or "-" for entry in ranked)

    def roll_chart(roll: HonorRoll, reader: object) -> bytes:
        return b"\x89PNG\r\n"

    def roll_caption(roll: HonorRoll, reader: object) -> str:
        return "红榜"

    assert await services.reports.queue_weekly_posts(chart, caption, roll_chart, roll_caption)
    return Erasure(
        services, db, config, person, lead_actor, mine.id, certificate.code, status.broadcast.id
    )


async def test_item10_before_the_erasure_the_scans_find_the_person_everywhere(
    erasure: Erasure,
) -> None:
    """The scans below see what they look for: before /forget_me, every place holds the person."""
    assert _scan_files(erasure.files), "the board shows the person"
    before = await _scan_database(erasure.db)
    for place in (
        "outbox.text",
        "disputes.text",
        "record_notes.text",
        "broadcasts.body",
        "accounts.telegram_id",
        "certificates.holder",
        "volunteers.name",
        "audit_actors.telegram_id",
        "team_groups.linked_by",
        "identities.address",
        "identities.user_id",
        "link_codes.user_id",
    ):
        assert any(leak.startswith(place) for leak in before), place


async def test_item10_forget_me_leaves_nothing_in_any_table(erasure: Erasure) -> None:
    await erasure.forget()
    assert await _scan_database(erasure.db) == []


async def test_item10_forget_me_leaves_nothing_in_the_files_folder(erasure: Erasure) -> None:
    await erasure.forget()
    assert _scan_files(erasure.files) == []


async def test_item10_forget_me_leaves_nothing_in_the_database_files_bytes(
    erasure: Erasure,
) -> None:
    """What was deleted or overwritten is zeroed (secure_delete) and the write-ahead log is
    emptied after the erasure."""
    await erasure.forget()
    path = erasure.config.storage.path
    database_files = [path, path.with_name(path.name + "-wal")]
    assert [
        hit for file in database_files if file.exists() for hit in _hits(file.read_bytes())
    ] == []


async def test_item10_the_record_and_its_audit_trail_stay_without_the_person(
    erasure: Erasure,
) -> None:
    """The service record stays under the volunteer row id, its audit trail with the notes
    redacted and the person's own steps by an erased key."""
    await erasure.forget()
    view = await erasure.services.records.record_view(erasure.lead_actor, erasure.record_id)
    assert view.record.volunteer_id == erasure.person.id and view.record.minutes == 120
    assert view.history is not None
    assert [entry.action for entry in view.history][-2:] == ["disputed", "resolved"]
    disputed, resolved = view.history[-2:]
    assert disputed.actor_erased and disputed.actor_telegram_id is None
    assert disputed.reason is None and resolved.reason is None
    assert resolved.actor_telegram_id == LEAD and not resolved.actor_erased


async def test_item10_the_certificate_still_verifies_without_a_name(erasure: Erasure) -> None:
    await erasure.forget()
    holder, total, count, _ = await erasure.services.certificates.verify(erasure.certificate_code)
    assert (holder, total, count) == ("", 120, 1)


async def test_item10_the_broadcast_keeps_its_counts(erasure: Erasure) -> None:
    await erasure.forget()
    counts = (await erasure.services.broadcasts.status(erasure.broadcast_id)).counts
    assert counts.sent == 2  # the member and the erased lead (their copy anonymous)


@pytest.fixture
async def migrated_from_8(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[aiosqlite.Connection]:
    """A database with audit rows written before migration 009 (an admin's note, the words
    of someone who has since erased their data, the bot's own step), then migrated on."""
    conn = await aiosqlite.connect(tmp_path / "old.sqlite3", isolation_level=None)
    conn.row_factory = aiosqlite.Row
    try:
        import storage.db as storage_db

        shipped = storage_db.migrations()
        with monkeypatch.context() as patch:
            patch.setattr(storage_db, "migrations", lambda: [m for m in shipped if m[0] < 9])
            await migrate(conn)
        now = "2026-11-27T08:00:00+00:00"
        await conn.executescript(
            f"""
            INSERT INTO teams (id, key, name_zh, name_en, created_at)
                VALUES (1, 'traffic', '交通', 'Traffic', '{now}');
            INSERT INTO volunteers (id, telegram_id, name, phone, consent_at, registered_at,
                updated_at) VALUES (1, 42424242, '王五', '+8613700000000', '{now}', '{now}',
                '{now}');
            INSERT INTO volunteers (id, telegram_id, name, phone, consent_at, registered_at,
                updated_at, forgotten_at) VALUES (2, NULL, NULL, NULL, NULL, '{now}', '{now}',
                '{now}');
            INSERT INTO service_records (id, volunteer_id, team_id, category, title, place,
                content, served_on, proposed_minutes, minutes, mark, state, source,
                created_at, updated_at) VALUES
                (1, 1, 1, 'traffic', 't', 'p', 'c', '2026-11-27', 60, 60, 'present',
                 'approved', 'manual', '{now}', '{now}'),
                (2, 2, 1, 'traffic', 't', 'p', 'c', '2026-11-27', 60, 60, 'present',
                 'disputed', 'manual', '{now}', '{now}');
            INSERT INTO record_audit (record_id, at, actor_telegram_id, action, before, after,
                reason) VALUES
                (1, '{now}', 900001, 'added', NULL, '{{}}', '补录：王五'),
                (2, '{now}', 55555555, 'disputed', NULL, '{{}}', '我是赵六，我到了'),
                (2, '{now}', NULL, 'created', NULL, '{{}}', NULL);
            INSERT INTO disputes (record_id, text, opened_at)
                VALUES (2, '我是赵六，我到了', '{now}');
            """
        )
        assert await migrate(conn) == [m[1] for m in shipped if m[0] >= 9]
        yield conn
    finally:
        await conn.close()


async def test_item10_after_migration_009_the_audit_has_no_reason_or_actor_column(
    migrated_from_8: aiosqlite.Connection,
) -> None:
    async with migrated_from_8.execute("PRAGMA table_info(record_audit)") as cursor:
        columns = {row["name"] for row in await cursor.fetchall()}
    assert "reason" not in columns and "actor_telegram_id" not in columns
    assert {"actor_id", "note_id"} <= columns


async def test_item10_reasons_and_actors_written_before_migration_009_read_back(
    migrated_from_8: aiosqlite.Connection,
) -> None:
    from storage import audit

    [added] = await audit.history(migrated_from_8, 1)
    assert (added.actor_telegram_id, added.reason) == (900001, "补录：王五")
    _, created = await audit.history(migrated_from_8, 2)
    assert created.actor_telegram_id is None and not created.actor_erased


async def test_item10_the_words_of_someone_erased_before_migration_009_are_redacted(
    migrated_from_8: aiosqlite.Connection,
) -> None:
    from storage import audit

    disputed, _ = await audit.history(migrated_from_8, 2)
    assert disputed.reason is None and disputed.actor_erased
    async with migrated_from_8.execute("SELECT text FROM disputes") as cursor:
        assert [row["text"] for row in await cursor.fetchall()] == [""]


@pytest.mark.parametrize(
    "statement", ["UPDATE record_audit SET action = 'x'", "DELETE FROM record_audit"]
)
async def test_item10_the_audit_stays_append_only_after_migration_009(
    migrated_from_8: aiosqlite.Connection, statement: str
) -> None:
    with pytest.raises(aiosqlite.IntegrityError):
        await migrated_from_8.execute(statement)


# ---------------------------------------------------------------- item 11: retention


async def _outbox_rows(db: Database) -> list[tuple[int, str, str]]:
    async with db.reader.execute("SELECT chat_id, state, text FROM outbox ORDER BY id") as cur:
        return [(row[0], row[1], row[2]) for row in await cur.fetchall()]


async def test_item11_retention_deletes_old_messages_and_files_and_blanks_old_broadcasts(
    services: Services, db: Database, clock: ManualClock, register, config
) -> None:
    admin = await services.roles.actor(ADMIN_ID)
    await register(LEAD, name="张队长", phone="13800000001", teams=("traffic",))
    await register(MEMBER, name="李四", phone="13800000002", teams=("traffic",))
    start = clock.now()
    status = await services.broadcasts.start(admin, "team:traffic", "旧的通知", ADMIN_ID)
    await _mark_sent(db)
    await services.broadcasts.complete_if_finished(
        await services.broadcasts.status(status.broadcast.id)
    )
    files = files_folder(config)
    files.mkdir(parents=True, exist_ok=True)
    old_chart, new_chart, queued_chart = (
        files / "week-2026-11-16-team-1.png",
        files / "week-2026-11-23-team-1.png",
        files / "week-2026-11-09-team-2.png",
    )
    for path in (old_chart, new_chart, queued_chart):
        path.write_bytes(b"\x89PNG\r\n")

    # 31 days later: a new message (pending), the first broadcast's rows are old.
    clock.advance(timedelta(days=31))
    second = await services.broadcasts.start(admin, "team:traffic", "新的通知", ADMIN_ID)
    async with db.transaction() as tx:  # a queued message still carries an old chart
        await tx.execute(
            "UPDATE outbox SET file_path = ?, file_kind = 'photo' WHERE id ="
            " (SELECT MIN(id) FROM outbox WHERE broadcast_id = ?)",
            (str(queued_chart), second.broadcast.id),
        )
    day = 24 * 3600
    now = clock.now().timestamp()
    os.utime(old_chart, (now - 15 * day, now - 15 * day))
    os.utime(queued_chart, (now - 40 * day, now - 40 * day))
    os.utime(new_chart, (now - 13 * day, now - 13 * day))

    report = await services.privacy.apply_retention()
    assert (report.messages_deleted, report.broadcasts_redacted, report.files_deleted) == (2, 0, 1)
    assert [state for _, state, _ in await _outbox_rows(db)] == ["pending", "pending"]
    assert not old_chart.exists() and new_chart.exists() and queued_chart.exists()
    # The first broadcast still reports whom it reached, and still has its text (not 90 days).
    first = await services.broadcasts.status(status.broadcast.id)
    assert first.counts.sent == 2 and first.broadcast.body == "旧的通知"

    # 90 days after the first: its body is blanked; the second's (not yet 90 days) stays.
    clock.advance(start + timedelta(days=90, minutes=1) - clock.now())
    report = await services.privacy.apply_retention()
    assert report.broadcasts_redacted == 1
    first = await services.broadcasts.status(status.broadcast.id)
    assert first.broadcast.body == "" and first.counts.sent == 2
    assert (await services.broadcasts.status(second.broadcast.id)).broadcast.body == "新的通知"
    # Nothing is deleted twice, and nothing new is due.
    report = await services.privacy.apply_retention()
    assert (report.messages_deleted, report.broadcasts_redacted) == (0, 0)


def test_item11_retention_is_configured_with_defaults(tmp_path: Path) -> None:
    from bot.config import ConfigError, load_config

    assert load_config(None).retention.model_dump() == {
        "outbox_days": 30,
        "files_days": 14,
        "broadcast_days": 90,
    }
    bad = tmp_path / "bad.toml"
    bad.write_text("[retention]\noutbox_days = 0\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"retention\.outbox_days"):
        load_config(bad)


async def test_item11_the_daily_job_logs_its_counts(
    services: Services, db: Database, clock: ManualClock, register, caplog
) -> None:
    from types import SimpleNamespace

    from telegram_adapter.jobs import RETENTION_SECONDS, retention

    assert RETENTION_SECONDS == 24 * 3600
    admin = await services.roles.actor(ADMIN_ID)
    await register(MEMBER, name="李四", phone="13800000002", teams=("traffic",))
    await services.broadcasts.start(admin, "team:traffic", "通知", ADMIN_ID)
    await _mark_sent(db)
    clock.advance(timedelta(days=30, seconds=1))
    context = SimpleNamespace(runtime=SimpleNamespace(services=services))
    with caplog.at_level("INFO", logger="telegram_adapter.jobs"):
        await retention(context)  # type: ignore[arg-type]
    assert "retention: 1 messages deleted, 0 broadcast bodies blanked, 0 files deleted" in (
        caplog.text
    )
    assert await _outbox_rows(db) == []

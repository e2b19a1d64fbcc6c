"""Service hours against a real SQLite file: check-in by location, code or the lead's hand;
check-out; the attendance sheet and its approval; disputes with their audit trail; star levels;
admin corrections; certificates. Time comes from an injected clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import aiosqlite
import pytest

from bot.clock import ManualClock
from bot.config import Config
from bot.domain.errors import (
    CheckInNotOpen,
    CodeExpired,
    InvalidMinutes,
    InvalidReason,
    InvalidText,
    NoHoursYet,
    NoLocationPin,
    NotAdmin,
    NotConfirmedFor,
    NotDisputable,
    NotLeadOrAdmin,
    NotTeamLead,
    OwnHours,
    RecordNotOpen,
    SelfReview,
    SheetAlreadyMade,
    SheetNotReady,
    TooFar,
    UnknownCertificate,
    UnknownCode,
    UnknownRecord,
)
from bot.domain.hours import Mark, RecordState
from bot.domain.models import Activity, Actor
from bot.services import Services
from storage.db import Database
from tests.conftest import ADMIN_ID, make_config

# 人民路口, and points about 100 m and 1 km from it.
SITE = (22.5650, 112.9690)
NEAR = (22.5659, 112.9690)
FAR = (22.5740, 112.9690)
LEAD, ANNA, BO, CHEN, OTHER_LEAD = 1, 2, 3, 4, 5
SECOND_ADMIN = 900_002


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return hours_config(tmp_path)


def hours_config(tmp_path: Path) -> Config:
    # Small star levels, so that a few activities cross one; two admins, so that one can
    # review what the other added; activities up to three days, to test a day's cap.
    return make_config(
        tmp_path,
        hours={"star_hours": [1, 3, 6]},
        org={"admins": [ADMIN_ID, SECOND_ADMIN]},
        activities={"max_length": "72h"},
    )


@dataclass
class Scene:
    services: Services
    clock: ManualClock
    db: Database
    activity: Activity
    lead: Actor
    people: dict[int, int]  # telegram id -> volunteer id

    async def actor(self, telegram_id: int) -> Actor:
        return await self.services.roles.actor(telegram_id)


@pytest.fixture
async def scene(services: Services, clock: ManualClock, db: Database, register) -> Scene:
    return await build_scene(services, clock, db, register)


async def build_scene(services: Services, clock: ManualClock, db: Database, register) -> Scene:
    """A traffic activity tomorrow 09:00-11:00 (Beijing time) with a location pin; a lead of
    the traffic team; three confirmed volunteers; a lead of another team."""
    people = {}
    for telegram_id, name in (
        (LEAD, "张队长"),
        (ANNA, "安娜"),
        (BO, "薄一"),
        (CHEN, "陈二"),
        (OTHER_LEAD, "王队长"),
    ):
        volunteer = await register(telegram_id, name=name, phone=f"1380000000{telegram_id}")
        people[telegram_id] = volunteer.id
    admin = await services.roles.actor(ADMIN_ID)
    await services.roles.promote(admin, people[LEAD], "traffic")
    await services.roles.promote(admin, people[OTHER_LEAD], "blood")
    start = clock.now() + timedelta(days=1, hours=1)  # 2026-11-28 09:00 UTC
    activity = await services.activities.create(
        await services.roles.actor(LEAD),
        Activity(
            0,
            "traffic",
            "人民路口文明交通劝导",
            "traffic",
            start,
            start + timedelta(hours=2),
            "人民路与中山路交叉口",
            10,
            "published",
            latitude=SITE[0],
            longitude=SITE[1],
        ),
    )
    for telegram_id in (ANNA, BO, CHEN):
        await services.signups.sign_up(telegram_id, activity.id)
    return Scene(services, clock, db, activity, await services.roles.actor(LEAD), people)


async def _outbox_texts(db: Database, chat_id: int) -> list[str]:
    async with db.reader.execute(
        "SELECT text FROM outbox WHERE chat_id = ? ORDER BY id", (chat_id,)
    ) as cursor:
        return [row[0] for row in await cursor.fetchall()]


async def _through_the_activity(scene: Scene, decide: bool = True) -> None:
    """Anna checks in by location 5 min early and out 10 min before the end; Bo by code at
    the start and forgets to check out; Chen never comes. Then the sheet is made, and (if
    `decide`) the lead decides Bo's flagged record: present until the end."""
    services, clock = scene.services, scene.clock
    clock.advance(scene.activity.starts_at - timedelta(minutes=5) - clock.now())
    await services.checkin.check_in_by_location(ANNA, scene.activity.id, *NEAR, live=True)
    clock.advance(timedelta(minutes=5))
    _, code, _ = await services.checkin.issue_code(scene.lead, scene.activity.id)
    await services.checkin.check_in_by_code(BO, code)
    clock.advance(timedelta(minutes=110))
    checked_out = await services.checkin.check_out(ANNA, scene.activity.id)
    assert checked_out.minutes == 110
    clock.advance(timedelta(minutes=10 + services.checkin.config.checkout_grace_minutes))
    assert await services.attendance.make_sheets() == 1
    if decide:
        view = await services.attendance.sheet(scene.lead, scene.activity.id)
        bo = next(line.record for line in view.lines if line.name == "薄一")
        await services.attendance.set_mark(scene.lead, bo.id, Mark.PRESENT)


async def test_check_in_by_location_only_inside_the_radius_and_in_the_window(scene: Scene) -> None:
    services, clock = scene.services, scene.clock
    with pytest.raises(CheckInNotOpen):
        await services.checkin.check_in_by_location(ANNA, scene.activity.id, *NEAR, live=True)
    assert await services.checkin.open_for_checkin(ANNA) == []
    clock.advance(scene.activity.starts_at - timedelta(minutes=30) - clock.now())
    [(listed, none_yet)] = await services.checkin.open_for_checkin(ANNA)
    assert listed.id == scene.activity.id and none_yet is None
    with pytest.raises(TooFar) as far:
        await services.checkin.check_in_by_location(ANNA, scene.activity.id, *FAR, live=True)
    assert 800 < far.value.params["distance"] < 1100
    assert far.value.params["radius"] == 300
    first = await services.checkin.check_in_by_location(ANNA, scene.activity.id, *NEAR, live=True)
    assert not first.already and first.distance_m is not None and first.distance_m < 300
    clock.advance(timedelta(minutes=3))
    again = await services.checkin.check_in_by_location(ANNA, scene.activity.id, *NEAR, live=True)
    assert again.already and again.at == first.at  # the first check-in stands
    with pytest.raises(NotConfirmedFor):
        await services.checkin.check_in_by_location(OTHER_LEAD, scene.activity.id, *NEAR, live=True)
    clock.advance(scene.activity.ends_at + timedelta(minutes=1) - clock.now())
    with pytest.raises(CheckInNotOpen):
        await services.checkin.check_in_by_location(BO, scene.activity.id, *NEAR, live=True)


async def test_an_activity_without_a_pin_takes_codes_only(scene: Scene, services: Services) -> None:
    bare = await services.activities.create(
        scene.lead,
        Activity(
            0,
            "traffic",
            "无定位活动",
            "traffic",
            scene.activity.starts_at + timedelta(days=1),
            scene.activity.ends_at + timedelta(days=1),
            "某地",
            5,
            "published",
        ),
    )
    await services.signups.sign_up(ANNA, bare.id)
    scene.clock.advance(bare.starts_at - scene.clock.now())
    with pytest.raises(NoLocationPin):
        await services.checkin.check_in_by_location(ANNA, bare.id, *SITE, live=True)


async def test_codes_expire_belong_to_one_activity_and_only_leads_issue_them(
    scene: Scene,
) -> None:
    services, clock = scene.services, scene.clock
    clock.advance(scene.activity.starts_at - clock.now())
    for outsider in (ANNA, OTHER_LEAD):
        with pytest.raises(NotTeamLead):
            await services.checkin.issue_code(await scene.actor(outsider), scene.activity.id)
    _, code, expires = await services.checkin.issue_code(scene.lead, scene.activity.id)
    assert expires == clock.now() + timedelta(minutes=5)
    with pytest.raises(UnknownCode):
        await services.checkin.check_in_by_code(ANNA, "ZZZZZZ")
    with pytest.raises(NotConfirmedFor):  # a code of an activity this person is not on
        await services.checkin.check_in_by_code(OTHER_LEAD, code)
    # Typed loosely: lower case, spaces.
    result = await services.checkin.check_in_by_code(ANNA, f" {code[:3].lower()} {code[3:]} ")
    assert result.activity.id == scene.activity.id and not result.already
    assert (await services.checkin.check_in_by_code(ANNA, code)).already  # reused: one effect
    clock.advance(timedelta(minutes=5))
    with pytest.raises(CodeExpired):
        await services.checkin.check_in_by_code(BO, code)


async def test_lead_marks_presence_by_hand_but_not_their_own(
    scene: Scene, services: Services
) -> None:
    services, clock = scene.services, scene.clock
    await services.signups.sign_up(LEAD, scene.activity.id)
    clock.advance(scene.activity.starts_at + timedelta(minutes=20) - clock.now())
    await services.checkin.mark_present(scene.lead, scene.activity.id, scene.people[CHEN], True)
    _, people = await services.checkin.presence(scene.lead, scene.activity.id)
    marked = {p.volunteer.id: p.checkin for p in people}
    assert marked[scene.people[CHEN]] is not None
    assert marked[scene.people[CHEN]].method == "lead"
    with pytest.raises(OwnHours):
        await services.checkin.mark_present(scene.lead, scene.activity.id, scene.people[LEAD], True)
    with pytest.raises(NotTeamLead):
        await services.checkin.mark_present(
            await scene.actor(OTHER_LEAD), scene.activity.id, scene.people[BO], True
        )
    with pytest.raises(NotTeamLead):
        await services.checkin.mark_present(
            await scene.actor(ANNA), scene.activity.id, scene.people[BO], True
        )
    await services.checkin.mark_present(scene.lead, scene.activity.id, scene.people[CHEN], False)
    _, people = await services.checkin.presence(scene.lead, scene.activity.id)
    assert {p.volunteer.id: p.checkin for p in people}[scene.people[CHEN]] is None


async def test_the_sheet_proposes_minutes_by_the_rule_and_goes_to_the_lead(scene: Scene) -> None:
    services = scene.services
    with pytest.raises(SheetNotReady):
        await services.attendance.sheet(scene.lead, scene.activity.id)
    await _through_the_activity(scene, decide=False)
    assert await services.attendance.make_sheets() == 0  # once per activity
    view = await services.attendance.sheet(scene.lead, scene.activity.id)
    lines = {line.name: line.record for line in view.lines}
    # Anna: 08:55 (before the start) .. 10:50 -> credited from the start: 110 minutes.
    assert lines["安娜"].proposed_minutes == 110 and lines["安娜"].mark is Mark.PRESENT
    # Bo forgot to check out: nothing proposed until the lead decides, flagged, listed first.
    assert lines["薄一"].proposed_minutes == 0 and "no_checkout" in lines["薄一"].flags
    assert lines["薄一"].needs_decision and view.lines[0].name == "薄一"
    # Chen never came: absent, nothing proposed.
    assert lines["陈二"].proposed_minutes == 0 and lines["陈二"].mark is Mark.ABSENT
    assert all(record.state is RecordState.PENDING for record in lines.values())
    notice = (await _outbox_texts(scene.db, LEAD))[-1]
    assert scene.activity.title in notice
    with pytest.raises(SheetAlreadyMade):  # too late: the sheet is with the lead now
        await services.checkin.check_out(BO, scene.activity.id)
    with pytest.raises(NotTeamLead):
        await services.attendance.sheet(await scene.actor(OTHER_LEAD), scene.activity.id)


async def test_marks_adjustments_and_approval(scene: Scene) -> None:
    services = scene.services
    await _through_the_activity(scene)
    view = await services.attendance.sheet(scene.lead, scene.activity.id)
    records = {line.name: line.record for line in view.lines}
    bo, chen = records["薄一"], records["陈二"]
    for bad_reason in ("", " ", "x"):
        with pytest.raises(InvalidReason):
            await services.records.adjust(scene.lead, bo.id, 90, bad_reason)
    for bad_minutes in (-5, 121, 10_000):
        with pytest.raises(InvalidMinutes):
            await services.records.adjust(scene.lead, bo.id, bad_minutes, "忘记签退，实际九十分钟")
    adjusted = await services.records.adjust(scene.lead, bo.id, 90, "忘记签退，实际九十分钟")
    assert adjusted.minutes == 90 and adjusted.mark is Mark.ADJUSTED
    # A volunteer, or a lead of another team, cannot touch it, forged or not.
    for outsider in (ANNA, OTHER_LEAD):
        with pytest.raises(NotTeamLead):
            await services.records.adjust(await scene.actor(outsider), bo.id, 120, "我觉得应该更多")
        with pytest.raises(NotTeamLead):
            await services.attendance.approve_sheet(await scene.actor(outsider), scene.activity.id)
    with pytest.raises(OwnHours):
        await services.records.adjust(await scene.actor(BO), bo.id, 120, "我觉得应该更多")
    await services.attendance.set_mark(scene.lead, chen.id, Mark.ABSENT)
    result = await services.attendance.approve_sheet(scene.lead, scene.activity.id)
    assert (result.approved, result.no_shows, result.in_review, result.complete) == (2, 1, 0, True)
    view = await services.attendance.sheet(scene.lead, scene.activity.id)
    assert view.approved
    states = {line.name: (line.record.state, line.record.minutes) for line in view.lines}
    assert states == {
        "安娜": (RecordState.APPROVED, 110),
        "薄一": (RecordState.APPROVED, 90),
        "陈二": (RecordState.NO_SHOW, 0),
    }
    # Decided: the lead can no longer change it; the volunteers were told.
    with pytest.raises(RecordNotOpen):
        await services.records.adjust(scene.lead, bo.id, 100, "再改一次")
    assert any("90" in text or "1.5" in text for text in await _outbox_texts(scene.db, BO))
    summary, level = await services.records.summary(ANNA)
    assert summary.approved_total == 110 and summary.approved_year == 110
    assert dict(summary.by_category) == {"traffic": 110}
    assert level.level == 1 and level.next_hours == 3 and level.minutes_to_next == 70
    congratulations = await _outbox_texts(scene.db, ANNA)
    assert sum("★" in text for text in congratulations) == 1  # crossing 1 h, told once
    chen_summary, _ = await services.records.summary(CHEN)
    assert chen_summary.no_shows == 1 and chen_summary.approved_total == 0


async def test_a_lead_approving_leaves_their_own_record_for_someone_else(
    scene: Scene, services: Services
) -> None:
    await services.signups.sign_up(LEAD, scene.activity.id)
    await _through_the_activity(scene)
    result = await services.attendance.approve_sheet(scene.lead, scene.activity.id)
    assert result.own_left == 1 and not result.complete
    admin = await services.roles.actor(ADMIN_ID)
    final = await services.attendance.approve_sheet(admin, scene.activity.id)
    assert final.own_left == 0 and final.complete and final.no_shows == 1  # the lead, absent


async def test_disputes_are_resolved_by_the_lead_with_an_audit_trail(scene: Scene) -> None:
    services = scene.services
    await _through_the_activity(scene)
    await services.attendance.approve_sheet(scene.lead, scene.activity.id)
    view = await services.attendance.sheet(scene.lead, scene.activity.id)
    chen = next(line.record for line in view.lines if line.name == "陈二")
    with pytest.raises(UnknownRecord):  # someone else's record
        await services.records.dispute(ANNA, chen.id, "我看到他来了")
    with pytest.raises(InvalidText):
        await services.records.dispute(CHEN, chen.id, "")
    disputed = await services.records.dispute(CHEN, chen.id, "我九点到的，负责人忘了给我签到")
    assert disputed.state is RecordState.DISPUTED
    with pytest.raises(NotDisputable):
        await services.records.dispute(CHEN, chen.id, "再申诉一次")
    assert any("九点" in text for text in await _outbox_texts(scene.db, LEAD))
    with pytest.raises(OwnHours):
        await services.records.resolve(await scene.actor(CHEN), chen.id, 120, "我自己批准")
    with pytest.raises(NotLeadOrAdmin):
        await services.records.resolve(await scene.actor(OTHER_LEAD), chen.id, 120, "别的队来批")
    with pytest.raises(InvalidMinutes):
        await services.records.resolve(scene.lead, chen.id, 500, "超出活动时长")
    resolved = await services.records.resolve(scene.lead, chen.id, 100, "核实监控，九点二十到场")
    assert resolved.state is RecordState.APPROVED and resolved.minutes == 100
    assert any("九点二十" in text for text in await _outbox_texts(scene.db, CHEN))
    history = (await services.records.record_view(scene.lead, chen.id)).history
    assert history is not None
    assert [entry.action for entry in history] == ["created", "approved", "disputed", "resolved"]
    assert history[2].reason == "我九点到的，负责人忘了给我签到"
    assert history[3].before == {"state": "disputed", "minutes": 0, "mark": "absent"}
    assert history[3].after == {"state": "approved", "minutes": 100, "mark": "adjusted"}
    # The volunteer sees their record but not the history; others do not see it at all.
    own_view = await services.records.record_view(await scene.actor(CHEN), chen.id)
    assert own_view.history is None
    with pytest.raises(UnknownRecord):
        await services.records.record_view(await scene.actor(ANNA), chen.id)
    # Audit rows can never be changed or removed.
    for statement in ("UPDATE record_audit SET action = 'x'", "DELETE FROM record_audit"):
        with pytest.raises(aiosqlite.IntegrityError):
            async with scene.db.transaction() as tx:
                await tx.execute(statement)


async def test_a_rejected_dispute_keeps_the_record(scene: Scene) -> None:
    services = scene.services
    await _through_the_activity(scene)
    await services.attendance.approve_sheet(scene.lead, scene.activity.id)
    view = await services.attendance.sheet(scene.lead, scene.activity.id)
    anna = next(line.record for line in view.lines if line.name == "安娜")
    await services.records.dispute(ANNA, anna.id, "应该算两个小时")
    rejected = await services.records.resolve(scene.lead, anna.id, None, "提前签退，按实际计算")
    assert (rejected.state, rejected.minutes) == (RecordState.APPROVED, 110)


async def test_over_eight_hours_a_day_goes_to_an_admin(scene: Scene, services: Services) -> None:
    admin = await services.roles.actor(ADMIN_ID)
    day = date(2026, 11, 20)
    first = await services.records.add_manual(
        admin, scene.people[ANNA], "traffic", day, 7 * 60, "路口劝导", "纸质签到表补录"
    )
    assert first.state is RecordState.APPROVED
    second = await services.records.add_manual(
        admin, scene.people[ANNA], "traffic", day, 90, "献血宣传", "纸质签到表补录"
    )
    assert second.state is RecordState.REVIEW
    assert any("8" in text for text in await _outbox_texts(scene.db, ADMIN_ID))
    with pytest.raises(NotAdmin):
        await services.records.approve_review(scene.lead, second.id)
    with pytest.raises(SelfReview):  # the admin who added it
        await services.records.approve_review(admin, second.id)
    approved = await services.records.approve_review(
        await services.roles.actor(SECOND_ADMIN), second.id
    )
    assert approved.state is RecordState.APPROVED
    summary, _ = await services.records.summary(ANNA)
    assert summary.approved_total == 7 * 60 + 90


async def test_only_admins_add_or_correct_decided_hours_always_with_a_reason(
    scene: Scene, services: Services
) -> None:
    admin = await services.roles.actor(ADMIN_ID)
    with pytest.raises(NotAdmin):
        await services.records.add_manual(
            scene.lead, scene.people[ANNA], "traffic", date(2026, 11, 1), 60, "植树", "补录"
        )
    with pytest.raises(InvalidReason):
        await services.records.add_manual(
            admin, scene.people[ANNA], "traffic", date(2026, 11, 1), 60, "植树", ""
        )
    with pytest.raises(InvalidMinutes):
        await services.records.add_manual(
            admin, scene.people[ANNA], "traffic", date(2026, 11, 1), 0, "植树", "纸质记录"
        )
    added = await services.records.add_manual(
        admin, scene.people[ANNA], "traffic", date(2026, 11, 1), 60, "植树", "纸质记录"
    )
    corrected = await services.records.adjust(admin, added.id, 45, "纸质记录核对为45分钟")
    assert corrected.minutes == 45 and corrected.state is RecordState.APPROVED
    history = (await services.records.record_view(admin, added.id)).history
    assert history is not None
    assert [(e.action, e.reason) for e in history] == [
        ("added", "纸质记录"),
        ("adjusted", "纸质记录核对为45分钟"),
    ]


async def test_sheets_not_approved_are_chased_then_escalated(scene: Scene) -> None:
    services, clock = scene.services, scene.clock
    await _through_the_activity(scene)  # the sheet is made on Saturday 2026-11-28
    lead_before = len(await _outbox_texts(scene.db, LEAD))
    assert await services.attendance.chase_sheets() == 0
    clock.advance(timedelta(days=3))
    assert await services.attendance.chase_sheets() == 1  # the reminder
    assert len(await _outbox_texts(scene.db, LEAD)) == lead_before + 1
    assert await services.attendance.chase_sheets() == 0  # once
    # Ten working days after Saturday 28 November is Friday 11 December.
    clock.advance(timedelta(days=9))  # Thursday 10 December
    assert await services.attendance.chase_sheets() == 0
    admin_before = len(await _outbox_texts(scene.db, ADMIN_ID))
    clock.advance(timedelta(days=1))
    assert await services.attendance.chase_sheets() == 1
    assert len(await _outbox_texts(scene.db, ADMIN_ID)) == admin_before + 1
    await services.attendance.approve_sheet(scene.lead, scene.activity.id)
    clock.advance(timedelta(days=30))
    assert await services.attendance.chase_sheets() == 0


async def test_certificates_list_approved_hours_and_verify(scene: Scene) -> None:
    services = scene.services
    with pytest.raises(NoHoursYet):
        await services.certificates.issue_certificate(ANNA, {})
    await _through_the_activity(scene)
    await services.attendance.approve_sheet(scene.lead, scene.activity.id)
    # Another lead whose name sorts first joins the team: the person in charge of the
    # activity is still the lead who published it.
    admin = await scene.services.roles.actor(ADMIN_ID)
    await scene.services.roles.promote(admin, scene.people[ANNA], "traffic")  # 安 < 张
    certificate = await services.certificates.issue_certificate(
        ANNA, {"traffic": "文明交通志愿服务队"}
    )
    assert certificate.holder == "安娜" and certificate.total_minutes == 110
    [line] = certificate.lines
    assert (line.title, line.team, line.person_in_charge) == (
        "人民路口文明交通劝导",
        "文明交通志愿服务队",
        "张队长",
    )
    assert line.day == date(2026, 11, 28)
    holder, total, count, issued = await services.certificates.verify(certificate.code.lower())
    assert (holder, total, count, issued) == ("安娜", 110, 1, date(2026, 11, 28))
    with pytest.raises(UnknownCertificate):
        await services.certificates.verify("NOPE")


async def test_anonymity_keeps_the_name_out_of_the_group_post(
    scene: Scene, services: Services
) -> None:
    admin = await services.roles.actor(ADMIN_ID)
    await services.groups.link(admin, -100_777, "路口群", "traffic", group_admin=True)
    await services.records.set_anonymous(BO, True)
    assert await services.records.anonymous(BO)
    await services.records.add_manual(
        admin, scene.people[BO], "traffic", date(2026, 11, 2), 90, "植树", "纸质记录"
    )
    await services.records.add_manual(
        admin, scene.people[ANNA], "traffic", date(2026, 11, 2), 90, "植树", "纸质记录"
    )
    group_posts = await _outbox_texts(scene.db, -100_777)
    assert any("安娜" in text for text in group_posts)
    assert not any("薄一" in text for text in group_posts)


async def test_an_activity_longer_than_a_day_is_credited_at_most_a_day(
    scene: Scene, services: Services
) -> None:
    start = scene.activity.starts_at + timedelta(days=3)
    long = await services.activities.create(
        scene.lead,
        Activity(
            0,
            "traffic",
            "三天义卖",
            "charity",
            start,
            start + timedelta(days=3),
            "广场",
            5,
            "published",
        ),
    )
    await services.signups.sign_up(ANNA, long.id)
    scene.clock.advance(start - scene.clock.now())
    await services.checkin.mark_present(scene.lead, long.id, scene.people[ANNA], True)
    scene.clock.advance(timedelta(days=3, hours=1))
    assert await services.attendance.make_sheets() == 2  # this one and the first activity's
    [line] = (await services.attendance.sheet(scene.lead, long.id)).lines
    # Marked by hand, never checked out: nothing until the lead vouches to the end, and then
    # at most a day.
    assert line.record.proposed_minutes == 0 and line.record.needs_decision
    present = await services.attendance.set_mark(scene.lead, line.record.id, Mark.PRESENT)
    assert present.minutes == 24 * 60


async def test_marking_by_hand_twice_has_one_effect(scene: Scene) -> None:
    services, clock = scene.services, scene.clock
    clock.advance(scene.activity.starts_at + timedelta(minutes=20) - clock.now())
    assert await services.checkin.mark_present(
        scene.lead, scene.activity.id, scene.people[CHEN], True
    )
    assert not await services.checkin.mark_present(
        scene.lead, scene.activity.id, scene.people[CHEN], True
    )
    _, people = await services.checkin.presence(scene.lead, scene.activity.id)
    checkin = {p.volunteer.id: p.checkin for p in people}[scene.people[CHEN]]
    assert checkin is not None and checkin.checked_in_at == scene.activity.starts_at


async def test_corrections_to_zero_are_no_shows_and_reviews_reach_the_admins(
    scene: Scene, services: Services
) -> None:
    admin = await services.roles.actor(ADMIN_ID)
    day = date(2026, 11, 21)
    first = await services.records.add_manual(
        admin, scene.people[ANNA], "traffic", day, 7 * 60, "路口劝导", "纸质签到表补录"
    )
    second = await services.records.add_manual(
        admin, scene.people[ANNA], "traffic", day, 30, "宣传", "纸质签到表补录"
    )
    assert second.state is RecordState.APPROVED
    before = len(await _outbox_texts(scene.db, ADMIN_ID))
    raised = await services.records.adjust(admin, second.id, 90, "核对为九十分钟")
    assert raised.state is RecordState.REVIEW and "over_daily" in raised.flags
    assert len(await _outbox_texts(scene.db, ADMIN_ID)) == before + 1
    zero = await services.records.adjust(admin, first.id, 0, "当天没有到场")
    assert (zero.state, zero.mark, zero.minutes) == (RecordState.NO_SHOW, Mark.ABSENT, 0)


async def test_a_teams_only_lead_disputing_their_own_record_reaches_the_admins(
    scene: Scene, services: Services
) -> None:
    admin = await services.roles.actor(ADMIN_ID)
    record = await services.records.add_manual(
        admin, scene.people[LEAD], "traffic", date(2026, 11, 3), 60, "植树", "纸质记录"
    )
    before = len(await _outbox_texts(scene.db, ADMIN_ID))
    await services.records.dispute(LEAD, record.id, "实际两小时")
    assert len(await _outbox_texts(scene.db, ADMIN_ID)) == before + 1
    with pytest.raises(OwnHours):
        await services.records.resolve(scene.lead, record.id, 120, "我自己的")
    resolved = await services.records.resolve(admin, record.id, 120, "核实为两小时")
    assert resolved.minutes == 120

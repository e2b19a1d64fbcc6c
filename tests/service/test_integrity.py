"""No hour that was not served: regression tests for issue 10's items 1-5 and 7, against a real
SQLite file with an injected clock. Each was a way to credit time nobody served."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.config import Config
from bot.domain.errors import (
    DayOverfull,
    LiveLocationNeeded,
    NoOtherAdmin,
    OpenCheckInElsewhere,
    PersonCheckedInElsewhere,
    SelfReview,
    TimeChangeClash,
)
from bot.domain.hours import DECIDED, Mark, RecordState
from bot.domain.models import Activity
from bot.services import Services
from storage import activities
from storage.db import Database
from tests.conftest import ADMIN_ID, make_config
from tests.service.test_hours import (
    ANNA,
    BO,
    CHEN,
    NEAR,
    SECOND_ADMIN,
    SITE,
    Scene,
    build_scene,
    hours_config,
)


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """Two admins, so that one can review what the other added."""
    return hours_config(tmp_path)


@pytest.fixture
async def scene(services: Services, clock: ManualClock, db: Database, register) -> Scene:
    return await build_scene(services, clock, db, register)


# About 280 m north of the site: inside the 300 m radius, in its outer tenth.
EDGE = (SITE[0] + 0.00252, SITE[1])


async def _second_activity(scene: Scene, hours_after: float, title: str = "献血宣传") -> Activity:
    start = scene.activity.starts_at + timedelta(hours=hours_after)
    return await scene.services.activities.create(
        scene.lead,
        Activity(
            0,
            "traffic",
            title,
            "blood",
            start,
            start + timedelta(hours=2),
            "中山路广场",
            10,
            "published",
            latitude=SITE[0],
            longitude=SITE[1],
        ),
    )


async def _moved_without_checks(scene: Scene, activity: Activity, hours_after: float) -> None:
    """The activity moved onto the first one's time the way the code before the fix let a
    lead do it: straight in storage, with everyone's places kept."""
    start = scene.activity.starts_at + timedelta(hours=hours_after)
    async with scene.db.transaction() as tx:
        await activities.update(
            tx, activity.id, scene.clock.now(), starts_at=start, ends_at=start + timedelta(hours=2)
        )


async def _checked_in_with_an_overlap(scene: Scene) -> Activity:
    """Anna is signed up for the first activity (09:00-11:00) and another moved onto 10:00-
    12:00 the way the code before the fix allowed, and checks in to the first by code at
    09:00. The other activity is returned."""
    services, clock = scene.services, scene.clock
    other = await _second_activity(scene, hours_after=5)
    await scene.services.signups.sign_up(ANNA, other.id)
    await _moved_without_checks(scene, other, hours_after=1)
    clock.advance(scene.activity.starts_at - clock.now())
    _, code, _ = await services.checkin.issue_code(scene.lead, scene.activity.id)
    await services.checkin.check_in_by_code(ANNA, code)
    return other


async def _record(scene: Scene, activity_id: int, name: str):  # type: ignore[no-untyped-def]
    view = await scene.services.attendance.sheet(scene.lead, activity_id)
    return next(line.record for line in view.lines if line.name == name)


# ---------------------------------------------------------------- item 1: overlaps


async def test_item1_a_time_change_that_makes_confirmed_volunteers_clash_is_refused(
    scene: Scene,
) -> None:
    later = await _second_activity(scene, hours_after=5)
    await scene.services.signups.sign_up(ANNA, later.id)
    await scene.services.signups.sign_up(BO, later.id)
    onto = later.starts_at - timedelta(hours=4, minutes=30)  # 09:30, inside 09:00-11:00
    with pytest.raises(TimeChangeClash) as refused:
        await scene.services.activity_changes.change_time(
            scene.lead, later.id, onto, onto + timedelta(hours=2)
        )
    assert refused.value.params["count"] == 2
    assert refused.value.params["title"] == scene.activity.title
    unchanged = await activities.get(scene.db.reader, later.id)
    assert unchanged is not None and unchanged.starts_at == later.starts_at
    # A time that clashes with nobody's other sign-up is still fine.
    moved = later.starts_at + timedelta(hours=1)
    await scene.services.activity_changes.change_time(
        scene.lead, later.id, moved, moved + timedelta(hours=2)
    )


async def test_item1_a_time_change_is_refused_for_people_waiting_for_a_place_too(
    scene: Scene, register
) -> None:
    later = await _second_activity(scene, hours_after=5)
    async with scene.db.transaction() as tx:
        await tx.execute("UPDATE activities SET capacity = 1 WHERE id = ?", (later.id,))
    await register(77, name="占位人", phone="13700000077")
    await scene.services.signups.sign_up(77, later.id)  # takes the only place
    assert (await scene.services.signups.sign_up(ANNA, later.id)).placement.value == "waitlisted"
    onto = scene.activity.starts_at
    with pytest.raises(TimeChangeClash) as refused:
        await scene.services.activity_changes.change_time(
            scene.lead, later.id, onto, onto + timedelta(hours=2)
        )
    assert refused.value.params["count"] == 1


async def test_item1_no_check_in_while_another_overlapping_check_in_is_open(
    scene: Scene,
) -> None:
    services, clock = scene.services, scene.clock
    other = await _second_activity(scene, hours_after=5)
    await scene.services.signups.sign_up(ANNA, other.id)
    await _moved_without_checks(scene, other, hours_after=0.5)
    clock.advance(scene.activity.starts_at - clock.now())
    await services.checkin.check_in_by_location(ANNA, scene.activity.id, *NEAR, live=True)
    _, code, _ = await services.checkin.issue_code(scene.lead, other.id)
    with pytest.raises(OpenCheckInElsewhere) as refused:
        await services.checkin.check_in_by_code(ANNA, code)
    assert refused.value.params["title"] == scene.activity.title
    clock.advance(timedelta(minutes=40))
    await services.checkin.check_out(ANNA, scene.activity.id)
    _, code, _ = await services.checkin.issue_code(scene.lead, other.id)
    assert not (await services.checkin.check_in_by_code(ANNA, code)).already  # once out, in is fine


async def test_item1_a_lead_cannot_mark_present_someone_checked_in_to_an_overlapping_activity(
    scene: Scene,
) -> None:
    services, clock = scene.services, scene.clock
    other = await _second_activity(scene, hours_after=5)
    await scene.services.signups.sign_up(ANNA, other.id)
    await _moved_without_checks(scene, other, hours_after=0.5)
    clock.advance(scene.activity.starts_at + timedelta(minutes=45) - clock.now())
    await services.checkin.check_in_by_location(ANNA, scene.activity.id, *NEAR, live=True)
    with pytest.raises(PersonCheckedInElsewhere) as refused:
        await services.checkin.mark_present(scene.lead, other.id, scene.people[ANNA], True)
    assert refused.value.params["title"] == scene.activity.title
    _, people = await services.checkin.presence(scene.lead, other.id)
    assert all(person.checkin is None for person in people)


async def test_item1_the_sheet_flags_overlapping_records_and_each_needs_a_decision(
    scene: Scene,
) -> None:
    services, clock = scene.services, scene.clock
    other = await _checked_in_with_an_overlap(scene)
    clock.advance(timedelta(hours=2))
    await services.checkin.check_out(ANNA, scene.activity.id)  # 09:00-11:00 at the first activity
    clock.advance(timedelta(minutes=services.checkin.config.checkout_grace_minutes))
    assert await services.attendance.make_sheets() == 1
    first = await _record(scene, scene.activity.id, "安娜")
    assert first.proposed_minutes == 120 and "overlap" not in first.flags
    await services.attendance.approve_sheet(scene.lead, scene.activity.id)
    # Back at 10:15 the lead had marked her present by hand at the other one, from 10:00.
    clock.advance(other.starts_at + timedelta(hours=1, minutes=15) - clock.now())
    await services.checkin.mark_present(scene.lead, other.id, scene.people[ANNA], True)
    clock.advance(timedelta(hours=2))
    assert await services.attendance.make_sheets() == 1
    second = await _record(scene, other.id, "安娜")
    assert "overlap" in second.flags and second.needs_decision
    result = await services.attendance.approve_sheet(scene.lead, other.id)
    assert (result.approved, result.held, result.complete) == (0, 1, False)
    assert (await _record(scene, other.id, "安娜")).state is RecordState.PENDING
    # The lead's own decision on that record is what lets the approval pass it.
    decided = await services.records.adjust(scene.lead, second.id, 60, "十一点到十二点在场，已核实")
    assert DECIDED in decided.flags and decided.minutes == 60
    assert (await services.attendance.approve_sheet(scene.lead, other.id)).complete
    summary, _ = await services.records.summary(ANNA)
    assert summary.approved_total == 180  # 3 h of presence, not 4


async def test_item1_marking_an_overlapping_record_present_never_counts_minutes_twice(
    scene: Scene,
) -> None:
    services, clock = scene.services, scene.clock
    other = await _checked_in_with_an_overlap(scene)
    clock.advance(timedelta(minutes=110))
    await services.checkin.check_out(ANNA, scene.activity.id)  # 09:00-10:50
    clock.advance(timedelta(minutes=10))
    await services.checkin.mark_present(
        scene.lead, other.id, scene.people[ANNA], True
    )  # from 10:00
    clock.advance(other.ends_at + timedelta(minutes=30) - clock.now())
    assert await services.attendance.make_sheets() == 2
    first = await _record(scene, scene.activity.id, "安娜")
    second = await _record(scene, other.id, "安娜")
    assert "overlap" in first.flags and "overlap" in second.flags
    assert await services.attendance.present_minutes(second) == 120 - 50  # 10:50-12:00 only
    await services.attendance.set_mark(scene.lead, first.id, Mark.PRESENT)
    await services.attendance.set_mark(scene.lead, second.id, Mark.PRESENT)
    for activity_id in (scene.activity.id, other.id):
        assert (await services.attendance.approve_sheet(scene.lead, activity_id)).complete
    summary, _ = await services.records.summary(ANNA)
    assert summary.approved_total == 180  # 09:00-12:00, each minute once


# ---------------------------------------------------------------- item 2: forgotten check-out


async def test_item2_a_forgotten_check_out_proposes_nothing_or_up_to_the_last_signal(
    scene: Scene,
) -> None:
    services, clock = scene.services, scene.clock
    clock.advance(scene.activity.starts_at - clock.now())
    _, code, _ = await services.checkin.issue_code(scene.lead, scene.activity.id)
    await services.checkin.check_in_by_code(BO, code)
    await services.checkin.check_in_by_code(CHEN, code)
    await services.checkin.check_in_by_location(ANNA, scene.activity.id, *NEAR, live=True)
    clock.advance(timedelta(minutes=60))
    _, fresh, _ = await services.checkin.issue_code(scene.lead, scene.activity.id)
    assert (
        await services.checkin.check_in_by_code(BO, fresh)
    ).already  # a re-scan: still here at 10:00
    clock.advance(timedelta(minutes=15))
    assert (
        await services.checkin.live_location_moved(ANNA, *NEAR) == 1
    )  # her live location at 10:15
    assert (
        await services.checkin.live_location_moved(ANNA, SITE[0] + 0.01, SITE[1]) == 0
    )  # 1 km away
    clock.advance(scene.activity.ends_at + timedelta(minutes=30) - clock.now())
    assert await services.attendance.make_sheets() == 1
    view = await services.attendance.sheet(scene.lead, scene.activity.id)
    records = {line.name: line.record for line in view.lines}
    assert records["薄一"].proposed_minutes == 60 and records["薄一"].minutes == 60
    assert records["安娜"].proposed_minutes == 75
    assert records["陈二"].proposed_minutes == 0
    assert records["薄一"].last_seen_at == scene.activity.starts_at + timedelta(minutes=60)
    assert all("no_checkout" in record.flags for record in records.values())
    # The approval passes none of them without the lead's own decision.
    result = await services.attendance.approve_sheet(scene.lead, scene.activity.id)
    assert (result.approved, result.held) == (0, 3)


async def test_item2_missing_check_outs_come_first_on_the_sheet(scene: Scene) -> None:
    services, clock = scene.services, scene.clock
    clock.advance(scene.activity.starts_at - clock.now())
    _, code, _ = await services.checkin.issue_code(scene.lead, scene.activity.id)
    for person in (ANNA, BO):
        await services.checkin.check_in_by_code(person, code)
    clock.advance(timedelta(hours=1))
    await services.checkin.check_out(ANNA, scene.activity.id)
    clock.advance(timedelta(hours=2))
    await services.attendance.make_sheets()
    view = await services.attendance.sheet(scene.lead, scene.activity.id)
    assert view.lines[0].name == "薄一"  # "安娜" sorts before by name


# ---------------------------------------------------------------- item 3: bulk approval


async def test_item3_bulk_approval_passes_only_unflagged_records(scene: Scene) -> None:
    services, clock = scene.services, scene.clock
    clock.advance(scene.activity.starts_at - clock.now())
    await services.checkin.check_in_by_location(ANNA, scene.activity.id, *EDGE, live=True)  # edge
    _, code, _ = await services.checkin.issue_code(scene.lead, scene.activity.id)
    await services.checkin.check_in_by_code(BO, code)  # clean
    await services.checkin.mark_present(
        scene.lead, scene.activity.id, scene.people[CHEN], True
    )  # manual
    clock.advance(timedelta(hours=2))
    for person in (ANNA, BO, CHEN):
        await services.checkin.check_out(person, scene.activity.id)
    clock.advance(timedelta(minutes=30))
    await services.attendance.make_sheets()
    records = {
        line.name: line.record
        for line in (await services.attendance.sheet(scene.lead, scene.activity.id)).lines
    }
    assert "edge" in records["安娜"].flags and "manual" in records["陈二"].flags
    assert not records["薄一"].flags
    first = await services.attendance.approve_sheet(scene.lead, scene.activity.id)
    assert (first.approved, first.held, first.complete) == (1, 2, False)
    # One by one: present for the edge check-in, absent for the hand-marked one.
    await services.attendance.set_mark(scene.lead, records["安娜"].id, Mark.PRESENT)
    await services.attendance.set_mark(scene.lead, records["陈二"].id, Mark.ABSENT)
    second = await services.attendance.approve_sheet(scene.lead, scene.activity.id)
    assert (second.approved, second.no_shows, second.held, second.complete) == (1, 1, 0, True)


# ---------------------------------------------------------------- item 4: live location


async def test_item4_a_plain_location_is_refused_for_check_in(scene: Scene) -> None:
    services, clock = scene.services, scene.clock
    clock.advance(scene.activity.starts_at - clock.now())
    with pytest.raises(LiveLocationNeeded):
        await services.checkin.check_in_by_location(ANNA, scene.activity.id, *NEAR, live=False)
    assert await services.checkin.open_sessions(ANNA) == []
    result = await services.checkin.check_in_by_location(ANNA, scene.activity.id, *NEAR, live=True)
    assert not result.already


# ---------------------------------------------------------------- item 5: manual hours


async def test_item5_the_admin_who_added_hours_cannot_approve_their_review(
    scene: Scene, services: Services
) -> None:
    admin = await services.roles.actor(ADMIN_ID)
    day = date(2026, 11, 20)
    await services.records.add_manual(
        admin, scene.people[ANNA], "traffic", day, 7 * 60, "路口劝导", "纸质签到表补录"
    )
    held = await services.records.add_manual(
        admin, scene.people[ANNA], "traffic", day, 120, "献血宣传", "纸质签到表补录"
    )
    assert held.state is RecordState.REVIEW
    with pytest.raises(SelfReview):
        await services.records.approve_review(admin, held.id)
    other = await services.roles.actor(SECOND_ADMIN)
    assert (await services.records.approve_review(other, held.id)).state is RecordState.APPROVED


async def test_item5_an_admin_correction_sent_to_review_waits_for_another_admin(
    scene: Scene, services: Services
) -> None:
    admin = await services.roles.actor(ADMIN_ID)
    day = date(2026, 11, 21)
    await services.records.add_manual(
        admin, scene.people[BO], "traffic", day, 7 * 60, "路口劝导", "纸质签到表补录"
    )
    small = await services.records.add_manual(
        admin, scene.people[BO], "traffic", day, 30, "宣传", "纸质签到表补录"
    )
    raised = await services.records.adjust(admin, small.id, 120, "核对为两个小时")
    assert raised.state is RecordState.REVIEW
    with pytest.raises(SelfReview):
        await services.records.approve_review(admin, raised.id)


async def test_item5_a_correction_cannot_make_a_day_longer_than_24_hours(
    scene: Scene, services: Services
) -> None:
    admin = await services.roles.actor(SECOND_ADMIN)
    day = date(2026, 11, 23)
    first = await services.records.add_manual(
        admin, scene.people[BO], "traffic", day, 12 * 60, "通宵值守", "值班表补录核实"
    )
    await services.records.add_manual(
        admin, scene.people[BO], "traffic", day, 12 * 60, "白天值守", "值班表补录核实"
    )
    with pytest.raises(DayOverfull):
        await services.records.adjust(admin, first.id, 24 * 60, "核对为二十四小时")
    lowered = await services.records.adjust(admin, first.id, 10 * 60, "核对为十个小时")
    assert lowered.minutes == 10 * 60


async def test_item5_no_manual_addition_beyond_24_hours_in_one_day(
    scene: Scene, services: Services
) -> None:
    admin = await services.roles.actor(SECOND_ADMIN)
    day = date(2026, 11, 22)
    await services.records.add_manual(
        admin, scene.people[ANNA], "traffic", day, 20 * 60, "通宵值守", "值班表补录核实"
    )
    with pytest.raises(DayOverfull):
        await services.records.add_manual(
            admin, scene.people[ANNA], "traffic", day, 5 * 60, "路口劝导", "值班表补录核实"
        )
    with pytest.raises(DayOverfull):
        await services.records.preview_manual(admin, scene.people[ANNA], day, 5 * 60)
    await services.records.add_manual(
        admin, scene.people[ANNA], "traffic", day, 4 * 60, "路口劝导", "值班表补录核实"
    )


async def test_item5_a_lone_admin_cannot_add_hours_over_the_daily_limit(
    tmp_path: Path, clock: ManualClock
) -> None:
    lone = make_config(tmp_path / "lone")
    database = await Database.open(lone.storage.path)
    try:
        services = Services.build(database, lone, clock)
        await services.teams.seed(lone.teams)
        volunteer = await services.registration.register(
            7, "李四", "13700137000", ("traffic",), consent=True
        )
        admin = await services.roles.actor(ADMIN_ID)
        day = date(2026, 11, 20)
        with pytest.raises(NoOtherAdmin):
            await services.records.add_manual(
                admin, volunteer.id, "traffic", day, 9 * 60, "通宵值守", "值班表补录核实"
            )
        with pytest.raises(NoOtherAdmin):
            await services.records.preview_manual(admin, volunteer.id, day, 9 * 60)
        async with database.reader.execute("SELECT COUNT(*) FROM service_records") as cursor:
            assert (await cursor.fetchone())[0] == 0  # type: ignore[index]
        under = await services.records.add_manual(
            admin, volunteer.id, "traffic", day, 8 * 60, "通宵值守", "值班表补录核实"
        )
        assert under.state is RecordState.APPROVED
    finally:
        await database.close()

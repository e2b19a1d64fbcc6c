"""Household pairing (千名义工助千户) against a real SQLite file: households registered and
imported, pairing and its limit, visits by live location or the lead's confirmation credited
through the rules every record follows, coverage and the due list, nudges, the monthly report.
Time comes from an injected clock (2026-11-27 08:00 UTC, a Friday, 16:00 in Shanghai)."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import aiosqlite
import pytest

from bot.clock import ManualClock
from bot.config import Config
from bot.domain.errors import (
    AlreadyPaired,
    DayOverfull,
    DomainError,
    DuplicateHouseholdRow,
    HouseholdCodeTaken,
    InvalidCadence,
    InvalidCommunity,
    InvalidHouseholdCode,
    InvalidHouseholdNote,
    InvalidMinutes,
    InvalidReason,
    NotLeadOrAdmin,
    NotPaired,
    NotTeamLead,
    NotTeamMember,
    OwnHours,
    RecordNotOpen,
    TooManyHouseholds,
    UnknownNeed,
    UnknownTeam,
    VisitAlreadyLogged,
    VisitLiveLocationNeeded,
    VisitTooFar,
)
from bot.domain.hours import RecordState
from bot.domain.households import Household
from bot.domain.models import Actor
from bot.domain.ranking import Period
from bot.services import Services
from bot.services.household_import import HouseholdRow, import_households
from bot.services.households import HouseholdDraft
from bot.services.visits import NO_LOCATION
from storage.db import Database
from tests.conftest import ADMIN_ID, make_config
from tests.wording import says

LEAD, ANNA, BO, CHEN, SUN_LEAD = 11_111, 22_222, 33_333, 44_444, 55_555
PIN = (22.5650, 112.9690)
NEAR = (22.5655, 112.9690)  # about 55 m away
FAR = (22.5740, 112.9690)  # about 1 km away
NOTE = "王阿婆 独居 儿子王建国 13700001234"  # the private contact note


@pytest.fixture
def config(tmp_path: Path) -> Config:
    # Two admins: one can review what the other decided past the daily limit.
    return make_config(tmp_path, org={"admins": [ADMIN_ID, 900_002]})


@pytest.fixture
async def people(services: Services, register: Any) -> dict[str, Actor]:
    """LEAD leads traffic; ANNA, BO and CHEN are traffic volunteers; SUN_LEAD leads sunshine."""
    admin = await services.roles.actor(ADMIN_ID)
    lead = await register(LEAD, "张队长", "13800000001", ("traffic",))
    for telegram_id, name, phone in (
        (ANNA, "安娜", "13800000002"),
        (BO, "波波", "13800000003"),
        (CHEN, "陈晨", "13800000004"),
    ):
        await register(telegram_id, name, phone, ("traffic",))
    sun = await register(SUN_LEAD, "孙队长", "13800000005", ("sunshine",))
    await services.roles.promote(admin, lead.id, "traffic")
    await services.roles.promote(admin, sun.id, "sunshine")
    return {
        "admin": admin,
        "lead": await services.roles.actor(LEAD),
        "sun": await services.roles.actor(SUN_LEAD),
        "anna": await services.roles.actor(ANNA),
    }


def _draft(code: str = "SP-017", **changes: Any) -> HouseholdDraft:
    draft = HouseholdDraft(
        team_key="traffic",
        code=code,
        community="沙坪街道中东社区",
        needs=("elderly_alone",),
        cadence_days=30,
        contact_note=NOTE,
    )
    return replace(draft, **changes)


async def _volunteer_id(services: Services, telegram_id: int) -> int:
    volunteer = await services.registration.volunteer(telegram_id)
    assert volunteer is not None
    return volunteer.id


async def _outbox(db: Database, chat_id: int | None = None) -> list[aiosqlite.Row]:
    where = "" if chat_id is None else f" WHERE chat_id = {int(chat_id)}"
    async with db.reader.execute(f"SELECT * FROM outbox{where} ORDER BY id") as cursor:
        return list(await cursor.fetchall())


def _read(path: str) -> bytes:
    return Path(path).read_bytes()


async def _paired_household(
    services: Services, people: dict[str, Actor], pin: bool = True, code: str = "SP-017"
) -> Household:
    location = {"latitude": PIN[0], "longitude": PIN[1]} if pin else {}
    household = await services.households.register(people["lead"], _draft(code, **location))
    await services.households.pair(
        people["lead"], household.id, await _volunteer_id(services, ANNA)
    )
    return household


# ---------------------------------------------------------------- registering


async def test_a_lead_registers_a_household_of_their_team(
    services: Services, people: dict[str, Actor], clock: ManualClock
) -> None:
    household = await services.households.register(
        people["lead"], _draft("sp-017", needs=("poverty", "elderly_alone"))
    )
    assert (household.code, household.team_key, household.cadence_days) == (
        "SP-017",
        "traffic",
        30,
    )
    assert household.needs == ("elderly_alone", "poverty")  # the configured order
    assert household.due_on == date(2026, 11, 27) + timedelta(days=30)
    found = await services.households.household_file(people["lead"], household.id)
    assert found.contact_note == NOTE and found.pairings == ()


async def test_a_household_code_is_taken_once_across_the_city(
    services: Services, people: dict[str, Actor]
) -> None:
    await services.households.register(people["lead"], _draft("SP-017"))
    with pytest.raises(HouseholdCodeTaken):
        await services.households.register(people["admin"], _draft("sp-017", team_key="sunshine"))
    with pytest.raises(HouseholdCodeTaken):
        await services.households.code_free(people["lead"], "SP-017")


async def test_only_the_teams_leads_and_admins_register_households(
    services: Services, people: dict[str, Actor]
) -> None:
    with pytest.raises(NotLeadOrAdmin):
        await services.households.register(people["anna"], _draft())
    with pytest.raises(NotTeamLead):
        await services.households.register(people["sun"], _draft())  # traffic's, not theirs
    assert (await services.households.page(people["admin"], 0)).total == 0
    await services.households.register(people["admin"], _draft(team_key="sunshine"))
    assert (await services.households.page(people["sun"], 0)).total == 1


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"code": ""}, InvalidHouseholdCode),
        ({"code": "SP 017"}, InvalidHouseholdCode),
        ({"code": "-SP"}, InvalidHouseholdCode),
        ({"code": "A" * 21}, InvalidHouseholdCode),
        ({"code": "'; DROP TABLE households; --"}, InvalidHouseholdCode),
        ({"code": "🏠1"}, InvalidHouseholdCode),
        ({"community": ""}, InvalidCommunity),
        ({"community": "社" * 41}, InvalidCommunity),
        ({"community": "社区\x00"}, InvalidCommunity),
        ({"community": "🏠🏠"}, InvalidCommunity),
        ({"cadence_days": 0}, InvalidCadence),
        ({"cadence_days": 366}, InvalidCadence),
        ({"cadence_days": -5}, InvalidCadence),
        ({"contact_note": "x" * 5000}, InvalidHouseholdNote),
        ({"contact_note": "电话\x07"}, InvalidHouseholdNote),
        ({"needs": ("flying",)}, UnknownNeed),
    ],
)
async def test_bad_household_values_are_refused_and_nothing_is_stored(
    services: Services, people: dict[str, Actor], changes: dict[str, Any], error: type
) -> None:
    with pytest.raises(error):
        await services.households.register(people["lead"], _draft(**changes))
    assert (await services.households.page(people["lead"], 0)).total == 0


async def test_the_leads_list_shows_the_most_overdue_first(
    services: Services, people: dict[str, Actor], clock: ManualClock
) -> None:
    await services.households.register(people["lead"], _draft("SP-001", cadence_days=60))
    await services.households.register(people["lead"], _draft("SP-002", cadence_days=7))
    await services.households.register(people["lead"], _draft("SP-003", cadence_days=30))
    page = await services.households.page(people["lead"], 0)
    assert [h.code for h in page.households] == ["SP-002", "SP-003", "SP-001"]
    clock.advance(timedelta(days=8))
    [first, *_] = (await services.households.page(people["lead"], 0)).households
    assert first.code == "SP-002" and first.is_due(services.households.today())


# ---------------------------------------------------------------- pairing


async def test_a_paired_volunteer_is_told_the_code_community_and_needs_but_not_the_note(
    services: Services, people: dict[str, Actor], db: Database
) -> None:
    household = await _paired_household(services, people)
    [told] = await _outbox(db, ANNA)
    assert says(told["text"], "households.paired", code="SP-017", community="沙坪街道中东社区")
    assert "王" not in told["text"] and "13700001234" not in told["text"]
    assert [h.code for h in await services.households.mine(ANNA)] == ["SP-017"]
    found = await services.households.household_file(people["lead"], household.id)
    assert [p.name for p in found.pairings] == ["安娜"]


async def test_pairing_twice_or_with_a_non_member_is_refused(
    services: Services, people: dict[str, Actor], register: Any
) -> None:
    household = await _paired_household(services, people)
    with pytest.raises(AlreadyPaired):
        await services.households.pair(
            people["lead"], household.id, await _volunteer_id(services, ANNA)
        )
    outsider = await register(66_666, "外队员", "13800000006", ("blood",))
    with pytest.raises(NotTeamMember):
        await services.households.pair(people["lead"], household.id, outsider.id)


async def test_a_volunteer_is_paired_with_at_most_the_configured_households(
    services: Services, people: dict[str, Actor]
) -> None:
    anna = await _volunteer_id(services, ANNA)
    most = services.households.config.max_per_volunteer
    for n in range(most):
        household = await services.households.register(people["lead"], _draft(f"SP-{n:03d}"))
        await services.households.pair(people["lead"], household.id, anna)
    extra = await services.households.register(people["lead"], _draft("SP-999"))
    with pytest.raises(TooManyHouseholds):
        await services.households.pair(people["lead"], extra.id, anna)
    assert len(await services.households.mine(ANNA)) == most


async def test_only_the_teams_leads_pair_and_unpair(
    services: Services, people: dict[str, Actor], db: Database
) -> None:
    household = await _paired_household(services, people)
    bo = await _volunteer_id(services, BO)
    for outsider in (people["anna"], people["sun"]):
        with pytest.raises((NotTeamLead, NotLeadOrAdmin)):
            await services.households.pair(outsider, household.id, bo)
        with pytest.raises((NotTeamLead, NotLeadOrAdmin)):
            await services.households.unpair(
                outsider, household.id, await _volunteer_id(services, ANNA)
            )
        with pytest.raises((NotTeamLead, NotLeadOrAdmin)):
            await services.households.household_file(outsider, household.id)
    found = await services.households.household_file(people["lead"], household.id)
    assert [p.name for p in found.pairings] == ["安娜"]


async def test_unpairing_tells_the_volunteer_and_frees_a_place(
    services: Services, people: dict[str, Actor], db: Database
) -> None:
    household = await _paired_household(services, people)
    anna = await _volunteer_id(services, ANNA)
    await services.households.unpair(people["lead"], household.id, anna)
    assert says((await _outbox(db, ANNA))[-1]["text"], "households.unpaired", code="SP-017")
    assert await services.households.mine(ANNA) == []
    with pytest.raises(NotPaired):
        await services.households.unpair(people["lead"], household.id, anna)


# ---------------------------------------------------------------- visits


async def test_a_visit_from_a_live_location_near_the_pin_is_a_pending_visit_record(
    services: Services, people: dict[str, Actor], db: Database
) -> None:
    household = await _paired_household(services, people)
    record = await services.visits.log(
        ANNA, household.id, 90, ["elderly_alone"], "打扫卫生，陪聊", "AgACphoto", NEAR
    )
    assert (record.source, record.state, record.minutes, record.activity_id) == (
        "visit",
        RecordState.PENDING,
        90,
        None,
    )
    assert NO_LOCATION not in record.flags
    assert record.place == "沙坪街道中东社区" and "SP-017" in record.title
    lead_notice = (await _outbox(db, LEAD))[-1]
    assert says(lead_notice["text"], "visit.logged", name="安娜", code="SP-017")
    view = await services.visits.view(people["lead"], record.id)
    assert view.visit.note == "打扫卫生，陪聊" and view.visit.photo_file_id == "AgACphoto"
    assert view.visit.distance_m is not None and view.visit.distance_m < 100
    summary, _ = await services.records.summary(ANNA)
    assert summary.pending_total == 90


async def test_a_visit_to_a_pinned_household_needs_a_live_location_within_its_radius(
    services: Services, people: dict[str, Actor]
) -> None:
    household = await _paired_household(services, people)
    with pytest.raises(VisitTooFar):
        await services.visits.log(ANNA, household.id, 60, [], "", None, FAR)
    with pytest.raises(VisitLiveLocationNeeded):
        await services.visits.log(ANNA, household.id, 60, [], "", None, NEAR, live=False)
    with pytest.raises(VisitLiveLocationNeeded):
        await services.visits.log(ANNA, household.id, 60, [], "", None, None)
    await services.households.set_pin(people["lead"], household.id, *FAR, 2000)
    record = await services.visits.log(ANNA, household.id, 60, [], "", None, NEAR)
    assert record.state is RecordState.PENDING


async def test_a_visit_without_a_pin_is_flagged_for_the_leads_confirmation(
    services: Services, people: dict[str, Actor], db: Database
) -> None:
    household = await _paired_household(services, people, pin=False)
    record = await services.visits.log(ANNA, household.id, 60, [], "", None, None)
    assert NO_LOCATION in record.flags
    lead_notice = (await _outbox(db, LEAD))[-1]
    assert says(lead_notice["text"], "visit.logged_unlocated", code="SP-017")
    located = await services.visits.approve_located(people["lead"])
    assert (located.approved, located.left) == (0, 1), "the lead confirms it one by one"
    approved = await services.visits.approve(people["lead"], record.id)
    assert approved.state is RecordState.APPROVED


@pytest.mark.parametrize("minutes", [0, -30, 241, 10_000])
async def test_visit_minutes_out_of_bounds_are_refused(
    services: Services, people: dict[str, Actor], minutes: int
) -> None:
    household = await _paired_household(services, people, pin=False)
    with pytest.raises(InvalidMinutes):
        await services.visits.log(ANNA, household.id, minutes, [], "", None, None)


async def test_only_a_paired_volunteer_logs_a_visit_once_a_day(
    services: Services, people: dict[str, Actor], clock: ManualClock
) -> None:
    household = await _paired_household(services, people, pin=False)
    with pytest.raises(NotPaired):
        await services.visits.log(BO, household.id, 60, [], "", None, None)
    with pytest.raises(NotPaired):
        await services.visits.start(BO, household.id)
    await services.visits.log(ANNA, household.id, 60, [], "", None, None)
    with pytest.raises(VisitAlreadyLogged):
        await services.visits.log(ANNA, household.id, 60, [], "", None, None)
    with pytest.raises(VisitAlreadyLogged):
        await services.visits.start(ANNA, household.id)
    clock.advance(timedelta(days=1))
    assert (await services.visits.start(ANNA, household.id)).code == "SP-017"


async def test_a_visit_never_takes_a_day_past_24_hours(
    services: Services, people: dict[str, Actor]
) -> None:
    household = await _paired_household(services, people, pin=False)
    await services.records.add_manual(
        people["admin"],
        await _volunteer_id(services, ANNA),
        "traffic",
        services.households.today(),
        23 * 60,
        "通宵值守",
        "纸质签到表补录",
    )
    with pytest.raises(DayOverfull):
        await services.visits.log(ANNA, household.id, 120, [], "", None, None)


async def test_bad_visit_notes_and_needs_are_refused(
    services: Services, people: dict[str, Actor]
) -> None:
    household = await _paired_household(services, people, pin=False)
    with pytest.raises(InvalidHouseholdNote):
        await services.visits.log(ANNA, household.id, 60, [], "长" * 5000, None, None)
    with pytest.raises(UnknownNeed):
        await services.visits.log(ANNA, household.id, 60, ["'; DROP"], "", None, None)
    assert (await services.records.summary(ANNA))[0].pending_total == 0


# ---------------------------------------------------------------- the lead's decision


async def test_the_lead_approves_a_visit_and_the_household_drops_off_the_due_list(
    services: Services, people: dict[str, Actor], db: Database, clock: ManualClock
) -> None:
    household = await _paired_household(services, people)
    clock.advance(timedelta(days=31))
    assert (
        (await services.households.page(people["lead"], 0))
        .households[0]
        .is_due(services.households.today())
    )
    record = await services.visits.log(ANNA, household.id, 90, ["elderly_alone"], "", None, NEAR)
    approved = await services.visits.approve(people["lead"], record.id)
    assert approved.state is RecordState.APPROVED
    [after] = (await services.households.page(people["lead"], 0)).households
    assert after.last_visited_on == services.households.today()
    assert not after.is_due(services.households.today())
    assert says((await _outbox(db, ANNA))[-1]["text"], "hours.credited")
    summary, _ = await services.records.summary(ANNA)
    assert summary.approved_total == 90
    # It counts on the leaderboard like any other approved record.
    board = await services.reports.board(people["anna"], None, Period.MONTH)
    assert [(entry.key.volunteer_id, entry.key.minutes) for entry in board.top] == [
        (await _volunteer_id(services, ANNA), 90)
    ]
    # And on the certificate, as a household visit.
    certificate = await services.certificates.issue_certificate(ANNA, {})
    [line] = certificate.lines
    assert (line.title, line.place, line.minutes) == (record.title, "沙坪街道中东社区", 90)
    assert line.content.startswith("入户走访")


async def test_no_one_approves_their_own_visit_or_another_teams(
    services: Services, people: dict[str, Actor], register: Any
) -> None:
    household = await services.households.register(people["lead"], _draft())
    await services.households.pair(
        people["lead"], household.id, await _volunteer_id(services, LEAD)
    )
    own = await services.visits.log(LEAD, household.id, 60, [], "", None, None)
    with pytest.raises(OwnHours):
        await services.visits.approve(people["lead"], own.id)
    with pytest.raises(NotTeamLead):
        await services.visits.approve(people["sun"], own.id)
    with pytest.raises((NotTeamLead, NotLeadOrAdmin)):
        await services.visits.approve(people["anna"], own.id)
    assert (await services.visits.approve(people["admin"], own.id)).state is RecordState.APPROVED
    with pytest.raises(RecordNotOpen):
        await services.visits.approve(people["admin"], own.id)


async def test_a_visit_over_the_daily_limit_goes_to_another_admins_review(
    services: Services, people: dict[str, Actor]
) -> None:
    household = await _paired_household(services, people, pin=False)
    await services.records.add_manual(
        people["admin"],
        await _volunteer_id(services, ANNA),
        "traffic",
        services.households.today(),
        7 * 60,
        "义卖",
        "纸质签到表补录",
    )
    record = await services.visits.log(ANNA, household.id, 120, [], "", None, None)
    decided = await services.visits.approve(people["lead"], record.id)
    assert decided.state is RecordState.REVIEW
    [after] = (await services.households.page(people["lead"], 0)).households
    assert after.last_visited_on is not None, "the lead confirmed the visit"


async def test_a_refused_visit_credits_nothing_and_counts_no_visit(
    services: Services, people: dict[str, Actor], db: Database
) -> None:
    household = await _paired_household(services, people, pin=False)
    record = await services.visits.log(ANNA, household.id, 60, [], "", None, None)
    with pytest.raises(InvalidReason):
        await services.visits.reject(people["lead"], record.id, "..")
    refused = await services.visits.reject(people["lead"], record.id, "当天该户无人在家")
    assert (refused.state, refused.minutes) == (RecordState.NO_SHOW, 0)
    assert says((await _outbox(db, ANNA))[-1]["text"], "visit.rejected", reason="当天该户无人在家")
    [after] = (await services.households.page(people["lead"], 0)).households
    assert after.last_visited_on is None
    view = await services.records.record_view(people["lead"], record.id)
    assert view.history is not None and view.history[-1].reason == "当天该户无人在家"


async def test_a_visit_disputed_and_resolved_to_nothing_stops_counting(
    services: Services, people: dict[str, Actor]
) -> None:
    household = await _paired_household(services, people, pin=False)
    record = await services.visits.log(ANNA, household.id, 60, [], "", None, None)
    await services.visits.approve(people["lead"], record.id)
    coverage = await services.coverage.coverage(people["lead"])
    assert coverage.total.visited == 1 and coverage.months[-1].visited == 1
    await services.records.dispute(ANNA, record.id, "我其实没去成")
    assert (await services.coverage.coverage(people["lead"])).total.visited == 0
    await services.records.resolve(people["lead"], record.id, 0, "本人确认未走访")
    coverage = await services.coverage.coverage(people["lead"])
    assert coverage.total.visited == 0 and coverage.months[-1].visited == 0
    [after] = (await services.households.page(people["lead"], 0)).households
    assert after.last_visited_on is None


async def test_approving_every_located_visit_leaves_the_others(
    services: Services, people: dict[str, Actor]
) -> None:
    pinned = await _paired_household(services, people)
    unpinned = await _paired_household(services, people, pin=False, code="SP-018")
    await services.visits.log(ANNA, pinned.id, 60, [], "", None, NEAR)
    await services.visits.log(ANNA, unpinned.id, 60, [], "", None, None)
    with pytest.raises(NotLeadOrAdmin):
        await services.households.teams_managed(people["anna"])
    result = await services.visits.approve_located(people["lead"])
    assert (result.approved, result.in_review, result.left) == (1, 0, 1)
    [left] = await services.visits.pending(people["lead"])
    assert left.code == "SP-018"


# ---------------------------------------------------------------- coverage and nudges


async def test_coverage_counts_households_visited_due_and_overdue_per_team_and_community(
    services: Services, people: dict[str, Actor], clock: ManualClock
) -> None:
    visited = await _paired_household(services, people, pin=False, code="SP-001")
    await services.households.register(people["lead"], _draft("SP-002", community="龙口村"))
    await services.households.register(people["lead"], _draft("SP-003", cadence_days=90))
    await services.households.register(people["admin"], _draft("SH-001", team_key="sunshine"))
    clock.advance(timedelta(days=65))  # 2027-01-31: SP-001 and SP-002 due 35 days
    record = await services.visits.log(ANNA, visited.id, 60, [], "", None, None)
    await services.visits.approve(people["lead"], record.id)
    found = await services.coverage.coverage(people["lead"])
    assert [line.team.key for line in found.teams] == ["traffic"]
    assert (found.total.households, found.total.visited, found.total.due, found.total.overdue) == (
        3,
        1,
        1,
        1,
    )
    by_community = {line.community: line.figures for line in found.communities}
    assert by_community["龙口村"].due == 1 and by_community["龙口村"].overdue == 1
    assert by_community["沙坪街道中东社区"].households == 2
    city = await services.coverage.coverage(people["admin"])
    assert city.total.households == 4 and city.communities == ()
    assert [bar.visited for bar in city.months][-1] == 1
    assert [bar.households for bar in city.months][-3:] == [4, 4, 4]
    with pytest.raises(NotLeadOrAdmin):
        await services.coverage.coverage(people["anna"])
    sunshine = next(t for t in await services.teams.all() if t.key == "sunshine")
    with pytest.raises(NotLeadOrAdmin):
        await services.coverage.coverage(people["lead"], sunshine.id)
    assert (await services.coverage.coverage(people["admin"], sunshine.id)).total.households == 1


async def test_volunteers_of_a_due_household_are_nudged_once_then_weekly(
    services: Services, people: dict[str, Actor], db: Database, clock: ManualClock
) -> None:
    household = await _paired_household(services, people, pin=False)
    await services.households.pair(people["lead"], household.id, await _volunteer_id(services, BO))
    async with db.transaction() as tx:
        await tx.execute("DELETE FROM outbox")
    clock.advance(timedelta(days=29))
    assert await services.household_nudges.nudge_due() == 0  # not due yet
    clock.advance(timedelta(days=1))
    assert await services.household_nudges.nudge_due() == 2
    assert says((await _outbox(db, ANNA))[-1]["text"], "households.nudge", code="SP-017")
    assert "13700001234" not in (await _outbox(db, ANNA))[-1]["text"]
    for _ in range(6):
        clock.advance(timedelta(days=1))
        assert await services.household_nudges.nudge_due() == 0
    clock.advance(timedelta(days=1))
    assert await services.household_nudges.nudge_due() == 2  # a week later, still due
    record = await services.visits.log(ANNA, household.id, 60, [], "", None, None)
    await services.visits.approve(people["lead"], record.id)
    clock.advance(timedelta(days=7))
    assert await services.household_nudges.nudge_due() == 0


async def test_nudges_wait_for_the_notice_time_of_day(
    services: Services, people: dict[str, Actor], clock: ManualClock
) -> None:
    await _paired_household(services, people, pin=False)
    clock.advance(timedelta(days=30, hours=-8))  # 2026-12-27 08:00 in Shanghai
    assert await services.household_nudges.nudge_due() == 0
    clock.advance(timedelta(hours=1, minutes=1))
    assert await services.household_nudges.nudge_due() == 1


async def test_last_months_report_goes_to_the_admins_on_the_first_working_day_once(
    services: Services, people: dict[str, Actor], db: Database, clock: ManualClock
) -> None:
    household = await _paired_household(services, people, pin=False)
    record = await services.visits.log(ANNA, household.id, 60, [], "", None, None)
    await services.visits.approve(people["lead"], record.id)
    clock.advance(timedelta(days=4, hours=-7))  # Tue 1 Dec 2026, 09:00 in Shanghai
    assert services.coverage.report_due() == date(2026, 11, 1)
    queued = await services.coverage.queue_monthly_report()
    assert queued == 4  # two admins, a table and a chart each
    assert await services.coverage.queue_monthly_report() == 0
    rows = await _outbox(db, ADMIN_ID)
    document, photo = rows[-2], rows[-1]
    assert (document["file_kind"], photo["file_kind"]) == ("document", "photo")
    assert says(document["text"], "coverage.report_caption", households=1, visited=1)
    table = list(csv.reader(io.StringIO(_read(document["file_path"]).decode("utf-8-sig"))))
    assert table[1][1:] == ["沙坪街道中东社区", "1", "1", "0", "0"]
    assert table[-1][2:] == ["1", "1", "0", "0"]
    assert _read(photo["file_path"]).startswith(b"\x89PNG")
    assert all(NOTE not in cell for row in table for cell in row)


async def test_the_report_waits_for_the_first_working_day_of_the_month(
    services: Services, clock: ManualClock
) -> None:
    def at(moment: datetime) -> None:
        clock.advance(moment - clock.now())

    at(datetime(2027, 5, 1, 2, tzinfo=UTC))  # Sat 1 May 2027, 10:00 in Shanghai
    assert services.coverage.report_due() is None
    at(datetime(2027, 5, 3, 0, 59, tzinfo=UTC))  # Mon 3 May, 08:59: before the time
    assert services.coverage.report_due() is None
    at(datetime(2027, 5, 3, 1, tzinfo=UTC))  # 09:00
    assert services.coverage.report_due() == date(2027, 4, 1)
    at(datetime(2027, 5, 20, 1, tzinfo=UTC))  # later in the month (the bot was down): still
    assert services.coverage.report_due() == date(2027, 4, 1)


# ---------------------------------------------------------------- import


def _row(line: int, code: str, **changes: Any) -> HouseholdRow:
    row = HouseholdRow(line, code, "traffic", "沙坪街道中东社区", ("elderly_alone",))
    return replace(row, **changes)


async def test_import_checks_every_row_first_and_imports_nothing_if_any_is_wrong(
    services: Services, db: Database, clock: ManualClock, config: Config
) -> None:
    rows = [
        _row(2, "SP-001"),
        _row(3, "SP-002", team_key="nowhere"),
        _row(4, "SP-001"),
        _row(5, "SP-004", needs=("flying",)),
        _row(6, "bad code"),
        _row(7, "SP-007", cadence="0"),
        _row(8, "SP-008", latitude="north", longitude="1"),
    ]
    report = await import_households(db, clock.now(), config.org.zone, config.households, rows)
    assert [(line, type(error)) for line, error in report.errors] == [
        (3, UnknownTeam),
        (4, DuplicateHouseholdRow),
        (5, UnknownNeed),
        (6, InvalidHouseholdCode),
        (7, InvalidCadence),
        (8, type(report.errors[-1][1])),
    ]
    assert all(isinstance(error, DomainError) for _, error in report.errors)
    assert report.created == 0
    assert (await services.households.page(await services.roles.actor(ADMIN_ID), 0)).total == 0


async def test_import_goes_in_chunks_and_a_second_run_completes_the_first(
    services: Services, db: Database, clock: ManualClock, config: Config
) -> None:
    rows = [_row(n + 2, f"SP-{n:04d}", cadence="14") for n in range(1203)]
    report = await import_households(
        db, clock.now(), config.org.zone, config.households, rows[:700], chunk=500, pause=0
    )
    assert (report.created, report.existing) == (700, 0)
    again = await import_households(
        db, clock.now(), config.org.zone, config.households, rows, chunk=500, pause=0
    )
    assert (again.created, again.existing) == (503, 700)
    admin = await services.roles.actor(ADMIN_ID)
    page = await services.households.page(admin, 0)
    assert page.total == 1203 and page.households[0].cadence_days == 14
    elsewhere = [_row(2, "SP-0001", team_key="sunshine")]
    moved = await import_households(db, clock.now(), config.org.zone, config.households, elsewhere)
    assert [type(error) for _, error in moved.errors] == [HouseholdCodeTaken]


# ---------------------------------------------------------------- privacy


async def test_no_message_to_a_volunteer_holds_the_private_contact_note(
    services: Services, people: dict[str, Actor], db: Database, clock: ManualClock
) -> None:
    """Every flow that writes to volunteers: pairing, nudges, a visit credited, one refused,
    unpairing. The note's words reach only the team's leads and admins (in /households)."""
    household = await _paired_household(services, people)
    await services.households.pair(people["lead"], household.id, await _volunteer_id(services, BO))
    clock.advance(timedelta(days=31, hours=2))
    assert await services.household_nudges.nudge_due() == 2
    record = await services.visits.log(ANNA, household.id, 60, ["elderly_alone"], "", None, NEAR)
    await services.visits.approve(people["lead"], record.id)
    unpinned = await _paired_household(services, people, pin=False, code="SP-099")
    refused = await services.visits.log(ANNA, unpinned.id, 30, [], "", None, None)
    await services.visits.reject(people["lead"], refused.id, "照片与该户不符，请重新走访")
    await services.households.unpair(
        people["lead"], household.id, await _volunteer_id(services, BO)
    )
    volunteers_told = [
        row["text"] for telegram_id in (ANNA, BO, CHEN) for row in await _outbox(db, telegram_id)
    ]
    assert len(volunteers_told) >= 7
    parts = ("王阿婆", "王建国", "13700001234")
    assert [text for text in volunteers_told if any(part in text for part in parts)] == []


async def test_forget_me_releases_pairings_and_redacts_the_persons_visit_notes_and_photos(
    services: Services, people: dict[str, Actor], db: Database, register: Any
) -> None:
    from tests.service.test_privacy import NAME, PERSON, PHONE, _scan_database

    person = await register(PERSON, NAME, PHONE, ("traffic",))
    household = await services.households.register(
        people["lead"], _draft(latitude=PIN[0], longitude=PIN[1])
    )
    await services.households.pair(people["lead"], household.id, person.id)
    record = await services.visits.log(
        PERSON,
        household.id,
        60,
        [],
        f"我是{NAME}，电话{PHONE}，陪老人聊天",
        "AgACpersonphoto",
        NEAR,
    )
    # The person, made a lead, also registered and paired a household themselves.
    await services.roles.promote(people["admin"], person.id, "sunshine")
    person_lead = await services.roles.actor(PERSON)
    theirs = await services.households.register(person_lead, _draft("SH-001", team_key="sunshine"))
    before = await _scan_database(db)
    assert any(leak.startswith("visits.note") for leak in before)
    assert any(leak.startswith("households.created_by") for leak in before)

    await services.registration.forget(PERSON)

    assert await _scan_database(db) == []
    view = await services.visits.view(people["lead"], record.id)
    assert (view.visit.note, view.visit.photo_file_id) == (None, None)
    assert view.record.minutes == 60, "the visit and its record stay, under the row id"
    found = await services.households.household_file(people["lead"], household.id)
    assert found.pairings == ()
    kept = await services.households.household_file(people["admin"], theirs.id)
    assert kept.contact_note == NOTE, "the household's own note is not the person's"


async def test_the_households_job_nudges_and_reports_and_logs_its_counts(
    services: Services, people: dict[str, Actor], clock: ManualClock, caplog: Any
) -> None:
    from types import SimpleNamespace

    from telegram_adapter.jobs import HOUSEHOLDS_TICK_SECONDS, households

    assert HOUSEHOLDS_TICK_SECONDS <= 3600
    await _paired_household(services, people, pin=False)
    context = SimpleNamespace(runtime=SimpleNamespace(services=services))

    async def tick_at(moment: datetime) -> str:
        clock.advance(moment - clock.now())
        caplog.clear()
        with caplog.at_level("INFO", logger="telegram_adapter.jobs"):
            await households(context)  # type: ignore[arg-type]
            await households(context)  # type: ignore[arg-type]
        return str(caplog.text)

    # Tue 1 Dec 2026, 10:00 in Shanghai: November's report, once; nobody due yet.
    logged = await tick_at(datetime(2026, 12, 1, 2, tzinfo=UTC))
    assert logged.count("households: 0 nudges, 4 coverage report messages queued") == 1
    assert "households:" not in logged.split("queued", 1)[1]
    # Mon 28 Dec: the household fell due the day before; its volunteer is nudged once.
    logged = await tick_at(datetime(2026, 12, 28, 2, tzinfo=UTC))
    assert logged.count("households: 1 nudges, 0 coverage report messages queued") == 1
    # Fri 1 Jan 2027, the first working day: December's report; no nudge within the week.
    logged = await tick_at(datetime(2027, 1, 1, 2, tzinfo=UTC))
    assert logged.count("households: 0 nudges, 4 coverage report messages queued") == 1

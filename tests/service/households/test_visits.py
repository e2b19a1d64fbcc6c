"""Visits to paired households on a real SQLite file: by live location near the pin or the
lead's confirmation, the minutes and the 24 h day, and the lead's decision by the rules every
record follows (never one's own, the daily limit, refusals, disputes)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from bot.clock import ManualClock
from bot.domain.errors import (
    DayOverfull,
    InvalidMinutes,
    InvalidReason,
    NotLeadOrAdmin,
    NotTeamLead,
    OwnHours,
    RecordNotOpen,
)
from bot.domain.hours import RecordState
from bot.domain.households import (
    InvalidHouseholdNote,
    NotPaired,
    UnknownNeed,
    VisitAlreadyLogged,
    VisitLiveLocationNeeded,
    VisitTooFar,
)
from bot.domain.models import Actor
from bot.domain.ranking import Period
from bot.services import Services
from bot.services.visits import NO_LOCATION
from storage.db import Database
from tests.service.households.scenes import (
    ANNA,
    BO,
    FAR,
    LEAD,
    NEAR,
    draft,
    outbox_rows,
    paired_household,
    volunteer_id,
)
from tests.wording import says

# ---------------------------------------------------------------- visits


async def test_a_visit_from_a_live_location_near_the_pin_is_a_pending_visit_record(
    services: Services, people: dict[str, Actor], db: Database
) -> None:
    household = await paired_household(services, people)
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
    lead_notice = (await outbox_rows(db, LEAD))[-1]
    assert says(lead_notice["text"], "visit.logged", name="安娜", code="SP-017")
    view = await services.visits.view(people["lead"], record.id)
    assert view.visit.note == "打扫卫生，陪聊" and view.visit.photo_file_id == "AgACphoto"
    assert view.visit.distance_m is not None and view.visit.distance_m < 100
    summary, _ = await services.records.summary(ANNA)
    assert summary.pending_total == 90


async def test_a_visit_to_a_pinned_household_needs_a_live_location_within_its_radius(
    services: Services, people: dict[str, Actor]
) -> None:
    household = await paired_household(services, people)
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
    household = await paired_household(services, people, pin=False)
    record = await services.visits.log(ANNA, household.id, 60, [], "", None, None)
    assert NO_LOCATION in record.flags
    lead_notice = (await outbox_rows(db, LEAD))[-1]
    assert says(lead_notice["text"], "visit.logged_unlocated", code="SP-017")
    located = await services.visits.approve_located(people["lead"])
    assert (located.approved, located.left) == (0, 1), "the lead confirms it one by one"
    approved = await services.visits.approve(people["lead"], record.id)
    assert approved.state is RecordState.APPROVED


@pytest.mark.parametrize("minutes", [0, -30, 241, 10_000])
async def test_visit_minutes_out_of_bounds_are_refused(
    services: Services, people: dict[str, Actor], minutes: int
) -> None:
    household = await paired_household(services, people, pin=False)
    with pytest.raises(InvalidMinutes):
        await services.visits.log(ANNA, household.id, minutes, [], "", None, None)


async def test_only_a_paired_volunteer_logs_a_visit_once_a_day(
    services: Services, people: dict[str, Actor], clock: ManualClock
) -> None:
    household = await paired_household(services, people, pin=False)
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


async def test_a_visits_day_is_the_orgs_day_not_utcs(
    services: Services, people: dict[str, Actor], clock: ManualClock
) -> None:
    """Shanghai is UTC+8: 15:59 UTC is still the 27th there, 16:00 UTC the 28th."""
    household = await paired_household(services, people, pin=False)
    clock.advance(datetime(2026, 11, 27, 15, 59, tzinfo=UTC) - clock.now())
    late = await services.visits.log(ANNA, household.id, 60, [], "", None, None)
    clock.advance(timedelta(minutes=1))
    early = await services.visits.log(ANNA, household.id, 60, [], "", None, None)
    assert (late.served_on, early.served_on) == (date(2026, 11, 27), date(2026, 11, 28))


async def test_a_visit_never_takes_a_day_past_24_hours(
    services: Services, people: dict[str, Actor]
) -> None:
    household = await paired_household(services, people, pin=False)
    await services.records.add_manual(
        people["admin"],
        await volunteer_id(services, ANNA),
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
    household = await paired_household(services, people, pin=False)
    with pytest.raises(InvalidHouseholdNote):
        await services.visits.log(ANNA, household.id, 60, [], "长" * 5000, None, None)
    with pytest.raises(UnknownNeed):
        await services.visits.log(ANNA, household.id, 60, ["'; DROP"], "", None, None)
    assert (await services.records.summary(ANNA))[0].pending_total == 0


# ---------------------------------------------------------------- the lead's decision


async def test_the_lead_approves_a_visit_and_the_household_drops_off_the_due_list(
    services: Services, people: dict[str, Actor], db: Database, clock: ManualClock
) -> None:
    household = await paired_household(services, people)
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
    assert says((await outbox_rows(db, ANNA))[-1]["text"], "hours.credited")
    summary, _ = await services.records.summary(ANNA)
    assert summary.approved_total == 90
    # It counts on the leaderboard like any other approved record.
    board = await services.reports.board(people["anna"], None, Period.MONTH)
    assert [(entry.key.volunteer_id, entry.key.minutes) for entry in board.top] == [
        (await volunteer_id(services, ANNA), 90)
    ]
    # And on the certificate, as a household visit.
    certificate = await services.certificates.issue_certificate(ANNA, {})
    [line] = certificate.lines
    assert (line.title, line.place, line.minutes) == (record.title, "沙坪街道中东社区", 90)
    assert line.content.startswith("入户走访")


async def test_no_one_approves_their_own_visit_or_another_teams(
    services: Services, people: dict[str, Actor], register: Any
) -> None:
    household = await services.households.register(people["lead"], draft())
    await services.households.pair(people["lead"], household.id, await volunteer_id(services, LEAD))
    own = await services.visits.log(LEAD, household.id, 60, [], "", None, None)
    with pytest.raises(OwnHours):
        await services.visits.approve(people["lead"], own.id)
    with pytest.raises(NotTeamLead):
        await services.visits.approve(people["sun"], own.id)
    with pytest.raises(NotTeamLead):  # nor sees its note and photo
        await services.visits.view(people["sun"], own.id)
    assert await services.visits.pending(people["sun"]) == []
    with pytest.raises((NotTeamLead, NotLeadOrAdmin)):
        await services.visits.approve(people["anna"], own.id)
    assert (await services.visits.approve(people["admin"], own.id)).state is RecordState.APPROVED
    with pytest.raises(RecordNotOpen):
        await services.visits.approve(people["admin"], own.id)


async def test_a_visit_over_the_daily_limit_goes_to_another_admins_review(
    services: Services, people: dict[str, Actor]
) -> None:
    household = await paired_household(services, people, pin=False)
    await services.records.add_manual(
        people["admin"],
        await volunteer_id(services, ANNA),
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
    household = await paired_household(services, people, pin=False)
    record = await services.visits.log(ANNA, household.id, 60, [], "", None, None)
    with pytest.raises(InvalidReason):
        await services.visits.reject(people["lead"], record.id, "..")
    refused = await services.visits.reject(people["lead"], record.id, "当天该户无人在家")
    assert (refused.state, refused.minutes) == (RecordState.NO_SHOW, 0)
    assert says(
        (await outbox_rows(db, ANNA))[-1]["text"], "visit.rejected", reason="当天该户无人在家"
    )
    [after] = (await services.households.page(people["lead"], 0)).households
    assert after.last_visited_on is None
    view = await services.records.record_view(people["lead"], record.id)
    assert view.history is not None and view.history[-1].reason == "当天该户无人在家"


async def test_a_visit_disputed_and_resolved_to_nothing_stops_counting(
    services: Services, people: dict[str, Actor]
) -> None:
    household = await paired_household(services, people, pin=False)
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
    pinned = await paired_household(services, people)
    unpinned = await paired_household(services, people, pin=False, code="SP-018")
    await services.visits.log(ANNA, pinned.id, 60, [], "", None, NEAR)
    await services.visits.log(ANNA, unpinned.id, 60, [], "", None, None)
    with pytest.raises(NotLeadOrAdmin):
        await services.households.teams_managed(people["anna"])
    result = await services.visits.approve_located(people["lead"])
    assert (result.approved, result.in_review, result.left) == (1, 0, 1)
    [left] = await services.visits.pending(people["lead"])
    assert left.code == "SP-018"

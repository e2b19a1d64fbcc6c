"""A record's view says what its reader may do with it (dispute, resolve, correct, approve after
review), and each flag is exactly what the action itself allows: for the volunteer it belongs
to, another volunteer, the team's lead, another team's lead, an admin, the admin who sent it to
review, and a lead looking at their own record."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.config import Config
from bot.domain.errors import DomainError, NotTeamLead, OwnHours, UnknownRecord
from bot.domain.hours import RecordState
from bot.services import Services
from bot.services.record_rules import RecordPermissions
from storage.db import Database
from tests.conftest import ADMIN_ID
from tests.service.test_hours import (
    ANNA,
    BO,
    CHEN,
    LEAD,
    OTHER_LEAD,
    SECOND_ADMIN,
    Scene,
    _through_the_activity,
    build_scene,
    hours_config,
)

EARLIER = date(2026, 11, 10)
REASON = "核对纸质签到表"


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return hours_config(tmp_path)


@dataclass(frozen=True)
class Records:
    """One record of the traffic team in each state, each of another person or day."""

    pending: int  # Anna's, from the activity's sheet
    approved: int  # Bo's
    disputed: int  # Chen's
    review: int  # Anna's, sent to review by ADMIN_ID
    leads_own: int  # the traffic lead's own, approved


async def _records(scene: Scene) -> Records:
    services = scene.services
    await _through_the_activity(scene, decide=False)
    [pending] = [
        line.record.id
        for line in (await services.attendance.sheet(scene.lead, scene.activity.id)).lines
        if line.record.volunteer_id == scene.people[ANNA]
    ]
    admin = await services.roles.actor(ADMIN_ID)

    async def add(telegram_id: int, minutes: int) -> int:
        record = await services.records.add_manual(
            admin, scene.people[telegram_id], "traffic", EARLIER, minutes, "路口劝导", REASON
        )
        return record.id

    approved = await add(BO, 60)
    disputed = await add(CHEN, 60)
    await services.records.dispute(CHEN, disputed, "我到了两个小时")
    review = await add(ANNA, 9 * 60)
    found = Records(pending, approved, disputed, review, await add(LEAD, 60))
    states = [
        (await services.records.record_view(admin, record_id)).record.state
        for record_id in (found.approved, found.disputed, found.review, found.leads_own)
    ]
    assert states == [
        RecordState.APPROVED,
        RecordState.DISPUTED,
        RecordState.REVIEW,
        RecordState.APPROVED,
    ]
    return found


NOTHING = RecordPermissions()
CORRECT = RecordPermissions(correct=True)
RESOLVE = RecordPermissions(resolve=True)
DISPUTE = RecordPermissions(dispute=True)

# reader -> {record: what the view allows}; a record missing is one the reader may not see.
EXPECTED: dict[int, dict[str, RecordPermissions]] = {
    ANNA: {"pending": NOTHING, "review": NOTHING},  # her own, neither decided
    BO: {"approved": DISPUTE},  # his own, approved
    CHEN: {"disputed": NOTHING},  # already disputed
    LEAD: {
        "pending": CORRECT,
        "approved": NOTHING,
        "disputed": RESOLVE,
        "review": NOTHING,
        "leads_own": DISPUTE,  # never deciding their own hours, only disputing them
    },
    OTHER_LEAD: {},
    ADMIN_ID: {
        "pending": CORRECT,
        "approved": CORRECT,
        "disputed": RESOLVE,
        "review": CORRECT,  # they sent it to review: another admin approves it
        "leads_own": CORRECT,
    },
    SECOND_ADMIN: {
        "pending": CORRECT,
        "approved": CORRECT,
        "disputed": RESOLVE,
        "review": RecordPermissions(correct=True, approve=True),
        "leads_own": CORRECT,
    },
}
NAMES = {
    ANNA: "volunteer_anna",
    BO: "volunteer_bo",
    CHEN: "volunteer_chen",
    LEAD: "lead",
    OTHER_LEAD: "other_team_lead",
    ADMIN_ID: "admin",
    SECOND_ADMIN: "second_admin",
}
KINDS = ("pending", "approved", "disputed", "review", "leads_own")
ACTIONS = ("dispute", "resolve", "correct", "approve")


def _action(
    services: Services, telegram_id: int, action: str
) -> Callable[[int], Awaitable[object]]:
    async def act(record_id: int) -> object:
        actor = await services.roles.actor(telegram_id)
        if action == "dispute":
            return await services.records.dispute(telegram_id, record_id, "时长不对，我在场")
        if action == "resolve":
            return await services.records.resolve(actor, record_id, 30, REASON)
        if action == "correct":
            return await services.records.adjust(actor, record_id, 30, REASON)
        return await services.records.approve_review(actor, record_id)

    return act


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("reader", list(EXPECTED), ids=NAMES.__getitem__)
async def test_each_flag_of_a_record_view_is_what_the_action_allows(
    services: Services,
    clock: ManualClock,
    db: Database,
    register,
    reader: int,
    action: str,
) -> None:
    scene = await build_scene(services, clock, db, register)
    found = await _records(scene)
    actor = await services.roles.actor(reader)
    admin = await services.roles.actor(ADMIN_ID)
    act = _action(services, reader, action)
    for kind in KINDS:
        record_id = getattr(found, kind)
        expected = EXPECTED[reader].get(kind)
        if expected is None:
            with pytest.raises(UnknownRecord):
                await services.records.record_view(actor, record_id)
            expected = NOTHING
        else:
            assert (await services.records.record_view(actor, record_id)).may == expected, kind
        before = (await services.records.record_view(admin, record_id)).record
        if getattr(expected, action):
            await act(record_id)
        else:
            with pytest.raises(DomainError):
                await act(record_id)
            after = (await services.records.record_view(admin, record_id)).record
            assert after == before, (kind, action)


async def test_a_record_on_the_sheet_opens_only_for_its_teams_leads_and_admins(
    services: Services, clock: ManualClock, db: Database, register
) -> None:
    scene = await build_scene(services, clock, db, register)
    found = await _records(scene)
    records = services.records
    for reader in (LEAD, ADMIN_ID):
        view = await records.team_record(await services.roles.actor(reader), found.pending)
        assert view.record.id == found.pending
    # The lead sees their own line on the sheet, but may not decide it.
    lead = await services.roles.actor(LEAD)
    assert (await records.team_record(lead, found.leads_own)).record.id == found.leads_own
    with pytest.raises(OwnHours):
        await records.team_record(lead, found.leads_own, deciding=True)
    for outsider in (BO, OTHER_LEAD):
        with pytest.raises((NotTeamLead, UnknownRecord)):
            await records.team_record(await services.roles.actor(outsider), found.pending)

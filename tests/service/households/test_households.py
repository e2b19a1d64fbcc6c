"""Households (千名义工助千户) on a real SQLite file: registered by a team's leads and admins,
the leads' due-first list, pairing and its limit, and what volunteers are (never) told of a
household's private contact note; /forget_me."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from bot.clock import ManualClock
from bot.domain.errors import NotLeadOrAdmin, NotTeamLead, NotTeamMember
from bot.domain.households import (
    AlreadyPaired,
    HouseholdCodeTaken,
    InvalidCadence,
    InvalidCommunity,
    InvalidHouseholdCode,
    InvalidHouseholdNote,
    NotPaired,
    TooManyHouseholds,
    UnknownNeed,
)
from bot.domain.models import Actor
from bot.services import Services
from storage.db import Database
from tests.service.households.scenes import (
    ANNA,
    BO,
    CHEN,
    LEAD,
    NEAR,
    NOTE,
    PIN,
    draft,
    outbox_rows,
    paired_household,
    volunteer_id,
)
from tests.wording import says

# ---------------------------------------------------------------- registering


async def test_a_lead_registers_a_household_of_their_team(
    services: Services, people: dict[str, Actor], clock: ManualClock
) -> None:
    household = await services.households.register(
        people["lead"], draft("sp-017", needs=("poverty", "elderly_alone"))
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
    await services.households.register(people["lead"], draft("SP-017"))
    with pytest.raises(HouseholdCodeTaken):
        await services.households.register(people["admin"], draft("sp-017", team_key="sunshine"))
    with pytest.raises(HouseholdCodeTaken):
        await services.households.code_free(people["lead"], "SP-017")


async def test_only_the_teams_leads_and_admins_register_households(
    services: Services, people: dict[str, Actor]
) -> None:
    with pytest.raises(NotLeadOrAdmin):
        await services.households.register(people["anna"], draft())
    with pytest.raises(NotTeamLead):
        await services.households.register(people["sun"], draft())  # traffic's, not theirs
    assert (await services.households.page(people["admin"], 0)).total == 0
    await services.households.register(people["admin"], draft(team_key="sunshine"))
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
        await services.households.register(people["lead"], draft(**changes))
    assert (await services.households.page(people["lead"], 0)).total == 0


async def test_the_leads_list_shows_the_most_overdue_first(
    services: Services, people: dict[str, Actor], clock: ManualClock
) -> None:
    await services.households.register(people["lead"], draft("SP-001", cadence_days=60))
    await services.households.register(people["lead"], draft("SP-002", cadence_days=7))
    await services.households.register(people["lead"], draft("SP-003", cadence_days=30))
    page = await services.households.page(people["lead"], 0)
    assert [h.code for h in page.households] == ["SP-002", "SP-003", "SP-001"]
    clock.advance(timedelta(days=8))
    [first, *_] = (await services.households.page(people["lead"], 0)).households
    assert first.code == "SP-002" and first.is_due(services.households.today())


# ---------------------------------------------------------------- correcting


async def test_a_lead_corrects_a_households_community_needs_cadence_and_note(
    services: Services, people: dict[str, Actor]
) -> None:
    household = await services.households.register(people["lead"], draft())
    edit = services.households.edit
    await edit(people["lead"], household.id, community=" 沙坪街道  龙口村 ")
    await edit(people["lead"], household.id, needs=["poverty", "disability"])
    await edit(people["lead"], household.id, cadence_days=14)
    found = await edit(people["lead"], household.id, contact_note="王阿婆已搬到女儿家 5栋")
    changed = found.household
    assert (changed.community, changed.needs, changed.cadence_days) == (
        "沙坪街道 龙口村",
        ("disability", "poverty"),
        14,
    )
    assert changed.due_on == household.created_on + timedelta(days=14), "due sooner"
    assert found.contact_note == "王阿婆已搬到女儿家 5栋"
    assert (await edit(people["admin"], household.id, contact_note="")).contact_note == ""


async def test_a_bad_correction_or_another_teams_lead_changes_nothing(
    services: Services, people: dict[str, Actor]
) -> None:
    household = await services.households.register(people["lead"], draft())
    for change, refusal in (
        ({"community": "x"}, InvalidCommunity),
        ({"community": "DROP TABLE households;--" * 3}, InvalidCommunity),
        ({"needs": ["flying"]}, UnknownNeed),
        ({"cadence_days": 0}, InvalidCadence),
        ({"cadence_days": 10_000}, InvalidCadence),
        ({"contact_note": "x" * 5000}, InvalidHouseholdNote),
        ({"contact_note": "电话\x00 137"}, InvalidHouseholdNote),
    ):
        with pytest.raises(refusal):
            await services.households.edit(people["lead"], household.id, **change)
    for intruder in (people["sun"], people["anna"]):
        with pytest.raises(NotTeamLead):
            await services.households.edit(intruder, household.id, contact_note="改掉")
    found = await services.households.household_file(people["lead"], household.id)
    assert found.household == household and found.contact_note == NOTE


# ---------------------------------------------------------------- pairing


async def test_a_paired_volunteer_is_told_the_code_community_and_needs_but_not_the_note(
    services: Services, people: dict[str, Actor], db: Database
) -> None:
    household = await paired_household(services, people)
    [told] = await outbox_rows(db, ANNA)
    assert says(told["text"], "households.paired", code="SP-017", community="沙坪街道中东社区")
    assert "王" not in told["text"] and "13700001234" not in told["text"]
    assert [h.code for h in await services.households.mine(ANNA)] == ["SP-017"]
    found = await services.households.household_file(people["lead"], household.id)
    assert [p.name for p in found.pairings] == ["安娜"]


async def test_pairing_twice_or_with_a_non_member_is_refused(
    services: Services, people: dict[str, Actor], register: Any
) -> None:
    household = await paired_household(services, people)
    with pytest.raises(AlreadyPaired):
        await services.households.pair(
            people["lead"], household.id, await volunteer_id(services, ANNA)
        )
    outsider = await register(66_666, "外队员", "13800000006", ("blood",))
    with pytest.raises(NotTeamMember):
        await services.households.pair(people["lead"], household.id, outsider.id)


async def test_a_volunteer_is_paired_with_at_most_the_configured_households(
    services: Services, people: dict[str, Actor]
) -> None:
    anna = await volunteer_id(services, ANNA)
    most = services.households.config.max_per_volunteer
    for n in range(most):
        household = await services.households.register(people["lead"], draft(f"SP-{n:03d}"))
        await services.households.pair(people["lead"], household.id, anna)
    extra = await services.households.register(people["lead"], draft("SP-999"))
    with pytest.raises(TooManyHouseholds):
        await services.households.pair(people["lead"], extra.id, anna)
    assert len(await services.households.mine(ANNA)) == most


async def test_only_the_teams_leads_pair_and_unpair(
    services: Services, people: dict[str, Actor], db: Database
) -> None:
    household = await paired_household(services, people)
    bo = await volunteer_id(services, BO)
    for outsider in (people["anna"], people["sun"]):
        with pytest.raises((NotTeamLead, NotLeadOrAdmin)):
            await services.households.pair(outsider, household.id, bo)
        with pytest.raises((NotTeamLead, NotLeadOrAdmin)):
            await services.households.unpair(
                outsider, household.id, await volunteer_id(services, ANNA)
            )
        with pytest.raises((NotTeamLead, NotLeadOrAdmin)):
            await services.households.household_file(outsider, household.id)
    found = await services.households.household_file(people["lead"], household.id)
    assert [p.name for p in found.pairings] == ["安娜"]


async def test_unpairing_tells_the_volunteer_and_frees_a_place(
    services: Services, people: dict[str, Actor], db: Database
) -> None:
    household = await paired_household(services, people)
    anna = await volunteer_id(services, ANNA)
    await services.households.unpair(people["lead"], household.id, anna)
    assert says((await outbox_rows(db, ANNA))[-1]["text"], "households.unpaired", code="SP-017")
    assert await services.households.mine(ANNA) == []
    with pytest.raises(NotPaired):
        await services.households.unpair(people["lead"], household.id, anna)


async def test_leaving_the_team_ends_the_pairings_with_its_households(
    services: Services, people: dict[str, Actor], db: Database
) -> None:
    household = await paired_household(services, people, pin=False)
    await services.registration.change_teams(ANNA, ["traffic", "sunshine"])
    assert [h.code for h in await services.households.mine(ANNA)] == ["SP-017"], "still in it"
    await services.registration.change_teams(ANNA, ["sunshine"])
    assert await services.households.mine(ANNA) == []
    with pytest.raises(NotPaired):
        await services.visits.log(ANNA, household.id, 60, [], "", None, None)
    found = await services.households.household_file(people["lead"], household.id)
    assert found.pairings == ()
    told = [row["text"] for row in await outbox_rows(db, LEAD)]
    assert says(told[-1], "households.volunteer_left_team", name="安娜", code="SP-017")
    unpaired = [row["text"] for row in await outbox_rows(db, ANNA)]
    assert says(unpaired[-1], "households.unpaired", code="SP-017")
    assert all(NOTE not in text for text in unpaired)


# ---------------------------------------------------------------- privacy


async def test_no_message_to_a_volunteer_holds_the_private_contact_note(
    services: Services, people: dict[str, Actor], db: Database, clock: ManualClock
) -> None:
    """Every flow that writes to volunteers: pairing, nudges, a visit credited, one refused,
    unpairing. The note's words reach only the team's leads and admins (in /households)."""
    household = await paired_household(services, people)
    await services.households.pair(people["lead"], household.id, await volunteer_id(services, BO))
    clock.advance(timedelta(days=31, hours=2))
    assert await services.household_nudges.nudge_due() == 2
    record = await services.visits.log(ANNA, household.id, 60, ["elderly_alone"], "", None, NEAR)
    await services.visits.approve(people["lead"], record.id)
    unpinned = await paired_household(services, people, pin=False, code="SP-099")
    refused = await services.visits.log(ANNA, unpinned.id, 30, [], "", None, None)
    await services.visits.reject(people["lead"], refused.id, "照片与该户不符，请重新走访")
    await services.households.unpair(people["lead"], household.id, await volunteer_id(services, BO))
    volunteers_told = [
        row["text"]
        for telegram_id in (ANNA, BO, CHEN)
        for row in await outbox_rows(db, telegram_id)
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
        people["lead"], draft(latitude=PIN[0], longitude=PIN[1])
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
    theirs = await services.households.register(person_lead, draft("SH-001", team_key="sunshine"))
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

"""Registration, editing and forgetting, against a real SQLite file."""

from __future__ import annotations

import pytest

from bot.domain.dialogues import RegisterData
from bot.domain.errors import (
    AlreadyRegistered,
    ConsentRequired,
    InvalidName,
    InvalidPhone,
    NoTeamChosen,
    NotRegistered,
    PhoneMustBeShared,
    UnknownTeam,
)
from bot.services import Services
from storage.db import Database


async def _count(db: Database, table: str) -> int:
    async with db.reader.execute(f"SELECT COUNT(*) FROM {table}") as cursor:
        row = await cursor.fetchone()
    return int(row[0])


async def test_register_stores_normalised_data_and_teams(services: Services) -> None:
    volunteer = await services.registration.register(
        7, " 买买提・艾力 ", "138 0013 8000", ["blood", "traffic", "blood"], consent=True
    )
    assert volunteer.name == "买买提·艾力"
    assert volunteer.phone == "+8613800138000"
    assert volunteer.team_keys == ("traffic", "blood")
    assert await services.registration.volunteer(7) == volunteer


@pytest.mark.parametrize(
    ("name", "phone", "teams", "consent", "error"),
    [
        ("张三", "13800138000", ["traffic"], False, ConsentRequired),
        ("张3", "13800138000", ["traffic"], True, InvalidName),
        ("张三", "1380013800", ["traffic"], True, InvalidPhone),
        ("张三", "13800138000", [], True, NoTeamChosen),
        ("张三", "13800138000", ["nope"], True, UnknownTeam),
    ],
)
async def test_register_refuses_bad_data_and_stores_nothing(
    services: Services,
    db: Database,
    name: str,
    phone: str,
    teams: list[str],
    consent: bool,
    error: type,
) -> None:
    with pytest.raises(error):
        await services.registration.register(7, name, phone, teams, consent=consent)
    assert await _count(db, "volunteers") == 0
    assert await _count(db, "memberships") == 0


async def test_register_twice_or_with_a_taken_phone_is_refused(
    services: Services, register
) -> None:
    await register(1, phone="13800138000")
    with pytest.raises(AlreadyRegistered):
        await register(1, phone="13900139000")
    # Typed, a number someone else holds gets the answer any refused typed number gets.
    with pytest.raises(PhoneMustBeShared):
        await register(2, phone="+86 138-0013-8000")
    with pytest.raises(PhoneMustBeShared):
        await services.registration.check_phone_available(2, "13800138000", shared=False)
    assert (
        await services.registration.check_phone_available(1, "13800138000", shared=False)
        == "+8613800138000"
    )


async def test_probing_typed_numbers_soon_requires_a_shared_contact(
    services: Services, register
) -> None:
    await register(1, phone="13800138000")
    for _ in range(3):
        with pytest.raises(PhoneMustBeShared):
            await services.registration.check_phone_available(2, "13800138000", shared=False)
    with pytest.raises(PhoneMustBeShared):
        await services.registration.check_phone_available(2, "13900139000", shared=False)
    assert (
        await services.registration.check_phone_available(2, "13900139000", shared=True)
        == "+8613900139000"
    )
    assert (
        await services.registration.check_phone_available(3, "13900139000", shared=False)
        == "+8613900139000"
    ), "other people are unaffected"


async def test_profile_edits_change_only_what_was_asked(services: Services, register) -> None:
    await register(1, name="张三", phone="13800138000", teams=("traffic",))
    await register(2, name="李四", phone="13900139000")
    renamed = await services.registration.change_name(1, "张三丰")
    assert (renamed.name, renamed.phone) == ("张三丰", "+8613800138000")
    rephoned = await services.registration.change_phone(1, "13700137000")
    assert rephoned.phone == "+8613700137000"
    with pytest.raises(PhoneMustBeShared):
        await services.registration.change_phone(1, "13900139000")
    moved = await services.registration.change_teams(1, ["sunshine", "blood"])
    assert moved.team_keys == ("blood", "sunshine")
    with pytest.raises(NoTeamChosen):
        await services.registration.change_teams(1, [])
    with pytest.raises(NotRegistered):
        await services.registration.change_name(99, "王五")


async def test_forget_erases_personal_data_and_allows_a_fresh_registration(
    services: Services, db: Database, register
) -> None:
    first = await register(1, name="张三", phone="13800138000", teams=("traffic", "blood"))
    admin = await services.roles.actor(900_001)
    await services.roles.promote(admin, first.id, "traffic")
    await services.registration.forget(1)
    assert await services.registration.volunteer(1) is None
    async with db.reader.execute(
        "SELECT telegram_id, name, phone, consent_at, forgotten_at FROM volunteers WHERE id = ?",
        (first.id,),
    ) as cursor:
        row = await cursor.fetchone()
    assert tuple(row)[:4] == (None, None, None, None) and row[4] is not None
    assert await _count(db, "memberships") == 0
    assert await _count(db, "team_leads") == 0
    with pytest.raises(NotRegistered):
        await services.registration.forget(1)
    again = await register(1, name="张三", phone="13800138000")
    assert again.id != first.id and again.name == "张三"


async def test_dialogues_survive_and_end(services: Services) -> None:
    await services.dialogues.begin(5, RegisterData(teams=["traffic"]), "name")
    current = await services.dialogues.current(5)
    assert current is not None and (current.flow, current.step, current.data) == (
        "register",
        "name",
        RegisterData(teams=["traffic"]),
    )
    assert await services.dialogues.end(5) is True
    assert await services.dialogues.end(5) is False


async def test_language_choice_overrides_telegram_and_is_remembered(services: Services) -> None:
    account = await services.accounts.seen(5, "en-US")
    assert services.accounts.resolve(account) == "en"
    await services.accounts.choose_language(5, "zh")
    assert await services.accounts.language_of(5) == "zh"
    assert services.accounts.resolve(await services.accounts.seen(5, "en-US")) == "zh"
    assert await services.accounts.language_of(404) == "zh", "unknown people get the default"

"""Identities: WeChat people's user ids, last channels, and linking two channels by a code."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from bot.clock import ManualClock
from bot.domain.channels import WECHAT_BASE, is_wechat_user
from bot.domain.errors import (
    AlreadyLinked,
    LinkCodeWrong,
    LinkNotRegisteredThere,
    LinkOwnCode,
    LinkRegisteredHere,
    LinkSameChannel,
    LinkTooManyTries,
    NotRegistered,
)
from bot.services import Services
from bot.services.identities import CODE_VALID, MAX_WRONG_CODES
from storage.db import Database

TELEGRAM_ID = 5001


async def _last_channel(db: Database, user_id: int) -> str | None:
    async with db.reader.execute(
        "SELECT last_channel FROM accounts WHERE telegram_id = ?", (user_id,)
    ) as cursor:
        row = await cursor.fetchone()
    return row[0] if row else None


async def test_a_stranger_on_wechat_gets_a_new_user_id_kept_for_their_openid(
    services: Services,
) -> None:
    first = await services.identities.wechat_user("openid-a", "zh_CN")
    second = await services.identities.wechat_user("openid-b", None)
    assert is_wechat_user(first) and is_wechat_user(second)
    assert first > WECHAT_BASE and second != first
    assert await services.identities.wechat_user("openid-a", "zh_CN") == first
    assert await services.accounts.language_of(first) == "zh"


async def test_a_wechat_user_id_is_never_handed_out_again_after_erasure(
    services: Services, db: Database, register: Callable[..., Any]
) -> None:
    first = await services.identities.wechat_user("openid-a", None)
    await register(first)
    await services.registration.forget(first)
    again = await services.identities.wechat_user("openid-a", None)
    assert again != first and is_wechat_user(again)


async def test_writing_on_wechat_opens_the_window_and_makes_wechat_the_last_channel(
    services: Services, db: Database, clock: ManualClock
) -> None:
    user_id = await services.identities.wechat_user("openid-a", None)
    address = await services.identities.wechat_address(user_id)
    assert address is not None and address.openid == "openid-a"
    assert address.last_inbound_at == clock.now() and address.sent_since_inbound == 0
    assert address.in_window(clock.now())
    assert await _last_channel(db, user_id) == "wechat"
    for _ in range(20):
        await services.identities.sent_on_wechat("openid-a")
    address = await services.identities.wechat_address(user_id)
    assert address is not None and not address.in_window(clock.now())
    # A message of theirs resets the count at once, even within a minute of the last one.
    await services.identities.wechat_user("openid-a", None)
    address = await services.identities.wechat_address(user_id)
    assert address is not None and address.sent_since_inbound == 0
    clock.advance(timedelta(hours=48))
    address = await services.identities.wechat_address(user_id)
    assert address is not None and not address.in_window(clock.now())


async def test_writing_on_telegram_makes_telegram_the_last_channel(
    services: Services, db: Database, register: Callable[..., Any]
) -> None:
    await register(TELEGRAM_ID)
    await services.identities.link(
        await services.identities.wechat_user("openid-a", None),
        await services.identities.link_code(TELEGRAM_ID),
    )
    assert await _last_channel(db, TELEGRAM_ID) == "wechat"
    await services.identities.seen_on_telegram(TELEGRAM_ID)
    assert await _last_channel(db, TELEGRAM_ID) == "telegram"
    assert not await services.identities.last_channel_is_wechat(TELEGRAM_ID)
    await services.identities.wechat_user("openid-a", None)
    assert await services.identities.last_channel_is_wechat(TELEGRAM_ID)


async def test_a_wechat_account_linked_by_a_telegram_code_becomes_that_person(
    services: Services, db: Database, register: Callable[..., Any]
) -> None:
    volunteer = await register(TELEGRAM_ID)
    here = await services.identities.wechat_user("openid-a", None)
    code = await services.identities.link_code(TELEGRAM_ID)
    assert len(code) == 6 and code.isdigit()
    assert await services.identities.link(here, f" {code} ") == TELEGRAM_ID
    assert await services.identities.wechat_user("openid-a", None) == TELEGRAM_ID
    assert await services.registration.volunteer(TELEGRAM_ID) == volunteer
    address = await services.identities.wechat_address(TELEGRAM_ID)
    assert address is not None and address.openid == "openid-a"
    assert await services.identities.wechat_address(here) is None
    # The code was used up.
    other = await services.identities.wechat_user("openid-b", None)
    with pytest.raises(LinkCodeWrong):
        await services.identities.link(other, code)


async def test_a_telegram_account_linked_by_a_wechat_code_stands_for_the_wechat_person(
    services: Services, register: Callable[..., Any]
) -> None:
    wechat_person = await services.identities.wechat_user("openid-a", None)
    await register(wechat_person)
    assert await services.identities.telegram_user(TELEGRAM_ID) == TELEGRAM_ID
    assert await services.identities.telegram_id_of(wechat_person) is None
    code = await services.identities.link_code(wechat_person)
    assert await services.identities.link(TELEGRAM_ID, code) == wechat_person
    assert await services.identities.telegram_user(TELEGRAM_ID) == wechat_person
    assert await services.identities.telegram_id_of(wechat_person) == TELEGRAM_ID
    assert await services.identities.telegram_id_of(TELEGRAM_ID) == TELEGRAM_ID


async def test_a_code_expires_after_ten_minutes(
    services: Services, clock: ManualClock, register: Callable[..., Any]
) -> None:
    await register(TELEGRAM_ID)
    here = await services.identities.wechat_user("openid-a", None)
    code = await services.identities.link_code(TELEGRAM_ID)
    clock.advance(CODE_VALID)
    with pytest.raises(LinkCodeWrong):
        await services.identities.link(here, code)
    assert await services.identities.wechat_user("openid-a", None) == here


async def test_only_a_registered_person_gets_a_code(services: Services) -> None:
    with pytest.raises(NotRegistered):
        await services.identities.link_code(TELEGRAM_ID)


@pytest.mark.parametrize("typed", ["", "12345", "abcdef", "1" * 5000, "'; DROP TABLE x; --", "🙂"])
async def test_a_wrong_code_links_nothing(
    services: Services, register: Callable[..., Any], typed: str
) -> None:
    await register(TELEGRAM_ID)
    await services.identities.link_code(TELEGRAM_ID)
    here = await services.identities.wechat_user("openid-a", None)
    with pytest.raises(LinkCodeWrong):
        await services.identities.link(here, typed)
    assert await services.identities.wechat_address(TELEGRAM_ID) is None


async def test_guessing_codes_stops_after_five_wrong_ones(
    services: Services, clock: ManualClock, register: Callable[..., Any]
) -> None:
    await register(TELEGRAM_ID)
    code = await services.identities.link_code(TELEGRAM_ID)
    here = await services.identities.wechat_user("openid-a", None)
    wrong = "000000" if code != "000000" else "000001"
    for _ in range(MAX_WRONG_CODES):
        with pytest.raises(LinkCodeWrong):
            await services.identities.link(here, wrong)
    with pytest.raises(LinkTooManyTries):
        await services.identities.link(here, code)
    clock.advance(CODE_VALID)
    code = await services.identities.link_code(TELEGRAM_ID)
    assert await services.identities.link(here, code) == TELEGRAM_ID


async def test_links_that_would_lose_or_mix_a_registration_are_refused(
    services: Services, register: Callable[..., Any]
) -> None:
    await register(TELEGRAM_ID)
    await register(TELEGRAM_ID + 1, "李四", "13900139000")
    code = await services.identities.link_code(TELEGRAM_ID)
    with pytest.raises(LinkOwnCode):
        await services.identities.link(TELEGRAM_ID, code)
    with pytest.raises(LinkSameChannel):
        await services.identities.link(TELEGRAM_ID + 1, code)
    registered_on_wechat = await services.identities.wechat_user("openid-a", None)
    await register(registered_on_wechat, "王五", "13700137000")
    with pytest.raises(LinkRegisteredHere):
        await services.identities.link(registered_on_wechat, code)
    # The code still works for an account without a registration of its own.
    first = await services.identities.wechat_user("openid-b", None)
    assert await services.identities.link(first, code) == TELEGRAM_ID
    second = await services.identities.wechat_user("openid-c", None)
    with pytest.raises(AlreadyLinked):
        await services.identities.link(second, await services.identities.link_code(TELEGRAM_ID))


async def test_a_code_of_someone_who_erased_their_data_links_nothing(
    services: Services, register: Callable[..., Any]
) -> None:
    await register(TELEGRAM_ID)
    code = await services.identities.link_code(TELEGRAM_ID)
    await services.registration.forget(TELEGRAM_ID)
    here = await services.identities.wechat_user("openid-a", None)
    with pytest.raises((LinkCodeWrong, LinkNotRegisteredThere)):
        await services.identities.link(here, code)

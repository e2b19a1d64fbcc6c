"""Households and people the household service tests share (issue 13). Time comes from an
injected clock (2026-11-27 08:00 UTC, a Friday, 16:00 in Shanghai)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import aiosqlite

from bot.domain.households import Household
from bot.domain.models import Actor
from bot.services import Services
from bot.services.households import HouseholdDraft
from storage.db import Database

LEAD, ANNA, BO, CHEN, SUN_LEAD = 11_111, 22_222, 33_333, 44_444, 55_555
PIN = (22.5650, 112.9690)
NEAR = (22.5655, 112.9690)  # about 55 m away
FAR = (22.5740, 112.9690)  # about 1 km away
NOTE = "王阿婆 独居 儿子王建国 13700001234"  # the private contact note


def draft(code: str = "SP-017", **changes: Any) -> HouseholdDraft:
    base = HouseholdDraft(
        team_key="traffic",
        code=code,
        community="沙坪街道中东社区",
        needs=("elderly_alone",),
        cadence_days=30,
        contact_note=NOTE,
    )
    return replace(base, **changes)


async def volunteer_id(services: Services, telegram_id: int) -> int:
    volunteer = await services.registration.volunteer(telegram_id)
    assert volunteer is not None
    return volunteer.id


async def outbox_rows(db: Database, chat_id: int | None = None) -> list[aiosqlite.Row]:
    where = "" if chat_id is None else f" WHERE chat_id = {int(chat_id)}"
    async with db.reader.execute(f"SELECT * FROM outbox{where} ORDER BY id") as cursor:
        return list(await cursor.fetchall())


def read_file(path: str) -> bytes:
    return Path(path).read_bytes()


async def paired_household(
    services: Services, people: dict[str, Actor], pin: bool = True, code: str = "SP-017"
) -> Household:
    location = {"latitude": PIN[0], "longitude": PIN[1]} if pin else {}
    household = await services.households.register(people["lead"], draft(code, **location))
    await services.households.pair(people["lead"], household.id, await volunteer_id(services, ANNA))
    return household

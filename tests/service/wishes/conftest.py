"""The micro-wish service tests' configuration (two admins) and people."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.config import Config
from bot.services import Services
from tests.conftest import ADMIN_ID, make_config
from tests.service.wishes.scenes import ALICE, BOB, CAROL, LEAD, SECOND_ADMIN


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """Two admins: a record past the daily limit is reviewed by one who did not add it."""
    return make_config(tmp_path, org={"admins": [ADMIN_ID, SECOND_ADMIN]})


@pytest.fixture
async def people(services: Services, register: Any) -> dict[int, int]:
    """LEAD leads traffic; ALICE, BOB and CAROL are volunteers (ALICE in blood)."""
    ids = {}
    ids[LEAD] = (await register(LEAD, "李队长", "13800000001", ("traffic",))).id
    ids[ALICE] = (await register(ALICE, "王小丽", "13800000002", ("blood",))).id
    ids[BOB] = (await register(BOB, "赵大勇", "13800000003", ("traffic",))).id
    ids[CAROL] = (await register(CAROL, "钱多多", "13800000004", ("traffic",))).id
    admin = await services.roles.actor(ADMIN_ID)
    await services.roles.promote(admin, ids[LEAD], "traffic")
    for telegram_id in (LEAD, ALICE, BOB, CAROL):
        await services.accounts.seen(telegram_id, "zh-hans")
    return ids

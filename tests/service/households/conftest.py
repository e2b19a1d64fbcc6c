"""The household service tests' configuration (two admins) and people."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.config import Config
from bot.domain.models import Actor
from bot.services import Services
from tests.conftest import ADMIN_ID, make_config
from tests.service.households.scenes import ANNA, BO, CHEN, LEAD, SUN_LEAD


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

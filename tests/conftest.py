"""Shared fixtures: a configuration on a temporary database, an injected clock, services."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.clock import ManualClock
from bot.config import Config, TeamConfig
from bot.outbox.models import OutgoingMessage
from bot.services import Services
from bot.services.notices import Notices
from storage.db import Database

ADMIN_ID = 900_001
TEAMS = [
    TeamConfig(key="traffic", name_zh="文明交通志愿服务队", name_en="Civility Traffic Volunteers"),
    TeamConfig(
        key="blood", name_zh="无偿献血志愿服务队", name_en="Unpaid Blood Donation Volunteers"
    ),
    TeamConfig(key="sunshine", name_zh="阳光慈善志愿服务队", name_en="Sunshine Charity Volunteers"),
]


_SURNAMES = "张王李赵刘陈杨黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧"


def distinct_name(n: int) -> str:
    """A distinct valid name for each n below 27,000 (for scenes with many people)."""
    size = len(_SURNAMES)
    return f"{_SURNAMES[n % size]}{_SURNAMES[n // size % size]}{_SURNAMES[n // size // size]}"


def make_config(tmp_path: Path, **overrides: Any) -> Config:
    tables: dict[str, Any] = {
        "telegram": {"token": "123456:TEST-TOKEN"},
        "storage": {"path": str(tmp_path / "bot.sqlite3")},
        "org": {"admins": [ADMIN_ID]},
        "teams": [team.model_dump() for team in TEAMS],
    }
    for table, values in overrides.items():
        if isinstance(values, dict):
            tables[table] = {**tables.get(table, {}), **values}
        else:
            tables[table] = values
    return Config(**tables)


@pytest.fixture(autouse=True)
def _no_deployment_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's own VOLUNTEER_BOT* variables would override what a test passes: every
    test starts without them (a test that wants one sets it itself)."""
    for name in list(os.environ):
        if name.startswith("VOLUNTEER_BOT"):
            monkeypatch.delenv(name)


ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


@pytest.fixture(autouse=True)
def _notices_show_dates_in_the_readers_language(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every notice any test renders is checked: a date reaching a reader as 2026-11-28 means
    a param was handed over without Babel formatting (Translator.value)."""
    make = Notices.make

    async def checked(self: Notices, *args: Any, **kwargs: Any) -> OutgoingMessage:
        message = await make(self, *args, **kwargs)
        assert not ISO_DATE.search(message.text), f"unformatted date in notice: {message.text}"
        return message

    monkeypatch.setattr(Notices, "make", checked)


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return make_config(tmp_path)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 11, 27, 8, 0, tzinfo=UTC))


@pytest.fixture
async def db(config: Config) -> AsyncIterator[Database]:
    database = await Database.open(config.storage.path)
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
async def services(db: Database, config: Config, clock: ManualClock) -> Services:
    built = Services.build(db, config, clock)
    await built.teams.seed(config.teams)
    return built


@pytest.fixture
def register(services: Services) -> Callable[..., Any]:
    """Register a volunteer quickly: register(telegram_id, name, phone, teams)."""

    async def _register(
        telegram_id: int,
        name: str = "张三",
        phone: str = "13800138000",
        teams: tuple[str, ...] = ("traffic",),
    ) -> Any:
        return await services.registration.register(telegram_id, name, phone, teams, consent=True)

    return _register

"""`volunteer-bot import-households` on a real SQLite file: every row checked first, nothing
imported if any is wrong, chunks, a second run completing the first."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.clock import ManualClock
from bot.config import Config
from bot.domain.errors import DomainError, UnknownTeam
from bot.domain.households import (
    DuplicateHouseholdRow,
    HouseholdCodeTaken,
    InvalidCadence,
    InvalidHouseholdCode,
    UnknownNeed,
)
from bot.services import Services
from bot.services.household_import import HouseholdRow, import_households
from storage.db import Database
from tests.conftest import ADMIN_ID


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

"""Coverage of the households, the nudges of due households and last month's report to the
admins, on a real SQLite file; and the households job that runs them."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from bot.clock import ManualClock
from bot.domain.errors import (
    NotLeadOrAdmin,
)
from bot.domain.models import Actor
from bot.services import Services
from storage.db import Database
from tests.conftest import ADMIN_ID
from tests.service.households.scenes import (
    ANNA,
    BO,
    NOTE,
    draft,
    outbox_rows,
    paired_household,
    read_file,
    volunteer_id,
)
from tests.wording import says

# ---------------------------------------------------------------- coverage and nudges


async def test_coverage_counts_households_visited_due_and_overdue_per_team_and_community(
    services: Services, people: dict[str, Actor], clock: ManualClock
) -> None:
    visited = await paired_household(services, people, pin=False, code="SP-001")
    await services.households.register(people["lead"], draft("SP-002", community="龙口村"))
    await services.households.register(people["lead"], draft("SP-003", cadence_days=90))
    await services.households.register(people["admin"], draft("SH-001", team_key="sunshine"))
    clock.advance(timedelta(days=65))  # 2027-01-31: SP-001 and SP-002 due 35 days
    record = await services.visits.log(ANNA, visited.id, 60, [], "", None, None)
    await services.visits.approve(people["lead"], record.id)
    found = await services.coverage.coverage(people["lead"])
    assert [line.team.key for line in found.teams] == ["traffic"]
    assert (found.total.households, found.total.visited, found.total.due, found.total.overdue) == (
        3,
        1,
        1,
        1,
    )
    by_community = {line.community: line.figures for line in found.communities}
    assert by_community["龙口村"].due == 1 and by_community["龙口村"].overdue == 1
    assert by_community["沙坪街道中东社区"].households == 2
    city = await services.coverage.coverage(people["admin"])
    assert city.total.households == 4 and city.communities == ()
    assert [bar.visited for bar in city.months][-1] == 1
    assert [bar.households for bar in city.months][-3:] == [4, 4, 4]
    with pytest.raises(NotLeadOrAdmin):
        await services.coverage.coverage(people["anna"])
    sunshine = next(t for t in await services.teams.all() if t.key == "sunshine")
    with pytest.raises(NotLeadOrAdmin):
        await services.coverage.coverage(people["lead"], sunshine.id)
    assert (await services.coverage.coverage(people["admin"], sunshine.id)).total.households == 1


async def test_volunteers_of_a_due_household_are_nudged_once_then_weekly(
    services: Services, people: dict[str, Actor], db: Database, clock: ManualClock
) -> None:
    household = await paired_household(services, people, pin=False)
    await services.households.pair(people["lead"], household.id, await volunteer_id(services, BO))
    async with db.transaction() as tx:
        await tx.execute("DELETE FROM outbox")
    clock.advance(timedelta(days=29))
    assert await services.household_nudges.nudge_due() == 0  # not due yet
    clock.advance(timedelta(days=1))
    assert await services.household_nudges.nudge_due() == 2
    assert says((await outbox_rows(db, ANNA))[-1]["text"], "households.nudge", code="SP-017")
    assert "13700001234" not in (await outbox_rows(db, ANNA))[-1]["text"]
    for _ in range(6):
        clock.advance(timedelta(days=1))
        assert await services.household_nudges.nudge_due() == 0
    clock.advance(timedelta(days=1))
    assert await services.household_nudges.nudge_due() == 2  # a week later, still due
    record = await services.visits.log(ANNA, household.id, 60, [], "", None, None)
    await services.visits.approve(people["lead"], record.id)
    clock.advance(timedelta(days=7))
    assert await services.household_nudges.nudge_due() == 0


async def test_nudges_wait_for_the_notice_time_of_day(
    services: Services, people: dict[str, Actor], clock: ManualClock
) -> None:
    await paired_household(services, people, pin=False)
    clock.advance(timedelta(days=30, hours=-8))  # 2026-12-27 08:00 in Shanghai
    assert await services.household_nudges.nudge_due() == 0
    clock.advance(timedelta(hours=1, minutes=1))
    assert await services.household_nudges.nudge_due() == 1


async def test_last_months_report_goes_to_the_admins_on_the_first_working_day_once(
    services: Services, people: dict[str, Actor], db: Database, clock: ManualClock
) -> None:
    household = await paired_household(services, people, pin=False)
    record = await services.visits.log(ANNA, household.id, 60, [], "", None, None)
    await services.visits.approve(people["lead"], record.id)
    clock.advance(timedelta(days=4, hours=-7))  # Tue 1 Dec 2026, 09:00 in Shanghai
    assert services.coverage.report_due() == date(2026, 11, 1)
    queued = await services.coverage.queue_monthly_report()
    assert queued == 4  # two admins, a table and a chart each
    assert await services.coverage.queue_monthly_report() == 0
    rows = await outbox_rows(db, ADMIN_ID)
    document, photo = rows[-2], rows[-1]
    assert (document["file_kind"], photo["file_kind"]) == ("document", "photo")
    assert says(document["text"], "coverage.report_caption", households=1, visited=1)
    table = list(csv.reader(io.StringIO(read_file(document["file_path"]).decode("utf-8-sig"))))
    assert table[1][1:] == ["沙坪街道中东社区", "1", "1", "0", "0"]
    assert table[-1][2:] == ["1", "1", "0", "0"]
    assert read_file(photo["file_path"]).startswith(b"\x89PNG")
    assert all(NOTE not in cell for row in table for cell in row)


async def test_a_chart_that_cannot_be_drawn_leaves_the_reports_table_to_go_alone(
    services: Services,
    people: dict[str, Actor],
    db: Database,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await paired_household(services, people, pin=False)

    def no_chart(*_: object) -> bytes:
        raise RuntimeError("no font")

    monkeypatch.setattr(services.coverage, "chart", no_chart)
    clock.advance(timedelta(days=4, hours=-7))  # Tue 1 Dec 2026, 09:00 in Shanghai
    assert await services.coverage.queue_monthly_report() == 2  # a table for each admin
    [document] = [row for row in await outbox_rows(db, ADMIN_ID) if row["file_kind"]]
    assert document["file_kind"] == "document"
    assert says(document["text"], "coverage.report_caption", households=1)
    assert await services.coverage.queue_monthly_report() == 0, "once, all the same"


async def test_the_report_waits_for_the_first_working_day_of_the_month(
    services: Services, clock: ManualClock
) -> None:
    def at(moment: datetime) -> None:
        clock.advance(moment - clock.now())

    at(datetime(2027, 5, 1, 2, tzinfo=UTC))  # Sat 1 May 2027, 10:00 in Shanghai
    assert services.coverage.report_due() is None
    at(datetime(2027, 5, 3, 0, 59, tzinfo=UTC))  # Mon 3 May, 08:59: before the time
    assert services.coverage.report_due() is None
    at(datetime(2027, 5, 3, 1, tzinfo=UTC))  # 09:00
    assert services.coverage.report_due() == date(2027, 4, 1)
    at(datetime(2027, 5, 20, 1, tzinfo=UTC))  # later in the month (the bot was down): still
    assert services.coverage.report_due() == date(2027, 4, 1)


async def test_the_households_job_nudges_and_reports_and_logs_its_counts(
    services: Services, people: dict[str, Actor], clock: ManualClock, caplog: Any
) -> None:
    from types import SimpleNamespace

    from telegram_adapter.jobs import HOUSEHOLDS_TICK_SECONDS, households

    assert HOUSEHOLDS_TICK_SECONDS <= 3600
    await paired_household(services, people, pin=False)
    context = SimpleNamespace(runtime=SimpleNamespace(services=services))

    async def tick_at(moment: datetime) -> str:
        clock.advance(moment - clock.now())
        caplog.clear()
        with caplog.at_level("INFO", logger="telegram_adapter.jobs"):
            await households(context)  # type: ignore[arg-type]
            await households(context)  # type: ignore[arg-type]
        return str(caplog.text)

    # Tue 1 Dec 2026, 10:00 in Shanghai: November's report, once; nobody due yet.
    logged = await tick_at(datetime(2026, 12, 1, 2, tzinfo=UTC))
    assert logged.count("households: 0 nudges, 4 coverage report messages queued") == 1
    assert "households:" not in logged.split("queued", 1)[1]
    # Mon 28 Dec: the household fell due the day before; its volunteer is nudged once.
    logged = await tick_at(datetime(2026, 12, 28, 2, tzinfo=UTC))
    assert logged.count("households: 1 nudges, 0 coverage report messages queued") == 1
    # Fri 1 Jan 2027, the first working day: December's report; no nudge within the week.
    logged = await tick_at(datetime(2027, 1, 1, 2, tzinfo=UTC))
    assert logged.count("households: 0 nudges, 4 coverage report messages queued") == 1

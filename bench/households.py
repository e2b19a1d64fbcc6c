"""Household coverage benchmark: /coverage over 20,000 households in 100 teams (about 40
communities each), 60,000 approved visits over two years and 5,000 pairings, generated here.
p50/p95 of the coverage a city-wide admin, an admin opening one team and a lead of two teams
get, and of a lead's due-first households page, through the services, against the round trip
of a trivial query on the same connection in the same run (goal: p95 under 50 ms); and the
month-by-month chart drawn, for the record."""

from __future__ import annotations

import asyncio
import json
import os
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bot.clock import SystemClock
from bot.config import TeamConfig
from bot.i18n import Catalogs
from bot.services import Services
from storage.db import Database
from tests.conftest import ADMIN_ID, make_config

HOUSEHOLDS = int(os.environ.get("BENCH_HOUSEHOLDS", "20000"))
VISITS = int(os.environ.get("BENCH_VISITS", "60000"))
PAIRINGS = int(os.environ.get("BENCH_PAIRINGS", "5000"))
TEAMS = 100
COMMUNITIES = 40  # per team
DAYS = 730
SAMPLES = 200
LEAD_BASE = 20_000_000
STAMP = "2026-01-01T00:00:00+00:00"


def _teams() -> list[TeamConfig]:
    return [
        TeamConfig(key=f"team_{n:03d}", name_zh=f"第{n}志愿服务队", name_en=f"Team {n}")
        for n in range(TEAMS)
    ]


async def _generate(db: Database, today: date) -> None:
    """Households spread over the teams and their communities, registered over two years;
    volunteers (one per pairing) in the households' teams; visits with approved records;
    a lead for every two teams."""
    rng = random.Random(20261128)
    async with db.transaction() as tx:
        team_ids = [row[0] for row in await tx.execute_fetchall("SELECT id FROM teams ORDER BY id")]
        households = []
        for n in range(HOUSEHOLDS):
            team = team_ids[n % TEAMS]
            registered = today - timedelta(days=rng.randrange(DAYS))
            households.append(
                (
                    n + 1,
                    f"HH-{n:05d}",
                    team,
                    f"第{rng.randrange(COMMUNITIES)}社区",
                    rng.choice(("elderly_alone", "disability", "poverty", "")),
                    rng.choice((14, 30, 30, 30, 60)),
                    "联系人备注",
                    registered.isoformat(),
                    STAMP,
                    STAMP,
                )
            )
        await tx.executemany(
            "INSERT INTO households (id, code, team_id, community, needs, cadence_days,"
            " contact_note, created_by, created_on, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)",
            households,
        )
        people = PAIRINGS + TEAMS // 2
        await tx.executemany(
            "INSERT INTO volunteers (id, telegram_id, name, phone, consent_at, registered_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (n, LEAD_BASE + n, f"志愿者{n}", f"+86139{n:08d}", STAMP, STAMP, STAMP)
                for n in range(1, people + 1)
            ],
        )
        await tx.executemany(
            "INSERT INTO memberships (volunteer_id, team_id, joined_at) VALUES (?, ?, ?)",
            [(n, team_ids[n % TEAMS], STAMP) for n in range(1, people + 1)],
        )
        await tx.executemany(
            "INSERT INTO team_leads (volunteer_id, team_id, appointed_by, appointed_at)"
            " VALUES (?, ?, ?, ?)",
            [
                (PAIRINGS + k, team_ids[(2 * k + offset) % TEAMS], ADMIN_ID, STAMP)
                for k in range(1, TEAMS // 2 + 1)
                for offset in (0, 1)
            ],
        )
        await tx.executemany(
            "INSERT INTO pairings (household_id, volunteer_id, paired_by, paired_at)"
            " VALUES (?, ?, ?, ?)",
            [(1 + (n * 4) % HOUSEHOLDS, n, ADMIN_ID, STAMP) for n in range(1, PAIRINGS + 1)],
        )
        records, visits = [], []
        seen: set[tuple[int, int, str]] = set()
        while len(visits) < VISITS:
            volunteer = 1 + rng.randrange(PAIRINGS)
            household = 1 + (volunteer * 4) % HOUSEHOLDS
            day = (today - timedelta(days=rng.randrange(DAYS))).isoformat()
            if (household, volunteer, day) in seen:
                continue
            seen.add((household, volunteer, day))
            record_id = len(records) + 1
            minutes = rng.choice((60, 90, 120))
            team = households[household - 1][2]
            records.append(
                (record_id, volunteer, team, f"入户走访 HH-{household:05d}", day, minutes, minutes)
            )
            visits.append((household, volunteer, record_id, day, f"{day}T02:00:00+00:00"))
        await tx.executemany(
            "INSERT INTO service_records (id, volunteer_id, team_id, category, title, place,"
            " content, served_on, proposed_minutes, minutes, mark, state, flags, source,"
            f" created_at, updated_at) VALUES (?, ?, ?, 'visit', ?, '社区', '入户走访', ?, ?, ?,"
            f" 'present', 'approved', '', 'visit', '{STAMP}', '{STAMP}')",
            records,
        )
        await tx.executemany(
            "INSERT INTO visits (household_id, volunteer_id, record_id, served_on, visited_at)"
            " VALUES (?, ?, ?, ?, ?)",
            visits,
        )
    async with db.transaction() as tx:
        await tx.execute("ANALYZE")


async def _timed(calls: list[Callable[[], Awaitable[object]]]) -> dict[str, float]:
    times = []
    for call in calls:
        started = time.perf_counter()
        await call()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[int(len(times) * 0.95) - 1], 2),
        "max_ms": round(times[-1], 2),
    }


async def main() -> dict[str, object]:
    with tempfile.TemporaryDirectory() as folder:
        config = make_config(Path(folder), teams=[team.model_dump() for team in _teams()])
        db = await Database.open(config.storage.path)
        try:
            services = Services.build(db, config, SystemClock())
            await services.teams.seed(config.teams)
            today = services.coverage.today()
            started = time.perf_counter()
            await _generate(db, today)
            generated = time.perf_counter() - started
            admin = await services.roles.actor(ADMIN_ID)
            leads = [
                await services.roles.actor(LEAD_BASE + PAIRINGS + k)
                for k in range(1, TEAMS // 2 + 1)
            ]
            team_ids = [team.id for team in await services.teams.all()]
            found = await services.coverage.coverage(admin)
            result: dict[str, Any] = {
                "households": HOUSEHOLDS,
                "visits": VISITS,
                "pairings": PAIRINGS,
                "teams": TEAMS,
                "generate_s": round(generated, 1),
                "visited_this_month": found.total.visited,
                "due": found.total.due,
                "baseline_roundtrip": await _timed(
                    [lambda: db.reader.execute_fetchall("SELECT 1") for _ in range(SAMPLES)]
                ),
                "coverage_city": await _timed(
                    [lambda: services.coverage.coverage(admin) for _ in range(SAMPLES)]
                ),
                "coverage_admin_one_team": await _timed(
                    [
                        lambda n=n: services.coverage.coverage(admin, team_ids[n % TEAMS])
                        for n in range(SAMPLES)
                    ]
                ),
                "coverage_lead": await _timed(
                    [
                        lambda n=n: services.coverage.coverage(leads[n % len(leads)])
                        for n in range(SAMPLES)
                    ]
                ),
                "households_page_lead": await _timed(
                    [
                        lambda n=n: services.households.page(leads[n % len(leads)], n % 3)
                        for n in range(SAMPLES)
                    ]
                ),
            }
            t = Catalogs(config.org.zone).translator("zh")
            began = time.perf_counter()
            chart = await asyncio.to_thread(services.coverage.chart, found, t)
            result["chart_ms"] = round((time.perf_counter() - began) * 1000, 1)
            result["chart_bytes"] = len(chart)
        finally:
            await db.close()
    return result


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main())))

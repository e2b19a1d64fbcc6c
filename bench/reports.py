"""Reporting benchmarks over 1,000,000 service records and 50,000 volunteers in 820 teams
(the reference city's size), generated here:
- p50/p95 of the leaderboard, /hours and /report queries through the services, against the
  round trip of a trivial query on the same connection in the same run (goal p95 < 50 ms);
- `volunteer-bot export` of all 1,000,000 records as a real process, CSV and XLSX: wall time
  and the process's peak RSS (goals: under 60 s, under 200 MB).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bot.clock import SystemClock
from bot.config import TeamConfig
from bot.domain.ranking import Period
from bot.services import Services
from storage.db import Database
from tests.conftest import ADMIN_ID, make_config

VOLUNTEERS = int(os.environ.get("BENCH_REPORT_VOLUNTEERS", "50000"))
RECORDS = int(os.environ.get("BENCH_REPORT_RECORDS", "1000000"))
TEAMS = 820
DAYS = 730
SAMPLES = 200
CLI = str(Path(sys.executable).parent / "volunteer-bot")


def _teams() -> list[TeamConfig]:
    return [
        TeamConfig(key=f"team_{n:03d}", name_zh=f"第{n}志愿服务队", name_en=f"Team {n}")
        for n in range(TEAMS)
    ]


async def _generate(db: Database, today: date) -> None:
    """Volunteers in one team each (a tenth in two), records spread over two years, 90%
    approved, the rest pending, in review, disputed or no-shows; 10 leads a team."""
    rng = random.Random(20261127)
    stamp = "2026-11-27T00:00:00+00:00"
    async with db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO volunteers (id, telegram_id, name, phone, consent_at, registered_at,"
            " updated_at, anonymous) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    n,
                    10_000_000 + n,
                    f"志愿者{n}",
                    f"+86139{n:08d}",
                    stamp,
                    stamp,
                    stamp,
                    int(n % 20 == 0),
                )
                for n in range(1, VOLUNTEERS + 1)
            ],
        )
        team_of = {n: 1 + (n * 7919) % TEAMS for n in range(1, VOLUNTEERS + 1)}
        await tx.executemany(
            "INSERT INTO memberships (volunteer_id, team_id, joined_at) VALUES (?, ?, ?)",
            [(n, team, stamp) for n, team in team_of.items()]
            + [(n, 1 + (team_of[n] % TEAMS), stamp) for n in range(10, VOLUNTEERS + 1, 10)],
        )
        await tx.executemany(
            "INSERT INTO team_leads (volunteer_id, team_id, appointed_by, appointed_at)"
            " VALUES (?, ?, ?, ?)",
            [
                (n, team_of[n], ADMIN_ID, stamp)
                for n in range(1, min(VOLUNTEERS, TEAMS * 10) + 1)
                if n % 61 == 1
            ],
        )
        states = ["approved"] * 90 + ["pending"] * 4 + ["review", "disputed"] + ["no_show"] * 4
        categories = ["traffic", "blood", "charity", "environment", "publicity", "elderly"]
        batch = []
        for n in range(RECORDS):
            volunteer = 1 + rng.randrange(VOLUNTEERS)
            state = rng.choice(states)
            minutes = 0 if state == "no_show" else rng.choice((60, 90, 120, 150, 180, 240))
            day = (today - timedelta(days=rng.randrange(DAYS))).isoformat()
            batch.append(
                (
                    volunteer,
                    team_of[volunteer],
                    rng.choice(categories),
                    f"路口劝导 第{n % 500}期",
                    "人民路与中山路交叉口",
                    "文明交通劝导",
                    day,
                    minutes,
                    minutes,
                    "absent" if state == "no_show" else "present",
                    state,
                    stamp,
                    stamp,
                )
            )
            if len(batch) == 50_000:
                await _insert_records(tx, batch)
                batch = []
        if batch:
            await _insert_records(tx, batch)
    async with db.transaction() as tx:
        await tx.execute("ANALYZE")


async def _insert_records(tx: Any, rows: list[tuple[object, ...]]) -> None:
    await tx.executemany(
        "INSERT INTO service_records (volunteer_id, team_id, category, title, place, content,"
        " served_on, proposed_minutes, minutes, mark, state, flags, source, created_at,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', 'activity', ?, ?)",
        rows,
    )


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


async def queries(folder: Path) -> tuple[dict[str, object], Path, Path]:
    config = make_config(folder, teams=[team.model_dump() for team in _teams()])
    db = await Database.open(config.storage.path)
    try:
        services = Services.build(db, config, SystemClock())
        await services.teams.seed(config.teams)
        today = services.reports.today()
        started = time.perf_counter()
        await _generate(db, today)
        generated = time.perf_counter() - started
        rng = random.Random(7)
        people = [10_000_000 + 1 + rng.randrange(VOLUNTEERS) for _ in range(SAMPLES)]
        leads = [10_000_000 + n for n in range(1, min(VOLUNTEERS, TEAMS * 10) + 1) if n % 61 == 1]
        periods = [Period.WEEK, Period.MONTH, Period.YEAR, Period.ALL]
        admin = await services.roles.actor(ADMIN_ID)
        actors = {p: await services.roles.actor(p) for p in set(people)}
        lead_actors = [await services.roles.actor(p) for p in leads[:SAMPLES]]
        month = services.reports.bounds(Period.MONTH)
        year = services.reports.bounds(Period.YEAR)

        def board(n: int) -> Callable[[], Awaitable[object]]:
            return lambda: services.reports.board(actors[people[n]], None, periods[n % 4])

        def hours(n: int) -> Callable[[], Awaitable[object]]:
            return lambda: services.records.summary(people[n])

        def team_report(n: int) -> Callable[[], Awaitable[object]]:
            actor = lead_actors[n % len(lead_actors)]
            span = month if n % 2 else year
            return lambda: services.reports.report_volunteers(actor, None, *span, 0)

        def city_report(n: int) -> Callable[[], Awaitable[object]]:
            return lambda: services.reports.report_teams(admin, *month)

        def admin_team_people(n: int) -> Callable[[], Awaitable[object]]:
            team = 1 + (n * 37) % TEAMS
            return lambda: services.reports.report_volunteers(admin, team, *year, 0)

        def baseline(n: int) -> Callable[[], Awaitable[object]]:
            return lambda: db.reader.execute_fetchall("SELECT 1")

        result: dict[str, object] = {
            "volunteers": VOLUNTEERS,
            "records": RECORDS,
            "teams": TEAMS,
            "generate_s": round(generated, 1),
            "baseline_roundtrip": await _timed([baseline(n) for n in range(SAMPLES)]),
            "leaderboard": await _timed([board(n) for n in range(SAMPLES)]),
            "hours": await _timed([hours(n) for n in range(SAMPLES)]),
            "report_team": await _timed([team_report(n) for n in range(SAMPLES)]),
            "report_city_by_team_month": await _timed(
                [city_report(n) for n in range(SAMPLES // 4)]
            ),
            "report_city_by_team_year": await _timed(
                [lambda: services.reports.report_teams(admin, *year) for _ in range(SAMPLES // 4)]
            ),
            "report_admin_team_volunteers_year": await _timed(
                [admin_team_people(n) for n in range(SAMPLES)]
            ),
        }
    finally:
        await db.close()
    return result, config.storage.path, folder


# A small process that starts the export and reports the export's own resource usage. The
# export is not forked from the benchmark itself: a forked child's ru_maxrss starts at its
# parent's resident size (here hundreds of MB after generating the data).
_MEASURE = """
import json, os, subprocess, sys, time
started = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
output = child.stdout.read()
_, status, usage = os.wait4(child.pid, 0)
print(json.dumps({"code": os.waitstatus_to_exitcode(status), "output": output.decode(),
                  "wall_s": time.perf_counter() - started, "maxrss_kb": usage.ru_maxrss}))
"""


def export(database: Path, folder: Path, fmt: str) -> dict[str, object]:
    """`volunteer-bot export` of every record as a process of its own: wall time and the
    export process's peak resident memory."""
    out = folder / f"all.{fmt}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOLUNTEER_BOT")}
    env["VOLUNTEER_BOT__STORAGE__PATH"] = str(database)
    command = [CLI, "export", "--from", "2000-01-01", "--to", "2100-12-31"]
    command += ["--format", fmt, "--out", str(out)]
    measured = subprocess.run(
        [sys.executable, "-c", _MEASURE, *command],
        env=env,
        capture_output=True,
        check=True,
        text=True,
    )
    result = json.loads(measured.stdout)
    if result["code"] != 0:
        raise RuntimeError(result["output"])
    exported = next(line for line in result["output"].splitlines() if line.startswith("exported"))
    return {
        "format": fmt,
        "exported": int(exported.split()[1]),
        "wall_s": round(result["wall_s"], 1),
        "peak_rss_mb": round(result["maxrss_kb"] / 1024, 1),
        "bytes": out.stat().st_size,
    }


async def main() -> dict[str, object]:
    with tempfile.TemporaryDirectory() as name:
        result, database, folder = await queries(Path(name))
        result["exports"] = [
            await asyncio.to_thread(export, database, folder, fmt) for fmt in ("csv", "xlsx")
        ]
    return result


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main())))

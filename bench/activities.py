"""Activities benchmarks, all through the real Application and the fake Bot API over HTTP:
- sign-up storm: 200 people press "sign up" at once on 10 slots (5 rounds), each on the card
  in their own chat, as the announcement reaches them: confirmed count, press-to-answer
  latency p50/p95, and the write transactions (each one fsync) the 200 sign-ups took;
- /activities updates/s against the bare echo bot, same run (goal ratio at least 0.5);
- start-up time with 100,000 future reminders planned (goal under 2 s).
"""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import echo_bot, median, updates_per_second
from bot.domain.models import Activity
from telegram_adapter.app import build_application, running
from tests.conftest import ADMIN_ID, make_config
from tests.fake_bot_api import FakeBotApi, FakeUser

STORM_PEOPLE = 200
STORM_ROUNDS = 5
SLOTS = 10
LIST_PEOPLE = 500
LIST_ROUNDS = 5
REMINDERS = 100_000
FAST = {"global_per_second": 1000, "private_per_second": 100, "private_burst": 100}


def _draft(n: int) -> Activity:
    start = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=2, hours=3 * n)
    return Activity(
        0,
        "traffic",
        f"路口劝导 {n}",
        "traffic",
        start,
        start + timedelta(hours=2),
        "人民路口",
        SLOTS,
        "published",
    )


async def _seed_people(app, count: int, first: int) -> list[FakeUser]:
    db = app.bot_data.database
    now = datetime.now(UTC).isoformat()
    async with db.transaction() as tx:
        for n in range(count):
            cursor = await tx.execute(
                "INSERT INTO volunteers (telegram_id, name, phone, consent_at, registered_at,"
                " updated_at) VALUES (?, '张三', ?, ?, ?, ?)",
                (first + n, f"+86135{first + n:08d}", now, now, now),
            )
            await tx.execute(
                "INSERT INTO memberships (volunteer_id, team_id, joined_at)"
                " SELECT ?, id, ? FROM teams WHERE key = 'traffic'",
                (cursor.lastrowid, now),
            )
    return [FakeUser(id=first + n, first_name=f"V{n}", language_code="zh") for n in range(count)]


async def storm_and_list() -> dict[str, object]:
    with tempfile.TemporaryDirectory() as folder:
        async with FakeBotApi() as api:
            config = make_config(
                Path(folder),
                telegram={"token": api.token, "base_url": api.base_url},
                sending=FAST,
                flood={"max_updates": 10_000},
            )
            latencies: list[float] = []
            confirmed_counts: list[int] = []
            commits: list[int] = []
            app = build_application(config)
            async with running(app):
                services = app.bot_data.runtime.services
                people = await _seed_people(app, STORM_PEOPLE, 20_000)
                admin = await services.roles.actor(ADMIN_ID)
                db = app.bot_data.database
                for round_number in range(STORM_ROUNDS):
                    activity = await services.activities.create(admin, _draft(round_number))
                    for person in people:
                        api.send_text(person, f"/start act_{activity.id}")
                    cards = [await api.next_message(person.id, timeout=60) for person in people]
                    since = api.mark()
                    commits_before = db.commits
                    pressed_at = {}
                    for person, card in zip(people, cards, strict=True):
                        update = api.press(person, card, f"s:u:{activity.id}")
                        pressed_at[update["callback_query"]["id"]] = time.monotonic()
                    await api.wait_until(
                        lambda since=since: (
                            sum(1 for c in api.calls[since:] if c.method == "answerCallbackQuery")
                            >= STORM_PEOPLE
                        ),
                        timeout=120,
                    )
                    for call in api.calls[since:]:
                        if call.method == "answerCallbackQuery":
                            query = str(call.params["callback_query_id"])
                            latencies.append((call.at - pressed_at[query]) * 1000)
                    commits.append(db.commits - commits_before)
                    confirmed_counts.append((await services.signups.counts(activity.id))[0])
                for n in range(20):
                    await services.activities.create(admin, _draft(100 + n))
                listers = await _seed_people(app, LIST_PEOPLE, 30_000)
            list_rates: list[float] = []
            echo_rates: list[float] = []
            for _ in range(LIST_ROUNDS):
                async with echo_bot(api):
                    echo_rates.append(
                        await updates_per_second(
                            api, [(u, "hello") for u in listers for _ in range(2)]
                        )
                    )
                async with running(build_application(config)):
                    list_rates.append(
                        await updates_per_second(
                            api, [(u, "/activities") for u in listers for _ in range(2)]
                        )
                    )
    latencies.sort()
    return {
        "storm_people": STORM_PEOPLE,
        "storm_rounds": STORM_ROUNDS,
        "slots": SLOTS,
        "confirmed_each_round": confirmed_counts,
        "storm_commits_each_round": commits,
        "storm_p50_ms": round(statistics.median(latencies), 1),
        "storm_p95_ms": round(latencies[int(len(latencies) * 0.95) - 1], 1),
        "activities_updates_per_s": median(list_rates),
        "echo_updates_per_s": median(echo_rates),
        "activities_ratio": round(median(list_rates) / median(echo_rates), 2),
    }


async def startup_with_reminders() -> dict[str, object]:
    with tempfile.TemporaryDirectory() as folder:
        async with FakeBotApi() as api:
            config = make_config(
                Path(folder), telegram={"token": api.token, "base_url": api.base_url}
            )
            app = build_application(config)
            async with running(app):
                db = app.bot_data.database
                now = datetime.now(UTC)
                stamp = now.isoformat()
                people = await _seed_people(app, 1000, 40_000)
                services = app.bot_data.runtime.services
                admin = await services.roles.actor(ADMIN_ID)
                activity_ids = [
                    (await services.activities.create(admin, _draft(n))).id for n in range(50)
                ]
                async with db.transaction() as tx:
                    for a_index, activity_id in enumerate(activity_ids):
                        for p_index in range(1000):
                            volunteer_id = p_index + 1
                            cursor = await tx.execute(
                                "INSERT INTO signups (activity_id, volunteer_id, status,"
                                " created_at, updated_at) VALUES (?, ?, 'waitlisted', ?, ?)",
                                (activity_id, volunteer_id, stamp, stamp),
                            )
                            for offset in (1440, 120):
                                due = now + timedelta(days=3 + a_index, minutes=-offset)
                                await tx.execute(
                                    "INSERT INTO reminders (signup_id, offset_minutes, due_at,"
                                    " updated_at) VALUES (?, ?, ?, ?)",
                                    (cursor.lastrowid, offset, due.isoformat(), stamp),
                                )
                async with db.reader.execute(
                    "SELECT COUNT(*) FROM reminders WHERE state = 'planned'"
                ) as cursor:
                    planned = (await cursor.fetchone())[0]
                del people
            started = time.perf_counter()
            app = build_application(config)
            async with running(app):
                ready = time.perf_counter() - started
                await app.bot_data.runtime.services.reminders.dispatch_due()
                tick = time.perf_counter() - started - ready
    return {
        "planned_reminders": planned,
        "startup_s": round(ready, 3),
        "first_tick_s": round(tick, 3),
    }


async def main() -> dict[str, object]:
    return {**await storm_and_list(), **await startup_with_reminders()}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main())))

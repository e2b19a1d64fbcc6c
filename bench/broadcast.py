"""A broadcast to 10,000 members through the fake Bot API, 1% of sendMessage calls answered 429
(retry_after 1-5 s), with people using the bot meanwhile. The fake enforces Telegram's overall
limits itself (a message over them is answered 429 and counted as a violation).

Prints {"members", "sent", "lost", "duplicates", "messages_per_s", "ceiling_per_s": 30, "ratio",
"all_messages_ratio", "limit_violations", "injected_429", "interactive_replies",
"interactive_p50_ms", "interactive_p95_ms", ..., "paid": {...}}: the same broadcast again with
`sending.paid_broadcast` on, against its ceiling of 1,000/s. Goals (free): ratio >= 0.9,
all_messages_ratio >= 0.95, lost == 0, limit_violations == 0, interactive_p95_ms < 300.

BENCH_BROADCAST_MEMBERS (or `python -m bench.broadcast 300`) scales it down for a smoke test.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from bot.config import SendingConfig
from bot.outbox.scheduler import PAID_PER_SECOND
from storage.db import Database
from telegram_adapter.app import build_application, running
from telegram_adapter.context import AppType
from tests.conftest import ADMIN_ID, make_config
from tests.fake_bot_api import Call, FakeBotApi, FakeUser

MEMBERS = 10_000
MEMBERS_ENV = "BENCH_BROADCAST_MEMBERS"
TEAM = "traffic"
FIRST_MEMBER_ID = 2_000_000
LEAD = FakeUser(id=300, first_name="Lead", language_code="zh-hans")
BODY = "基准测试群发：明早 8 点人民路口集合，请穿马甲。"
FAULT_PROBABILITY = 0.01
RETRY_AFTER_RANGE = (1, 5)
# People using the bot during the broadcast: registered in another team (not the audience),
# one command per PROBE_INTERVAL overall, taking turns, so each one stays far below the flood
# guard (20 updates / 10 s) and the private-chat pacing.
PROBES = [FakeUser(id=400 + n, first_name=f"Probe{n}", language_code="en") for n in range(5)]
PROBE_COMMANDS = ("/profile", "/help")
PROBE_INTERVAL = 1.0
REPLY_TIMEOUT = 30.0


def _members() -> int:
    return int(os.environ.get(MEMBERS_ENV, MEMBERS))


def _database(app: AppType) -> Database:
    database = app.bot_data.database
    assert database is not None
    return database


async def _seed(app: AppType, members: int) -> list[int]:
    """`members` volunteers of TEAM who have talked to the bot, inserted in one transaction;
    a lead of TEAM and the probe users (in another team) through the services."""
    services = app.bot_data.runtime.services
    team_id = {team.key: team.id for team in await services.teams.all()}[TEAM]
    now = datetime.now(UTC).isoformat()
    ids = [FIRST_MEMBER_ID + n for n in range(members)]
    async with _database(app).transaction() as tx:
        await tx.executemany(
            "INSERT INTO volunteers (telegram_id, name, phone, consent_at, registered_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?)",
            [(i, "张三", f"137{i:08d}", now, now, now) for i in ids],
        )
        await tx.execute(
            "INSERT INTO memberships (volunteer_id, team_id, joined_at)"
            " SELECT id, ?, ? FROM volunteers WHERE telegram_id BETWEEN ? AND ?",
            (team_id, now, ids[0], ids[-1]),
        )
        await tx.executemany(
            "INSERT INTO accounts (telegram_id, language, telegram_language, first_seen,"
            " last_seen) VALUES (?, NULL, ?, ?, ?)",
            [(i, "zh-hans" if n % 2 else "en", now, now) for n, i in enumerate(ids)],
        )
    lead = await services.registration.register(
        LEAD.id, "张队长", "13900000300", [TEAM], consent=True
    )
    await services.roles.promote(await services.roles.actor(ADMIN_ID), lead.id, TEAM)
    for probe in PROBES:
        await services.registration.register(
            probe.id, "李四", f"1390000{probe.id:04d}", ["blood"], consent=True
        )
    return ids


async def _start_broadcast(app: AppType) -> int:
    """What /broadcast's confirmation does: start it, then show and attach a progress message
    (which the progress job keeps editing, as in production)."""
    services = app.bot_data.runtime.services
    actor = await services.roles.actor(LEAD.id)
    status = await services.broadcasts.start(actor, f"team:{TEAM}", BODY, LEAD.id)
    progress = await app.bot.send_message(LEAD.id, "群发进行中…")
    await services.broadcasts.attach_progress(status.broadcast.id, progress.message_id)
    return status.broadcast.id


async def _unfinished(app: AppType, broadcast_id: int) -> int:
    async with _database(app).reader.execute(
        "SELECT COUNT(*) FROM outbox WHERE broadcast_id = ? AND state IN ('pending', 'sending')",
        (broadcast_id,),
    ) as cursor:
        row = await cursor.fetchone()
    assert row is not None
    return int(row[0])


async def _outbox_states(app: AppType, broadcast_id: int) -> dict[str, int]:
    async with _database(app).reader.execute(
        "SELECT state, COUNT(*) FROM outbox WHERE broadcast_id = ? GROUP BY state ORDER BY state",
        (broadcast_id,),
    ) as cursor:
        return {str(state): int(count) for state, count in await cursor.fetchall()}


async def _wait_finished(app: AppType, broadcast_id: int) -> None:
    """Until every outbox row of the broadcast has ended (sent, blocked, failed, cancelled)."""
    # The database has no change notification: poll it.
    while True:
        if await _unfinished(app, broadcast_id) == 0:
            return
        await asyncio.sleep(0.5)


class Probes:
    """People sending commands during the broadcast, each timing the bot's first answer."""

    def __init__(self, api: FakeBotApi) -> None:
        self._api = api
        self.clean_ms: list[float] = []  # replies that went through at the first attempt
        self.throttled_ms: list[float] = []  # replies that met an injected 429 first
        self.unanswered = 0

    async def _probe(self, user: FakeUser, offset: float, stop: asyncio.Event) -> None:
        period = PROBE_INTERVAL * len(PROBES)
        next_at = time.perf_counter() + offset
        sent = 0
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), max(0.0, next_at - time.perf_counter()))
            if stop.is_set():
                return
            since = self._api.mark()
            started = time.perf_counter()
            self._api.send_text(user, PROBE_COMMANDS[sent % len(PROBE_COMMANDS)])
            sent += 1
            try:
                answer = await self._api.next_message(user.id, since=since, timeout=REPLY_TIMEOUT)
            except AssertionError:
                self.unanswered += 1
            else:
                elapsed = (time.perf_counter() - started) * 1000
                throttled = any(
                    call.fault is not None and call.chat_id == user.id
                    for call in self._api.calls[since : answer.index]
                )
                (self.throttled_ms if throttled else self.clean_ms).append(elapsed)
            next_at = max(next_at + period, time.perf_counter())

    async def run(self, stop: asyncio.Event) -> None:
        await asyncio.gather(
            *(self._probe(user, n * PROBE_INTERVAL, stop) for n, user in enumerate(PROBES))
        )


def _window_counts(times: list[float], width: float) -> list[int]:
    """For each call (sorted by time), how many calls fall in the `width` seconds ending at it."""
    times = sorted(times)
    counts, start = [], 0
    for end, at in enumerate(times):
        while times[start] <= at - width:
            start += 1
        counts.append(end - start + 1)
    return counts


def _private_violation(times: list[float], rate: float, burst: int) -> bool:
    """More messages in some interval [a, b] than `burst + (b - a) * rate`."""
    times = sorted(times)
    return any(
        j - i + 1 > burst + (times[j] - times[i]) * rate + 1e-9
        for i in range(len(times))
        for j in range(i + burst, len(times))
    )


def _percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return round(values[0], 1)
    return round(statistics.quantiles(values, n=100, method="inclusive")[int(share) - 1], 1)


def _paid(call: Call) -> bool:
    return call.params.get("allow_paid_broadcast") in (True, "true")


def _limits(calls: list[Call], limits: SendingConfig) -> dict[str, int]:
    sends = [c for c in calls if c.ok and c.method.startswith(("send", "edit"))]
    free = _window_counts([c.at for c in sends if not _paid(c)], 1.0)
    paid = _window_counts([c.at for c in sends if _paid(c)], 1.0)
    by_chat: dict[int, list[float]] = {}
    for call in sends:
        if isinstance(call.chat_id, int) and call.chat_id > 0:
            by_chat.setdefault(call.chat_id, []).append(call.at)
    private = sum(
        _private_violation(times, limits.private_per_second, limits.private_burst)
        for times in by_chat.values()
    )
    over = sum(1 for count in free if count > limits.global_per_second)
    over += sum(1 for count in paid if count > PAID_PER_SECOND)
    return {
        "global_windows_over": over,
        "private_chats_over": private,
        "max_per_1s": max(free, default=0),
        **({"max_paid_per_1s": max(paid)} if paid else {}),
    }


async def main(members: int | None = None) -> dict[str, object]:
    """The broadcast with the free limits, then with paid broadcasts ("paid")."""
    members = _members() if members is None else members
    free = await run(members, paid=False)
    return {**free, "paid": await run(members, paid=True)}


async def run(members: int, paid: bool) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as folder:
        async with FakeBotApi() as api:
            config = make_config(
                Path(folder),
                telegram={"token": api.token, "base_url": api.base_url},
                sending={"paid_broadcast": paid},
            )
            api.enforce_flood_limits(config.sending.global_per_second, PAID_PER_SECOND)
            app = build_application(config)
            async with running(app):
                ids = await _seed(app, members)
                recipients = [*ids, LEAD.id]
                await api.wait_idle(quiet=0.2)
                api.fault_rate(
                    "sendMessage",
                    "retry_after",
                    FAULT_PROBABILITY,
                    retry_after_range=RETRY_AFTER_RANGE,
                    seed=1,
                )
                since = api.mark()
                started = time.perf_counter()
                broadcast_id = await _start_broadcast(app)
                probes = Probes(api)
                stop = asyncio.Event()
                probing = asyncio.create_task(probes.run(stop))
                try:
                    async with asyncio.timeout(120 + members / 10):
                        await _wait_finished(app, broadcast_id)
                finally:
                    stop.set()
                    await probing
                wall = time.perf_counter() - started
                states = await _outbox_states(app, broadcast_id)
            calls = api.calls[since:]
            misuse = len(api.violations)
            flood_refused = len(api.flood_refused)
    copies = [c for c in calls if c.method == "sendMessage" and c.ok and BODY in (c.text or "")]
    received = Counter(c.chat_id for c in copies)
    audience = set(recipients)
    times = sorted(c.at for c in copies)
    duration = times[-1] - times[0] if len(times) > 1 else 0.0
    rate = len(copies) / duration if duration else 0.0
    ceiling = PAID_PER_SECOND if paid else config.sending.global_per_second
    others = (
        [
            c
            for c in calls
            if c.ok and c.method.startswith(("send", "edit")) and times[0] <= c.at <= times[-1]
        ]
        if times
        else []
    )
    all_rate = len(others) / duration if duration else 0.0
    free_rate = sum(1 for c in others if not _paid(c)) / duration if duration else 0.0
    limits = _limits(calls, config.sending)
    injected = [c for c in calls if c.fault == "retry_after"]
    injected_broadcast = sum(1 for c in injected if BODY in (c.params.get("text") or ""))
    return {
        "members": members,
        "recipients": len(recipients),
        "sent": len(copies),
        "lost": sum(1 for r in recipients if received[r] == 0),
        "duplicates": sum(1 for r in recipients if received[r] > 1),
        "strays": sum(1 for chat in received if chat not in audience),
        "outbox_states": states,
        "duration_s": round(duration, 1),
        "wall_s": round(wall, 1),
        "messages_per_s": round(rate, 2),
        "ratio": round(rate / ceiling, 3),
        "ceiling_per_s": ceiling,
        # Replies to the probes and the progress edits share the same 30/s ceiling (paid
        # broadcast messages have a ceiling of their own).
        "all_messages_per_s": round(all_rate, 2),
        **(
            {"paid_copies": sum(1 for c in copies if _paid(c)), "free_messages_per_s": free_rate}
            if paid
            else {"all_messages_ratio": round(all_rate / ceiling, 3)}
        ),
        "limit_violations": limits["global_windows_over"]
        + limits["private_chats_over"]
        + flood_refused,
        **limits,
        "flood_429": flood_refused,
        "api_misuse": misuse,
        "injected_429": len(injected),
        "injected_429_broadcast": injected_broadcast,
        "interactive_replies": len(probes.clean_ms),
        "interactive_p50_ms": _percentile(probes.clean_ms, 50),
        "interactive_p95_ms": _percentile(probes.clean_ms, 95),
        "interactive_max_ms": round(max(probes.clean_ms), 1) if probes.clean_ms else None,
        "interactive_after_429": len(probes.throttled_ms),
        "interactive_unanswered": probes.unanswered,
    }


if __name__ == "__main__":
    size = int(sys.argv[1]) if len(sys.argv) > 1 else None
    print(json.dumps(asyncio.run(main(size)), ensure_ascii=False))

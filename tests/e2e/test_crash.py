"""`kill -9` in the middle of a 500-recipient broadcast: after a restart every recipient holds
exactly one copy, or two only within the documented in-flight window (one per chat)."""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from bot.config import TeamConfig
from storage.db import Database
from tests.e2e.test_process import CLI, EXAMPLE_CONFIG, TOKEN, _env
from tests.fake_bot_api import FakeBotApi, FakeUser

MEMBERS = 500
IN_FLIGHT = 16
LEAD = FakeUser(id=77, first_name="Lead", language_code="zh-hans")
TEXT = "紧急通知：明早集合地点改为人民广场"


async def _seed(path: Path, members: int = MEMBERS) -> None:
    """Members of the traffic team, and LEAD as its lead, written straight to the database."""
    now = datetime.now(UTC).isoformat()
    db = await Database.open(path)
    try:
        async with db.transaction() as tx:
            team = TeamConfig(key="traffic", name_zh="文明交通志愿服务队", name_en="Traffic")
            await tx.execute(
                "INSERT INTO teams (id, key, name_zh, name_en, created_at) VALUES (1, ?, ?, ?, ?)",
                (team.key, team.name_zh, team.name_en, now),
            )
            for n, telegram_id in enumerate([LEAD.id, *range(10_000, 10_000 + members)]):
                await tx.execute(
                    "INSERT INTO volunteers (id, telegram_id, name, phone, consent_at,"
                    " registered_at, updated_at) VALUES (?, ?, '张三', ?, ?, ?, ?)",
                    (n + 1, telegram_id, f"+86137{n:08d}", now, now, now),
                )
                await tx.execute(
                    "INSERT INTO memberships (volunteer_id, team_id, joined_at) VALUES (?, 1, ?)",
                    (n + 1, now),
                )
                await tx.execute(
                    "INSERT INTO accounts (telegram_id, telegram_language, first_seen, last_seen)"
                    " VALUES (?, 'zh', ?, ?)",
                    (telegram_id, now, now),
                )
            await tx.execute(
                "INSERT INTO team_leads (volunteer_id, team_id, appointed_by, appointed_at)"
                " VALUES (1, 1, 1, ?)",
                (now,),
            )
    finally:
        await db.close()


def _copies(api: FakeBotApi) -> Counter[int]:
    return Counter(
        c.chat_id for c in api.sent_messages() if TEXT in (c.text or "") and c.chat_id != LEAD.id
    )


async def _start(env: dict[str, str], cwd: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        CLI,
        "run",
        "--config",
        str(EXAMPLE_CONFIG),
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def broadcast_to_the_team(api: FakeBotApi) -> None:
    """Once the bot polls: the lead writes a broadcast to the team and confirms it."""
    await api.wait_for_method("getUpdates", timeout=30)
    api.send_text(LEAD, "/broadcast")
    await api.next_message(LEAD.id, timeout=15)
    api.send_text(LEAD, TEXT)
    await api.next_message(LEAD.id, timeout=15)
    await api.next_message(LEAD.id, timeout=15)
    confirm = await api.next_message(LEAD.id, timeout=15)
    api.press(LEAD, confirm, "b:go")


async def test_sigkill_mid_broadcast_loses_nothing_and_duplicates_only_in_flight(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bot.sqlite3"
    await _seed(path)
    async with FakeBotApi(token=TOKEN) as api:
        env = _env(
            VOLUNTEER_BOT_TOKEN=TOKEN,
            VOLUNTEER_BOT__TELEGRAM__BASE_URL=api.base_url,
            VOLUNTEER_BOT__TELEGRAM__POLL_TIMEOUT="1",
            VOLUNTEER_BOT__STORAGE__PATH=str(path),
            VOLUNTEER_BOT__TEAMS="[]",
            VOLUNTEER_BOT__SENDING__GLOBAL_PER_SECOND="60",
            VOLUNTEER_BOT__SENDING__IN_FLIGHT=str(IN_FLIGHT),
        )
        process = await _start(env, tmp_path)
        try:
            await broadcast_to_the_team(api)
            await api.wait_until(lambda: len(_copies(api)) >= 150, timeout=60)
            process.send_signal(signal.SIGKILL)
            await process.wait()
            copies_at_kill = len(_copies(api))
            assert copies_at_kill < MEMBERS, "killed in the middle, not after the end"

            process = await _start(env, tmp_path)
            await api.wait_until(lambda: len(_copies(api)) == MEMBERS, timeout=90)
            db = await Database.open(path)
            try:
                async with asyncio.timeout(30):
                    while True:
                        async with db.reader.execute(
                            "SELECT COUNT(*) FROM outbox WHERE state IN ('pending', 'sending')"
                        ) as cursor:
                            if (await cursor.fetchone())[0] == 0:
                                break
                        await asyncio.sleep(0.1)
                async with db.reader.execute(
                    "SELECT state, COUNT(*) FROM outbox GROUP BY state"
                ) as cursor:
                    states = dict(await cursor.fetchall())
            finally:
                await db.close()
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
                await asyncio.wait_for(process.wait(), timeout=15)
    copies = _copies(api)
    assert len(copies) == MEMBERS, "every member got it"
    lead_copies = [c for c in api.sent_messages(LEAD.id) if TEXT in (c.text or "")]
    assert len(lead_copies) in (2, 3), "the lead's preview, then one copy (two if in flight)"
    duplicated = [chat for chat, n in copies.items() if n > 1]
    assert all(copies[chat] == 2 for chat in duplicated)
    assert len(duplicated) <= IN_FLIGHT, "only rows on the wire at the kill can repeat"
    assert states == {"sent": MEMBERS + 1}

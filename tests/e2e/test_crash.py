"""`kill -9` in the middle of a 500-recipient broadcast: after a restart every recipient holds
exactly one copy, or two only within the documented in-flight window (one per chat)."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from storage.db import Database
from tests.e2e.helpers import (
    EXAMPLE_CONFIG,
    PROCESS_LEAD,
    TOKEN,
    URGENT,
    bot_env,
    broadcast_urgently,
    seed_database,
    start_cli,
    urgent_copies,
)
from tests.fake_bot_api import FakeBotApi

MEMBERS = 500
IN_FLIGHT = 16


async def _outbox_states(path: Path) -> dict[str, int]:
    """Once no row is pending or on the wire: how many rows are in each state."""
    db = await Database.open(path)
    try:
        async with asyncio.timeout(30):
            while True:  # the database has no change notification: poll it
                async with db.reader.execute(
                    "SELECT COUNT(*) FROM outbox WHERE state IN ('pending', 'sending')"
                ) as cursor:
                    row = await cursor.fetchone()
                if row is not None and row[0] == 0:
                    break
                await asyncio.sleep(0.1)
        async with db.reader.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state") as cursor:
            return {str(state): int(count) for state, count in await cursor.fetchall()}
    finally:
        await db.close()


async def test_sigkill_mid_broadcast_loses_nothing_and_duplicates_only_in_flight(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bot.sqlite3"
    await seed_database(path, MEMBERS)
    async with FakeBotApi(token=TOKEN) as api:
        env = bot_env(
            api,
            path,
            VOLUNTEER_BOT__TEAMS="[]",
            VOLUNTEER_BOT__SENDING__GLOBAL_PER_SECOND="60",
            VOLUNTEER_BOT__SENDING__IN_FLIGHT=str(IN_FLIGHT),
        )
        run = ("run", "--config", str(EXAMPLE_CONFIG))
        process = await start_cli(*run, env=env, cwd=tmp_path, output=asyncio.subprocess.DEVNULL)
        try:
            await broadcast_urgently(api)
            await api.wait_until(lambda: len(urgent_copies(api)) >= 150, timeout=60)
            process.send_signal(signal.SIGKILL)
            await process.wait()
            copies_at_kill = len(urgent_copies(api))
            assert copies_at_kill < MEMBERS, "killed in the middle, not after the end"

            process = await start_cli(
                *run, env=env, cwd=tmp_path, output=asyncio.subprocess.DEVNULL
            )
            await api.wait_until(lambda: len(urgent_copies(api)) == MEMBERS, timeout=90)
            states = await _outbox_states(path)
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
                await asyncio.wait_for(process.wait(), timeout=15)
    copies = urgent_copies(api)
    assert len(copies) == MEMBERS, "every member got it"
    lead_copies = [c for c in api.sent_messages(PROCESS_LEAD.id) if URGENT in (c.text or "")]
    assert len(lead_copies) in (2, 3), "the lead's preview, then one copy (two if in flight)"
    duplicated = [chat for chat, n in copies.items() if n > 1]
    assert all(copies[chat] == 2 for chat in duplicated)
    assert len(duplicated) <= IN_FLIGHT, "only rows on the wire at the kill can repeat"
    assert states == {"sent": MEMBERS + 1}

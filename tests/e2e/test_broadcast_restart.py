"""Issue 11, item 7: a broadcast cut short by `kill -9` ends with exactly one final report to its
author after the restart, whichever stage it was killed at. Each kill comes while a chosen
request is held at the fake Bot API (on the wire, neither answered nor applied)."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import pytest

from storage.db import Database
from tests.e2e.helpers import (
    EXAMPLE_CONFIG,
    FIRST_MEMBER,
    PROCESS_LEAD,
    TOKEN,
    URGENT,
    bot_env,
    broadcast_urgently,
    mentions,
    says,
    seed_database,
    start_cli,
    urgent_copies,
    zh,
)
from tests.fake_bot_api import FakeBotApi

MEMBERS = 60
STAGES = ("before_progress_message", "during_sending", "after_last_send")


def _opening(key: str) -> str:
    """The fixed start of a Chinese text (what comes before its first param), which a held
    request is recognised by."""
    return zh.messages[key].split("{", 1)[0]


def _reports(api: FakeBotApi) -> set[int]:
    """The lead's messages that ever showed the final report (sent as such or edited into it)."""
    return {
        call.message_id
        for call in api.calls
        if call.ok
        and call.method in ("sendMessage", "editMessageText")
        and call.chat_id == PROCESS_LEAD.id
        and says(call.text, "broadcast.finished")
        and call.message_id is not None
    }


async def _settled(path: Path) -> tuple[str, bool, int]:
    """The broadcast's state, whether its report is recorded, and outbox rows not ended."""
    db = await Database.open(path)
    try:
        async with db.reader.execute(
            "SELECT state, reported_at IS NOT NULL,"
            " (SELECT COUNT(*) FROM outbox WHERE state IN ('pending', 'sending'))"
            " FROM broadcasts"
        ) as cursor:
            rows = list(await cursor.fetchall())
    finally:
        await db.close()
    assert len(rows) == 1, "one broadcast"
    state, reported, unfinished = rows[0]
    return str(state), bool(reported), int(unfinished)


async def _wait_progress_attached(path: Path) -> None:
    db = await Database.open(path)
    try:
        async with asyncio.timeout(30):
            while True:
                async with db.reader.execute(
                    "SELECT progress_message_id FROM broadcasts"
                ) as cursor:
                    row = await cursor.fetchone()
                if row is not None and row[0] is not None:
                    return
                await asyncio.sleep(0.05)
    finally:
        await db.close()


async def _wait_settled(path: Path) -> None:
    async with asyncio.timeout(60):
        while True:  # the database has no change notification: poll it
            if await _settled(path) == ("done", True, 0):
                return
            await asyncio.sleep(0.1)


@pytest.mark.parametrize("stage", STAGES)
async def test_item7_a_broadcast_reports_once_whatever_restarts(tmp_path: Path, stage: str) -> None:
    path = tmp_path / "bot.sqlite3"
    await seed_database(path, MEMBERS)
    async with FakeBotApi(token=TOKEN) as api:
        env = bot_env(
            api,
            path,
            VOLUNTEER_BOT__TEAMS="[]",
            VOLUNTEER_BOT__SENDING__GLOBAL_PER_SECOND="100",
            VOLUNTEER_BOT__SENDING__PROGRESS_INTERVAL_SECONDS="0.2",
        )
        if stage == "before_progress_message":
            held = api.hold("sendMessage", PROCESS_LEAD.id, _opening("broadcast.progress"))
        elif stage == "during_sending":
            held = api.hold("sendMessage", FIRST_MEMBER + MEMBERS // 2, URGENT)
        else:
            held = api.hold("editMessageText", PROCESS_LEAD.id, _opening("broadcast.finished"))
        run = ("run", "--config", str(EXAMPLE_CONFIG))
        process = await start_cli(*run, env=env, cwd=tmp_path, output=asyncio.subprocess.DEVNULL)
        try:
            await broadcast_urgently(api)
            await asyncio.wait_for(held.reached.wait(), timeout=60)
            if stage == "during_sending":  # the held copy keeps the broadcast from finishing
                await _wait_progress_attached(path)
            process.send_signal(signal.SIGKILL)
            await process.wait()
            assert not _reports(api), "killed before any final report"
            progress_posted = any(
                says(text, "broadcast.progress") for text in api.sent_texts(PROCESS_LEAD.id)
            )
            assert progress_posted == (stage != "before_progress_message")
            if stage == "during_sending":
                assert len(urgent_copies(api)) < MEMBERS, "killed before the end"
            elif stage == "after_last_send":
                assert len(urgent_copies(api)) == MEMBERS, "every member had it before the kill"

            process = await start_cli(
                *run, env=env, cwd=tmp_path, output=asyncio.subprocess.DEVNULL
            )
            await _wait_settled(path)
            await api.wait_until(lambda: bool(_reports(api)), timeout=30)
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
                await asyncio.wait_for(process.wait(), timeout=15)
    assert len(urgent_copies(api)) == MEMBERS
    reports = _reports(api)
    assert len(reports) == 1, f"exactly one final report, got {len(reports)}"
    (report,) = reports
    shown = api.message(PROCESS_LEAD.id, report)
    assert shown is not None
    assert mentions(shown["text"], "broadcast.finished", sent=MEMBERS + 1), (
        "the report counts every copy, the lead's too"
    )
    report_sends = [
        c for c in api.sent_messages(PROCESS_LEAD.id) if says(c.text, "broadcast.finished")
    ]
    assert len(report_sends) == (1 if stage == "before_progress_message" else 0)

"""Issue 11, item 7: a broadcast cut short by `kill -9` ends with exactly one final report to its
author after the restart, whichever stage it was killed at. Each kill comes while a chosen
request is held at the fake Bot API (on the wire, neither answered nor applied)."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import pytest

from storage.db import Database
from tests.e2e.test_crash import LEAD, TEXT, _copies, _seed, _start, broadcast_to_the_team
from tests.e2e.test_process import TOKEN, _env
from tests.fake_bot_api import FakeBotApi

MEMBERS = 60
FIRST_MEMBER = 10_000  # as seeded by test_crash._seed
PROGRESS = "正在群发"  # the progress message, as the lead (Chinese) sees it
FINISHED = "群发已完成"  # the final report
STAGES = ("before_progress_message", "during_sending", "after_last_send")


def _reports(api: FakeBotApi) -> set[int]:
    """The lead's messages that ever showed the final report (sent as such or edited into it)."""
    return {
        call.message_id
        for call in api.calls
        if call.ok
        and call.method in ("sendMessage", "editMessageText")
        and call.chat_id == LEAD.id
        and FINISHED in (call.text or "")
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
    await _seed(path, MEMBERS)
    async with FakeBotApi(token=TOKEN) as api:
        env = _env(
            VOLUNTEER_BOT_TOKEN=TOKEN,
            VOLUNTEER_BOT__TELEGRAM__BASE_URL=api.base_url,
            VOLUNTEER_BOT__TELEGRAM__POLL_TIMEOUT="1",
            VOLUNTEER_BOT__STORAGE__PATH=str(path),
            VOLUNTEER_BOT__TEAMS="[]",
            VOLUNTEER_BOT__SENDING__GLOBAL_PER_SECOND="100",
            VOLUNTEER_BOT__SENDING__PROGRESS_INTERVAL_SECONDS="0.2",
        )
        if stage == "before_progress_message":
            held = api.hold("sendMessage", LEAD.id, PROGRESS)
        elif stage == "during_sending":
            held = api.hold("sendMessage", FIRST_MEMBER + MEMBERS // 2, TEXT)
        else:
            held = api.hold("editMessageText", LEAD.id, FINISHED)
        process = await _start(env, tmp_path)
        try:
            await broadcast_to_the_team(api)
            await asyncio.wait_for(held.reached.wait(), timeout=60)
            if stage == "during_sending":  # the held copy keeps the broadcast from finishing
                await _wait_progress_attached(path)
            process.send_signal(signal.SIGKILL)
            await process.wait()
            assert not _reports(api), "killed before any final report"
            progress_posted = any(PROGRESS in text for text in api.sent_texts(LEAD.id))
            assert progress_posted == (stage != "before_progress_message")
            if stage == "during_sending":
                assert len(_copies(api)) < MEMBERS, "killed before the end"
            elif stage == "after_last_send":
                assert len(_copies(api)) == MEMBERS, "every member had it before the kill"

            process = await _start(env, tmp_path)
            await _wait_settled(path)
            await api.wait_until(lambda: bool(_reports(api)), timeout=30)
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
                await asyncio.wait_for(process.wait(), timeout=15)
    assert len(_copies(api)) == MEMBERS
    reports = _reports(api)
    assert len(reports) == 1, f"exactly one final report, got {len(reports)}"
    (report,) = reports
    shown = api.message(LEAD.id, report)
    assert shown is not None and FINISHED in shown["text"]
    assert f"已发送：{MEMBERS + 1}" in shown["text"], "the report counts every copy, the lead's too"
    report_sends = [c for c in api.sent_messages(LEAD.id) if FINISHED in (c.text or "")]
    assert len(report_sends) == (1 if stage == "before_progress_message" else 0)

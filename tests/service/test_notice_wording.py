"""Notices read in the reader's language: dates through Babel, hours by the one rule
(issue 12, items 7 and 8)."""

from __future__ import annotations

from datetime import date

from bot.services import Services
from storage.db import Database
from tests.conftest import ADMIN_ID

ANNA, BO = 11, 12


async def _texts(db: Database, chat_id: int) -> list[str]:
    rows = await db.reader.execute_fetchall(
        "SELECT text FROM outbox WHERE chat_id = ? ORDER BY id", (chat_id,)
    )
    return [str(row[0]) for row in rows]


async def test_an_added_record_is_told_with_the_date_and_hours_each_reader_reads(
    services: Services, db: Database, register
) -> None:
    anna = await register(ANNA, name="安娜", phone="13800000011")
    bo = await register(BO, name="薄一", phone="13800000012")
    await services.accounts.choose_language(ANNA, "en")
    await services.accounts.choose_language(BO, "zh")
    admin = await services.roles.actor(ADMIN_ID)
    for volunteer in (anna, bo):
        await services.records.add_manual(
            admin, volunteer.id, "traffic", date(2026, 11, 24), 45, "路口劝导", "纸质签到表"
        )
    [english] = [text for text in await _texts(db, ANNA) if "劝导" in text]
    [chinese] = [text for text in await _texts(db, BO) if "劝导" in text]
    assert "Nov 24, 2026" in english and "0.75 h" in english
    assert "2026年11月24日" in chinese and "0.75" in chinese
    assert "2026-11-24" not in english + chinese

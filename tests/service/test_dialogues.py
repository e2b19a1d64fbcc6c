"""Dialogues kept in SQLite: typed data written and read back, and a row the code can no
longer follow ended with DialogueLost."""

from __future__ import annotations

import logging
from datetime import date

import pytest

from bot.domain.dialogues import AddHoursData, ChoosingTeams, EditProfileData, RegisterData
from bot.domain.errors import DialogueLost
from bot.services import Services
from storage.db import Database


async def _keep_row(db: Database, telegram_id: int, flow: str, step: str, data: str) -> None:
    """A row as an older version of the code, or damage, left it."""
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT OR REPLACE INTO dialogues (telegram_id, flow, step, data, updated_at)"
            " VALUES (?, ?, ?, ?, '2026-11-27T07:00:00+00:00')",
            (telegram_id, flow, step, data),
        )


async def test_typed_data_is_kept_and_read_back(services: Services) -> None:
    begun = await services.dialogues.begin(
        5, AddHoursData(volunteer_id=4, team_key="traffic", day=date(2026, 11, 20)), "hours"
    )
    kept = await services.dialogues.current(5)
    assert kept == begun and isinstance(kept.data, AddHoursData)
    kept.data.minutes = 90
    kept.step = "title"
    await services.dialogues.save(5, kept)
    again = await services.dialogues.at(5, AddHoursData, "title")
    assert again is not None and again.data.minutes == 90 and again.data.day == date(2026, 11, 20)


async def test_a_dialogue_is_found_only_in_its_flow_and_steps(services: Services) -> None:
    await services.dialogues.begin(5, EditProfileData(teams=["traffic"]), "teams")
    assert await services.dialogues.at(5, RegisterData) is None
    assert await services.dialogues.at(5, EditProfileData, "name", "phone") is None
    shared = await services.dialogues.at(5, ChoosingTeams, "teams")
    assert shared is not None and shared.data.teams == ["traffic"]


async def test_a_step_the_flow_does_not_have_is_not_kept(services: Services) -> None:
    with pytest.raises(ValueError, match="no step"):
        await services.dialogues.begin(5, RegisterData(), "nickname")
    assert await services.dialogues.current(5) is None


@pytest.mark.parametrize(
    ("flow", "step", "data"),
    [
        ("survey", "question", "{}"),
        ("register", "phone", '{"resume_activity": null}'),
        ("manage", "place", '{"activity": "three"}'),
        ("register", "phone", "{"),
    ],
)
async def test_a_row_the_code_cannot_follow_ends_with_dialogue_lost(
    services: Services, db: Database, flow: str, step: str, data: str
) -> None:
    await _keep_row(db, 5, flow, step, data)
    with pytest.raises(DialogueLost):
        await services.dialogues.current(5)
    assert await services.dialogues.current(5) is None
    assert await services.dialogues.end(5) is False, "the row was already gone"


async def test_the_lost_dialogue_is_logged_without_what_was_typed(
    services: Services, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    await _keep_row(db, 5, "register", "consent", '{"name": "张三", "phone": 13800138000}')
    with caplog.at_level(logging.WARNING), pytest.raises(DialogueLost):
        await services.dialogues.at(5, RegisterData, "consent")
    [record] = [r for r in caplog.records if r.name == "bot.services.dialogues"]
    assert "register/consent" in record.getMessage() and "phone" in record.getMessage()
    assert "张三" not in record.getMessage() and "13800138000" not in record.getMessage()

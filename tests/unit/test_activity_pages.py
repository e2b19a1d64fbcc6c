"""Every write to activities and sign-ups passes ActivityPages.writing(), which forgets the
kept pages of the activity list: the services that write them are never handed the Database."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from bot.services.activities import ActivityService
from bot.services.activity_changes import ActivityChangeService
from bot.services.activity_pages import ActivityPages
from bot.services.signups import SignupService
from storage.db import Database

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("service", [ActivityService, ActivityChangeService, SignupService])
def test_a_service_writing_activities_or_sign_ups_gets_the_pages_not_the_database(
    service: type,
) -> None:
    parameters = inspect.signature(service.__init__).parameters.values()
    annotations = {parameter.annotation for parameter in parameters}
    assert "ActivityPages" in annotations or ActivityPages in annotations
    assert not {"Database", Database} & annotations


@pytest.mark.parametrize(
    "module", ["activities", "activity_changes", "signups", "activity_notices"]
)
def test_no_module_of_activities_or_sign_ups_opens_its_own_transaction(module: str) -> None:
    text = (ROOT / "bot" / "services" / f"{module}.py").read_text(encoding="utf-8")
    assert ".transaction(" not in text and "Database" not in text

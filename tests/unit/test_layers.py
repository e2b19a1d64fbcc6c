"""The layers stay clean: rules and services know nothing of Telegram; SQL lives in storage/."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TELEGRAM_IMPORT = re.compile(r"^\s*(from|import)\s+telegram\b", re.MULTILINE)
SQL = re.compile(r"\b(SELECT\s.+\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b")


def _sources(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def test_rules_services_and_storage_know_nothing_of_telegram() -> None:
    offenders = [
        path.relative_to(ROOT)
        for folder in ("bot", "storage")
        for path in _sources(folder)
        if TELEGRAM_IMPORT.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
    # The composition root is the Telegram adapter's.
    assert TELEGRAM_IMPORT.search((ROOT / "telegram_adapter" / "app.py").read_text("utf-8"))


def test_handlers_hold_only_what_answers_people() -> None:
    """The wiring, transport, jobs, context types and button data live in the adapter."""
    infrastructure = {"context", "transport", "processing", "jobs", "commands", "guard", "buttons"}
    assert not [p.stem for p in _sources("handlers") if p.stem in infrastructure]
    assert "install" not in (ROOT / "handlers" / "__init__.py").read_text(encoding="utf-8")


def test_the_domain_imports_neither_storage_nor_aiosqlite() -> None:
    for path in _sources("bot/domain"):
        text = path.read_text(encoding="utf-8")
        assert "aiosqlite" not in text and "storage" not in text, path


def test_sql_lives_only_in_storage() -> None:
    offenders = [
        path.relative_to(ROOT)
        for folder in ("bot", "handlers", "telegram_adapter")
        for path in _sources(folder)
        if SQL.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []

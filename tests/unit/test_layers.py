"""The layers stay clean: rules and services know nothing of Telegram; SQL lives in storage/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TELEGRAM_IMPORT = re.compile(r"^\s*(from|import)\s+telegram\b", re.MULTILINE)
WECHAT_IMPORT = re.compile(r"^\s*(from|import)\s+(wechat_adapter|wechatpy|xmltodict)\b", re.M)
SQL = re.compile(r"\b(SELECT\s.+\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b")
# Button data written or read by hand: a prefix-shaped literal ("h:r:", "r:td", f"s:u:{id}"),
# callback data given as a literal, or the pressed data taken apart.
BUTTON_DATA_BY_HAND = re.compile(
    r"""(?<![\w])f?["'][a-z]{1,3}:(?:[a-z]{1,4}:?)?(?=["'{])"""
    r"""|callback_data\s*=\s*f?["']"""
    r"""|\.data\.(?:startswith|removeprefix|partition|split)\(|\.data\s*[!=]=\s"""
)


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


def test_rules_services_and_storage_know_nothing_of_wechat() -> None:
    offenders = [
        path.relative_to(ROOT)
        for folder in ("bot", "storage")
        for path in _sources(folder)
        if WECHAT_IMPORT.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_wechat_adapter_knows_nothing_of_telegram() -> None:
    offenders = [
        path.relative_to(ROOT)
        for path in _sources("wechat_adapter")
        if TELEGRAM_IMPORT.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_only_the_protocol_module_calls_the_untyped_wechat_sdk() -> None:
    """pyproject.toml lets mypy skip wechatpy because only protocol.py uses it."""
    sdk = re.compile(r"^\s*(from|import)\s+(wechatpy|xmltodict)\b", re.MULTILINE)
    users = [
        path.relative_to(ROOT).as_posix()
        for folder in ("bot", "storage", "handlers", "telegram_adapter", "wechat_adapter")
        for path in _sources(folder)
        if sdk.search(path.read_text(encoding="utf-8"))
    ]
    assert users == ["wechat_adapter/protocol.py"]


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
        for folder in ("bot", "handlers", "telegram_adapter", "wechat_adapter")
        for path in _sources(folder)
        if SQL.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


@pytest.mark.parametrize(
    "line",
    [
        'RECORD = "h:r:"',
        'DONE = "r:td"',
        "rows.append([(label, f'mg:a:{activity.id}')])",
        'Button(t("button.cant_come"), callback_data=f"s:c:{row[0]}")',
        'Button(label, callback_data="m:ics")',
        "key = turn.query.data.removeprefix(TEAM)",
        "if turn.query.data != SAVE:",
    ],
)
def test_button_data_written_by_hand_is_recognised(line: str) -> None:
    assert BUTTON_DATA_BY_HAND.search(line)


@pytest.mark.parametrize(
    "line",
    ['key = f"team:{team.key}"', 'link = "https://t.me/bot"', 'when = "9:00"', 'x = "act_"'],
)
def test_other_text_is_not_taken_for_button_data(line: str) -> None:
    assert not BUTTON_DATA_BY_HAND.search(line)


def test_only_bot_buttons_writes_or_reads_button_data() -> None:
    """Every callback prefix and payload is built and parsed by bot/buttons.py."""
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for folder in ("bot", "handlers", "telegram_adapter", "storage", "scripts")
        for path in _sources(folder)
        if path != ROOT / "bot" / "buttons.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if BUTTON_DATA_BY_HAND.search(line)
    ]
    assert offenders == []

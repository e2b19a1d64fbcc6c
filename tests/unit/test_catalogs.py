"""Every text comes from both catalogs, with the same placeholders, and the code uses no
key the catalogs lack."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.domain.commands import COMMANDS
from bot.domain.errors import DomainError
from bot.domain.hours import Mark, RecordState
from bot.domain.models import Role
from bot.domain.ranking import Period
from bot.i18n import Catalogs, placeholders
from storage.reports import EXPORT_COLUMNS

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = Catalogs(ZoneInfo("Asia/Shanghai"))


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


def test_both_languages_have_the_same_keys_and_placeholders() -> None:
    zh, en = CATALOGS.messages["zh"], CATALOGS.messages["en"]
    assert set(zh) == set(en)
    for key in zh:
        assert placeholders(zh[key]) == placeholders(en[key]), key
        assert zh[key].strip() or key == "list.separator", key


def test_every_key_named_in_the_code_exists() -> None:
    used: set[str] = set()
    for folder in ("bot", "handlers", "wechat_adapter"):
        for path in (ROOT / folder).rglob("*.py"):
            used |= set(re.findall(r"""t\(\s*["']([a-z_]+\.[a-z_.]+)["']""", path.read_text()))
    used |= {error.key for error in _subclasses(DomainError)}
    used |= {f"cmd.{name}" for name, _ in COMMANDS}
    used |= {f"role.{role.name.lower()}" for role in Role}
    used |= {f"{action}.{what}" for action in ("promote", "demote") for what in ("done", "told")}
    # Keys made from a value: each value the code can give must have its text.
    used |= {f"record.state.{state.value}" for state in RecordState}
    used |= {f"attendance.mark.{mark.value}" for mark in Mark}
    used |= {f"attendance.method.{method}" for method in ("location", "code", "lead")}
    flags = ("no_checkin", "no_checkout", "below_share", "over_daily", "overlap", "edge", "manual")
    used |= {f"record.{kind}.{flag}" for kind in ("flag", "flag_short") for flag in flags}
    actions = ("created", "marked", "adjusted", "approved", "review", "disputed", "resolved")
    used |= {f"audit.{action}" for action in (*actions, "added")}
    used |= {f"dispute.{outcome}" for outcome in ("opened", "adjusted", "rejected")}
    used |= {f"period.{period.value}" for period in Period}
    used |= {f"export.col.{column}" for column in EXPORT_COLUMNS}
    # Keys handed to a notice or prompt as an argument rather than to t() directly.
    for folder in ("bot", "handlers"):
        for path in (ROOT / folder).rglob("*.py"):
            used |= set(
                re.findall(
                    r"""["']((?:hours|stars|attendance|record|dispute)\.[a-z_]+)["']""",
                    path.read_text(),
                )
            )
    assert used, "the scan found no keys"
    missing = used - set(CATALOGS.messages["en"])
    assert not missing


def test_dates_are_shown_in_the_org_zone_per_locale() -> None:
    moment = datetime(2026, 12, 5, 1, 30, tzinfo=UTC)
    assert CATALOGS.translator("zh").datetime(moment) == "2026年12月5日周六 09:30"
    assert CATALOGS.translator("en").datetime(moment) == "Sat, Dec 5, 2026 09:30"
    assert CATALOGS.translator("en").number(12345) == "12,345"


def test_counts_take_the_readers_plural_form() -> None:
    en, zh = CATALOGS.translator("en"), CATALOGS.translator("zh")
    assert en("broadcast.confirm", count=1, audience="X") == "Send it to 1 recipient (X)?"
    assert en("broadcast.confirm", count=2, audience="X") == "Send it to 2 recipients (X)?"
    assert "1 record)" in en("certificate.verified", holder="A", hours="1", count=1, day="d")
    assert "0 records" in en("report.person", approved=0, pending=0, no_shows=0, count=0)
    assert zh("broadcast.confirm", count=1, audience="X") == zh(
        "broadcast.confirm", count=5, audience="X"
    ).replace("5", "1")


def test_plural_keys_have_every_form_with_the_same_placeholders() -> None:
    assert CATALOGS.plurals["en"], "no plural keys found"
    assert set(CATALOGS.plurals["en"]) == set(CATALOGS.plurals["zh"])
    for key, forms in CATALOGS.plurals["en"].items():
        assert len(forms) == 2, key
        assert len(CATALOGS.plurals["zh"][key]) == 1, key
        wanted = placeholders(forms[-1])
        assert "count" in wanted, key
        for form in (*forms, *CATALOGS.plurals["zh"][key]):
            assert placeholders(form) == wanted, key


def test_no_english_text_guesses_a_plural_with_s_in_brackets() -> None:
    assert not [key for key, text in CATALOGS.messages["en"].items() if "(s)" in text]

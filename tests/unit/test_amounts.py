"""Hours look the same everywhere: one rounding rule (two decimals, half up, from the minutes)
and one formatter, used by replies, notices, charts, certificates and exports."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bot.domain.amounts import Hours, hours_of
from bot.i18n import Catalogs
from bot.services.certificate_pdf import hours as certificate_hours
from bot.services.charts import hours_text as chart_hours
from handlers.periods import hours as report_hours

CATALOGS = Catalogs(ZoneInfo("Asia/Shanghai"))
EN, ZH = CATALOGS.translator("en"), CATALOGS.translator("zh")


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [(0, "0"), (1, "0.02"), (3, "0.05"), (45, "0.75"), (90, "1.5"), (190, "3.17"), (60, "1")],
)
def test_one_rounding_rule(minutes: int, expected: str) -> None:
    assert hours_of(minutes) == Decimal(expected)
    assert EN.hours(minutes) == ZH.hours(minutes) == expected


def test_large_amounts_are_grouped_in_the_readers_locale() -> None:
    assert EN.hours(75_000) == "1,250"
    assert EN.hours(75_010) == "1,250.17"


@pytest.mark.parametrize("minutes", [3, 45, 95, 190, 75_010])
def test_every_surface_shows_the_same_hours(minutes: int) -> None:
    shown = EN.hours(minutes)
    assert report_hours(EN, minutes) == shown  # /report, /leaderboard, /stats
    assert certificate_hours(minutes, EN) == shown  # the PDF certificate
    assert chart_hours(minutes, EN) == EN("chart.hours", hours=shown)  # the weekly charts
    assert EN.value(Hours(minutes)) == shown  # notices (exports: tests/service/test_reports.py)
    assert ZH.value(date(2026, 11, 28)) == "2026年11月28日"

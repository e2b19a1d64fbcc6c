"""Leaderboard and honour-roll PNGs, read back with PyMuPDF: real images, sized by their rows,
with Chinese names drawn as glyphs rather than empty boxes."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import cast
from zoneinfo import ZoneInfo

import pymupdf

from bot.i18n import Catalogs
from bot.services.charts import (
    NAME_WIDTH,
    NAME_X,
    ROW_HEIGHT,
    ROWS_TOP,
    WIDTH,
    fit,
    honor_roll_png,
    hours_text,
    leaderboard_png,
    printable,
    text_width,
)

CATALOGS = Catalogs(ZoneInfo("Asia/Shanghai"))
ZH = CATALOGS.translator("zh")
EN = CATALOGS.translator("en")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
TITLE, SUBTITLE = "本月志愿服务时长排行榜", "鹤山市志愿者联合会 · 2026年11月"
LEADERS = [
    ("1", "张三", 5190),
    ("=2", "李四", 4320),
    ("=2", "王小明", 4320),
    ("4", "匿名志愿者", 3330),
    ("5", "买买提·艾力", 2460),
    ("6", "欧阳娜娜", 2010),
    ("7", "阿卜杜热合曼·阿卜杜克热木江", 1200),
    ("8", "赵六", 750),
    ("9", "钱七", 180),
    ("10", "孙八", 30),
]
TEAMS = [
    ("1", "文明交通志愿服务队", 74070, 1482),
    ("2", "无偿献血志愿服务队", 58800, 1836),
    ("3", "阳光慈善志愿服务队", 27390, 738),
    ("4", "环保志愿服务队", 0, 0),
]


def _pixmap(data: bytes) -> pymupdf.Pixmap:
    return cast("Callable[[bytes], pymupdf.Pixmap]", pymupdf.Pixmap)(data)


def _image(data: bytes) -> pymupdf.Pixmap:
    assert data.startswith(PNG_MAGIC)
    return _pixmap(data)


def _region(pixmap: pymupdf.Pixmap, x0: int, y0: int, x1: int, y1: int) -> list[bytes]:
    """The pixels of a box, one row of RGB bytes per line."""
    samples, stride, n = pixmap.samples, pixmap.stride, pixmap.n
    return [samples[y * stride + x0 * n : y * stride + x1 * n] for y in range(y0, y1)]


def _ink(rows: list[bytes]) -> int:
    """How many pixels of the box are clearly darker than the light row stripe."""
    return sum(1 for row in rows for value in row[::3] if value < 160)


def _first_name_box() -> tuple[int, int, int, int]:
    return NAME_X, ROWS_TOP, NAME_X + NAME_WIDTH, ROWS_TOP + ROW_HEIGHT


def test_a_chinese_leaderboard_is_a_png_about_a_thousand_pixels_wide() -> None:
    pixmap = _image(leaderboard_png(TITLE, SUBTITLE, LEADERS, ZH))

    assert pixmap.width == WIDTH
    assert ROWS_TOP + len(LEADERS) * ROW_HEIGHT <= pixmap.height < 2 * pixmap.width
    assert pixmap.n == 3  # RGB on white, no alpha


def test_the_picture_grows_with_the_rows() -> None:
    heights = [
        _pixmap(leaderboard_png(TITLE, SUBTITLE, LEADERS[:count], ZH)).height
        for count in (1, 5, 10)
    ]
    assert heights[0] < heights[1] < heights[2]
    assert heights[2] - heights[1] == 5 * ROW_HEIGHT
    many = [(str(rank), f"志愿者{rank}号", 100.0 - rank) for rank in range(1, 26)]
    assert _pixmap(leaderboard_png(TITLE, SUBTITLE, many, ZH)).height > heights[2]


def test_a_honor_roll_is_a_png_with_a_row_per_team() -> None:
    pixmap = _image(honor_roll_png("队伍荣誉榜", "2026年度", TEAMS, ZH))
    fewer = _image(honor_roll_png("队伍荣誉榜", "2026年度", TEAMS[:2], ZH))

    assert pixmap.width == fewer.width == WIDTH
    assert pixmap.height - fewer.height == 2 * ROW_HEIGHT
    english = _image(honor_roll_png("Team honour roll", "2026", TEAMS, EN))
    assert english.height == pixmap.height


def test_no_rows_draws_the_empty_line_instead_of_bars() -> None:
    for data in (
        leaderboard_png(TITLE, SUBTITLE, [], ZH),
        honor_roll_png("队伍荣誉榜", "2026年度", [], EN),
    ):
        pixmap = _image(data)
        assert pixmap.width == WIDTH
        assert pixmap.height > ROWS_TOP
    # The first row's band holds the "no hours yet" text: ink right across the middle.
    empty = _pixmap(leaderboard_png(TITLE, SUBTITLE, [], ZH))
    assert _ink(_region(empty, WIDTH // 2 - 150, ROWS_TOP, WIDTH // 2 + 150, ROWS_TOP + 40)) > 100


def test_all_zero_hours_draw_without_dividing_by_zero() -> None:
    zeros = [("=1", "张三", 0), ("=1", "李四", 0)]
    pixmap = _image(leaderboard_png(TITLE, SUBTITLE, zeros, ZH))
    assert (
        pixmap.height
        == _pixmap(leaderboard_png(TITLE, SUBTITLE, zeros[:1], ZH)).height + ROW_HEIGHT
    )
    teams = [("=1", "环保志愿服务队", 0, 0)]
    assert _image(honor_roll_png("队伍荣誉榜", "2026年度", teams, ZH)).width == WIDTH


def test_chinese_names_are_drawn_as_their_own_glyphs() -> None:
    def first_name_pixels(name: str) -> list[bytes]:
        rows = [("1", name, 10.0), ("2", "王五", 5.0)]
        return _region(_pixmap(leaderboard_png(TITLE, SUBTITLE, rows, ZH)), *_first_name_box())

    zhang, li, blank = first_name_pixels("张三"), first_name_pixels("李四"), first_name_pixels("")

    # An empty box for a missing glyph would look the same for every name.
    assert zhang != li
    assert _ink(blank) == 0
    assert _ink(zhang) > 50
    assert _ink(li) > 50


def test_hours_follow_the_one_rule_with_the_catalog_unit() -> None:
    assert hours_text(750, ZH) == "12.5 小时"
    assert hours_text(74040, EN) == "1,234 h"
    assert hours_text(45, EN) == "0.75 h"  # the same as /hours, /report and the certificate
    assert hours_text(-60, ZH) == "0 小时"
    assert ZH("chart.per_member", hours=hours_text(180, ZH)) == "人均 3 小时"


def test_long_names_are_cut_with_an_ellipsis_to_fit() -> None:
    name = "阿卜杜热合曼·阿卜杜克热木江"
    short = fit(name, 19, 120)
    assert short.endswith("…")
    assert name.startswith(short[:-1])
    assert text_width(short, 19) <= 120
    assert fit("张三", 19, 120) == "张三"
    assert printable("🌟 本月排行榜") == "本月排行榜"  # emoji the font lacks are left out


def test_a_full_leaderboard_renders_quickly() -> None:
    rows = [(str(rank), f"志愿者{rank}号", 6000 - 60 * rank) for rank in range(1, 26)]
    leaderboard_png(TITLE, SUBTITLE, rows, ZH)  # loads the font once
    started = time.perf_counter()
    data = leaderboard_png(TITLE, SUBTITLE, rows, ZH)
    elapsed = time.perf_counter() - started
    assert elapsed < 0.5, elapsed
    assert data.startswith(PNG_MAGIC)

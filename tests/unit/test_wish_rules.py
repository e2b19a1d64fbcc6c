"""Micro-wishes: what may be typed into a wish, its configuration, and the fulfilled wall's
picture and caption."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pymupdf
import pytest

from bot.config import ConfigError, WishesConfig, load_config
from bot.domain.models import Team
from bot.domain.wishes import (
    InvalidDeadline,
    InvalidWishCommunity,
    InvalidWishNote,
    InvalidWishStory,
    InvalidWishTitle,
    InvalidWishValue,
    Wish,
    WishState,
    parse_community,
    parse_deadline,
    parse_note,
    parse_story,
    parse_value,
    parse_wish_title,
)
from bot.i18n import Catalogs
from bot.services.wish_digest import CAPTION_MOST, WALL_MOST, FulfilledWall, wall_caption
from bot.services.wish_wall import wish_wall_jpeg

TODAY = date(2026, 11, 27)
CATALOGS = Catalogs(ZoneInfo("Asia/Shanghai"))
BAD_TEXT = ["", "   ", "x" * 5000, "电暖器\x00", "\u202e反转", "🎁🎁🎁", "!!!!"]


@pytest.mark.parametrize("text", BAD_TEXT)
def test_a_bad_title_is_refused(text: str) -> None:
    with pytest.raises(InvalidWishTitle):
        parse_wish_title(text)


def test_a_title_is_cleaned_and_kept_as_typed() -> None:
    assert parse_wish_title("  一台   电暖器 ") == "一台 电暖器"
    assert parse_wish_title("'; DROP TABLE wishes; --") == "'; DROP TABLE wishes; --"
    assert parse_wish_title("🎁 一台电暖器") == "🎁 一台电暖器"
    assert parse_wish_title("书包" * 30) == "书包" * 30
    with pytest.raises(InvalidWishTitle):
        parse_wish_title("书包" * 30 + "a")


@pytest.mark.parametrize("text", ["", "x" * 501, "冷\x07", "😀😀"])
def test_a_bad_story_is_refused(text: str) -> None:
    with pytest.raises(InvalidWishStory):
        parse_story(text)


def test_a_story_keeps_its_line_breaks() -> None:
    assert parse_story("老人独居。\n\n  冬天很冷  ") == "老人独居。\n冬天很冷"


@pytest.mark.parametrize("text", ["", "东", "x" * 31, "东区\x1b", "🏠🏠"])
def test_a_bad_community_is_refused(text: str) -> None:
    with pytest.raises(InvalidWishCommunity):
        parse_community(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [("200", 200), ("200元", 200), ("￥80", 80), ("１２０", 120), ("1,000", 1000)],
)
def test_a_value_in_yuan(text: str, value: int) -> None:
    assert parse_value(text) == value


@pytest.mark.parametrize("text", ["", "0", "-5", "100001", "9" * 30, "abc", "1.5", "1e9"])
def test_a_bad_value_is_refused(text: str) -> None:
    with pytest.raises(InvalidWishValue):
        parse_value(text)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2026-12-20", date(2026, 12, 20)),
        ("12月20日", date(2026, 12, 20)),
        ("11-27", TODAY),
        ("3-1", date(2027, 3, 1)),  # without a year: the next such date
        ("2027-11-27", date(2027, 11, 27)),
    ],
)
def test_a_deadline_from_today_up_to_a_year(text: str, day: date) -> None:
    assert parse_deadline(text, TODAY) == day


@pytest.mark.parametrize(
    "text", ["", "2026-11-26", "2027-11-28", "2026-02-30", "明天", "x" * 5000, "12-20\x00"]
)
def test_a_bad_or_past_deadline_is_refused(text: str) -> None:
    with pytest.raises(InvalidDeadline):
        parse_deadline(text, TODAY)


@pytest.mark.parametrize("text", ["", "x", "y" * 501, "电话\x00", "😀😀😀"])
def test_a_bad_note_is_refused(text: str) -> None:
    with pytest.raises(InvalidWishNote):
        parse_note(text)


def test_the_default_minutes_may_not_exceed_the_most(tmp_path: Path) -> None:
    assert (WishesConfig().open_claims, WishesConfig().default_minutes) == (3, 60)
    assert WishesConfig().max_minutes == 240
    path = tmp_path / "config.toml"
    path.write_text("[wishes]\ndefault_minutes = 300\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="wishes"):
        load_config(path)
    path.write_text("[wishes]\nopen_claims = 0\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"wishes\.open_claims"):
        load_config(path)


def _photo(shade: int, width: int = 640, height: int = 480) -> bytes:
    pixmap = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, width, height), False)
    pixmap.clear_with(shade)
    return pixmap.tobytes("jpeg")


def test_the_wall_is_a_picture_of_photos_and_cjk_titles_even_with_a_broken_photo() -> None:
    tiles = [(f"给独居老人送一台电暖器和冬衣 {n}", _photo(n * 8)) for n in range(WALL_MOST)]
    tiles[3] = ("坏照片", b"not a photo")
    tiles[4] = ("竖着拍的照片", _photo(90, 300, 900))
    png = wish_wall_jpeg(
        "交通队 · 上周实现的微心愿", "11月23日至29日 · 30 个心愿", tiles, CATALOGS.translator("zh")
    )
    picture = pymupdf.Pixmap(png)
    assert png.startswith(b"\xff\xd8") and picture.width == 1000
    assert picture.height > 1000, "six rows of five"
    empty = wish_wall_jpeg("交通队", "—", [], CATALOGS.translator("en"))
    assert pymupdf.Pixmap(empty).height < picture.height


def _wish(n: int, title: str) -> Wish:
    return Wish(
        n,
        "traffic",
        1,
        "中东西社区",
        title,
        "",
        None,
        TODAY,
        None,
        "私密",
        WishState.CONFIRMED,
        1,
        datetime(2026, 11, 20),
    )


def test_the_caption_names_the_wishes_and_fits_a_photo_caption() -> None:
    team = Team(1, "traffic", "文明交通志愿服务队", "Civility Traffic Volunteers")
    few = FulfilledWall(team, date(2026, 11, 23), date(2026, 11, 30), [_wish(1, "一台电暖器")])
    zh, en = CATALOGS.translator("zh"), CATALOGS.translator("en")
    assert "一台电暖器" in wall_caption(zh, few) and "私密" not in wall_caption(zh, few)
    assert "1 micro-wish " in wall_caption(en, few)
    many = FulfilledWall(team, few.start, few.end, [_wish(n, "心愿" * 25) for n in range(80)])
    caption = wall_caption(en, many)
    assert len(caption) <= CAPTION_MOST and "80 micro-wishes" in caption and "more" in caption


def test_every_state_a_card_or_list_can_show_has_its_text_in_both_languages() -> None:
    keys = {f"wish.state.{state.value}" for state in WishState}
    keys |= {f"wish.state.{state}_anonymous" for state in ("claimed", "delivered", "confirmed")}
    keys |= {f"wish.mine_line.{state}" for state in ("claimed", "delivered")}
    for language in ("zh", "en"):
        assert keys <= set(CATALOGS.messages[language]), language

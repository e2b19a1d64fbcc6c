"""Typed input rules: names, phone numbers, search fragments, team keys and names."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.errors import (
    InvalidName,
    InvalidPhone,
    InvalidSearch,
    InvalidTeamKey,
    InvalidTeamName,
)
from bot.domain.validation import (
    mask_phone,
    parse_name,
    parse_phone,
    parse_search,
    parse_team_key,
    parse_team_name,
)

BAD_INPUTS = [
    "",
    "   ",
    "x" * 5000,
    "张\x00三",
    "张\u200b三",
    "张三\n李四",
    "😀😀",
    "张三😀",
    "'; DROP TABLE volunteers; --",
    "Robert'); DROP TABLE students;--",
]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("张三", "张三"),
        ("  欧阳  娜娜 ", "欧阳 娜娜"),
        ("买买提·艾力", "买买提·艾力"),
        ("买买提・艾力", "买买提·艾力"),
        ("买买提 · 艾力", "买买提·艾力"),
        ("Li Lei", "Li Lei"),
        ("Jean-Luc O'Brien", "Jean-Luc O'Brien"),
        ("李" * 30, "李" * 30),
    ],
)
def test_parse_name_accepts_real_names_and_normalises_them(typed: str, stored: str) -> None:
    assert parse_name(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        *BAD_INPUTS,
        "张",
        "李" * 31,
        "张3",
        "Agent 007",
        "·张三",
        "张三·",
        "张··三",
        "A_B",
        "<b>x</b>",
    ],
)
def test_parse_name_refuses_digits_symbols_control_characters_and_bad_lengths(typed: str) -> None:
    with pytest.raises(InvalidName):
        parse_name(typed)


@given(st.text(max_size=60))
def test_a_parsed_name_is_always_clean(typed: str) -> None:
    try:
        name = parse_name(typed)
    except InvalidName:
        return
    assert 2 <= len(name) <= 30
    assert not any(char.isdigit() or not char.isprintable() for char in name)
    assert name == name.strip()


@pytest.mark.parametrize(
    "typed",
    [
        "13812345678",
        "+8613812345678",
        "8613812345678",
        "008613812345678",
        "138 1234 5678",
        "138-1234-5678",
        "(+86) 138 1234 5678",
        "１３８１２３４５６７８",
    ],
)
def test_parse_phone_normalises_mainland_mobiles_to_plus_86(typed: str) -> None:
    assert parse_phone(typed) == "+8613812345678"


@pytest.mark.parametrize(
    "typed",
    [
        *BAD_INPUTS,
        "12812345678",
        "1381234567",
        "138123456789",
        "+85291234567",
        "+1 415 555 0100",
        "-1",
        "99999999999999999999999999",
        "13812345678; DROP TABLE",
        "١٣٨١٢٣٤٥٦٧٨",
    ],
)
def test_parse_phone_refuses_anything_but_a_mainland_mobile(typed: str) -> None:
    with pytest.raises(InvalidPhone):
        parse_phone(typed)


def test_mask_phone_keeps_prefix_and_last_four() -> None:
    assert mask_phone("+8613812345678") == "+86138****5678"


def test_parse_search_refuses_empty_long_and_control_text() -> None:
    for typed in ["", "  ", "x" * 31, "a\x07b"]:
        with pytest.raises(InvalidSearch):
            parse_search(typed)
    assert parse_search("  张  ") == "张"
    assert parse_search("%_'") == "%_'"


def test_team_keys_and_names_are_validated() -> None:
    assert parse_team_key(" elderly_care ") == "elderly_care"
    for typed in ["", "E", "Elderly", "1abc", "a-b", "a" * 33, "敬老", "x; DROP"]:
        with pytest.raises(InvalidTeamKey):
            parse_team_key(typed)
    assert parse_team_name(" 敬老  助残 ") == "敬老 助残"
    for typed in ["", " ", "x" * 61, "a\x00b"]:
        with pytest.raises(InvalidTeamName):
            parse_team_name(typed)

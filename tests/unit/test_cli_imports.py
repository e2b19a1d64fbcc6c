"""Reading the import files (`volunteer-bot import-volunteers`, `import-households`): UTF-8 or
GBK (as Excel in China saves CSV), a clear reason when the file cannot be used, and each row
with its line."""

from __future__ import annotations

from pathlib import Path

from bot.cli_imports import read_households, read_roster
from bot.services.household_import import HouseholdRow
from bot.services.registration import RosterRow


def test_a_roster_saved_by_excel_in_gbk_is_read_with_its_lines(tmp_path: Path) -> None:
    file = tmp_path / "roster.csv"
    file.write_bytes("name,phone,teams\n张三,13800138000,traffic;blood\n".encode("gb18030"))
    assert read_roster(str(file)) == [
        RosterRow(2, "张三", "13800138000", ("traffic", "blood")),
    ]


def test_households_are_read_with_the_optional_columns_left_empty(tmp_path: Path) -> None:
    file = tmp_path / "households.csv"
    file.write_text(
        "code,team,community,needs,extra\nSP-017,traffic,沙坪街道,elderly_alone poverty,x\n"
        "SP-018,traffic\n",
        encoding="utf-8-sig",
    )
    assert read_households(str(file)) == [
        HouseholdRow(2, "SP-017", "traffic", "沙坪街道", ("elderly_alone", "poverty")),
        HouseholdRow(3, "SP-018", "traffic", ""),
    ]


def test_a_file_that_cannot_be_used_says_why(tmp_path: Path) -> None:
    missing = tmp_path / "missing.csv"
    unreadable = read_roster(str(missing))
    assert isinstance(unreadable, str) and unreadable.startswith("cannot be read")
    binary = tmp_path / "photo.csv"
    binary.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x81\xff")
    assert read_households(str(binary)) == "is neither UTF-8 nor GBK text"
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("name,phone\n张三,13800138000\n", encoding="utf-8")
    assert read_roster(str(wrong)) == "missing column(s) teams: the header must be name,phone,teams"
    wrong.write_text("code,community\n", encoding="utf-8")
    refusal = read_households(str(wrong))
    assert isinstance(refusal, str) and refusal.startswith("missing column(s) team:")

"""The streaming XLSX writer produces files a spreadsheet library reads back exactly."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from bot.services import xlsx
from bot.services.xlsx import XlsxWriter


def test_rows_read_back_exactly(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    with XlsxWriter(path, "service records") as sheet:
        sheet.header(["记录编号", "志愿者姓名", "时长"])
        sheet.row([1, '张三 <&> "引号"', 1.5])
        sheet.row([2, "控制\x07字符\x00", 0])
        sheet.row([3, "  spaces kept  ", None])
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["service records"]
    rows = list(book.active.iter_rows(values_only=True))
    assert rows == [
        ("记录编号", "志愿者姓名", "时长"),
        (1, '张三 <&> "引号"', 1.5),
        (2, "控制字符", 0),
        (3, "  spaces kept  ", None),
    ]
    assert book.active["A1"].font.b and not book.active["A2"].font.b


def test_a_sheet_refuses_more_rows_than_excel_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(xlsx, "MAX_ROWS", 3)
    with XlsxWriter(tmp_path / "big.xlsx") as sheet:
        sheet.header(["a"])
        sheet.row([1])
        sheet.row([2])
        with pytest.raises(ValueError, match="at most 3 rows"):
            sheet.row([3])

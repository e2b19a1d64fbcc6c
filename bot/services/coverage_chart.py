"""The month-by-month coverage picture for /coverage and the monthly report: one row per month,
a bar for the share of households visited that month, and "visited / households · share" written
out. Drawn like the leaderboards (bot/services/charts.py: PyMuPDF, the built-in CJK font, no
system fonts)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot.i18n import Translator
from bot.services.charts import (
    ACCENT_REST,
    ACCENT_TOP,
    INK,
    MARGIN,
    MUTED,
    ROW_HEIGHT,
    ROWS_TOP,
    SMALL_SIZE,
    STRIPE,
    TEXT_SIZE,
    TRACK,
    WIDTH,
    _baseline,
    _Canvas,
    _empty,
    _header,
    _height,
    fit,
    text_width,
)

MONTH_WIDTH = 150
GAP = 16


@dataclass(frozen=True)
class MonthBar:
    month: date  # its first day
    visited: int  # households visited in the month
    households: int  # households registered by the month's end

    @property
    def share(self) -> float:
        return self.visited / self.households if self.households else 0.0


def share_text(t: Translator, bar: MonthBar) -> str:
    return t(
        "coverage.chart_value",
        visited=bar.visited,
        households=bar.households,
        share=round(bar.share * 100),
    )


def coverage_png(title: str, subtitle: str, bars: Sequence[MonthBar], t: Translator) -> bytes:
    """Months top to bottom, oldest first; the current month in the deeper red."""
    canvas = _Canvas(_height(len(bars)))
    _header(canvas, title, subtitle)
    if not any(bar.households for bar in bars):
        _empty(canvas, t)
        return canvas.png()
    texts = [share_text(t, bar) for bar in bars]
    column = max(text_width(text, SMALL_SIZE) for text in texts)
    right = WIDTH - MARGIN
    bar_x = MARGIN + MONTH_WIDTH + GAP
    bar_end = right - column - GAP
    for index, (bar, text) in enumerate(zip(bars, texts, strict=True)):
        top = ROWS_TOP + index * ROW_HEIGHT
        centre = top + ROW_HEIGHT / 2
        if index % 2 == 0:
            canvas.rect(MARGIN - 12, top, WIDTH - MARGIN + 12, top + ROW_HEIGHT, STRIPE)
        latest = index == len(bars) - 1
        label = fit(t.month(bar.month), TEXT_SIZE, MONTH_WIDTH)
        canvas.text(MARGIN, _baseline(centre, TEXT_SIZE), label, TEXT_SIZE, INK, bold=latest)
        bar_top, bar_bottom = centre - 12, centre + 12
        canvas.rect(bar_x, bar_top, bar_end, bar_bottom, TRACK, radius=5)
        length = (bar_end - bar_x) * min(max(bar.share, 0.0), 1.0)
        if length > 0:
            colour = ACCENT_TOP if latest else ACCENT_REST
            canvas.rect(bar_x, bar_top, bar_x + max(length, 4.0), bar_bottom, colour, radius=5)
        canvas.text(right, _baseline(centre, SMALL_SIZE), text, SMALL_SIZE, MUTED, align="right")
    return canvas.png()

"""Leaderboard and honour-roll pictures to post in a group: horizontal bar charts as PNG.

Drawn on a PyMuPDF page and rasterised by MuPDF. All text uses MuPDF's built-in simplified
Chinese font ("china-s", Droid Sans Fallback), so Chinese names render with no font file on
the host. Text goes through a TextWriter with that font rather than `insert_text`: written as
a bare PDF font, "china-s" gives every character a full-width advance and Latin names come out
letter-spaced ("A n o n y m o u s"); the TextWriter embeds the font with its real widths, and
measuring with the same font makes truncation and right alignment exact."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol, cast

import pymupdf

from bot.i18n import Translator

Color = tuple[float, float, float]
Box = tuple[float, float, float, float]
Position = tuple[float, float]


# The few PyMuPDF calls used here, typed: the constructors and these methods carry no hints.
class _Font(Protocol):
    def text_length(self, text: str, *, fontsize: float) -> float: ...
    def has_glyph(self, chr: int) -> int: ...


class _Shape(Protocol):
    def draw_rect(self, rect: Box, *, radius: float | None = None) -> object: ...
    def draw_circle(self, center: Position, radius: float) -> object: ...
    def finish(self, *, color: Color | None, fill: Color | None) -> None: ...
    def commit(self) -> None: ...


class _TextWriter(Protocol):
    def append(self, pos: Position, text: str, *, font: _Font, fontsize: float) -> object: ...
    def write_text(self, page: pymupdf.Page, *, color: Color, render_mode: int) -> None: ...


def _new_font(name: str) -> _Font:
    return cast("Callable[[str], _Font]", pymupdf.Font)(name)


def _new_document() -> pymupdf.Document:
    return cast("Callable[[], pymupdf.Document]", pymupdf.open)()


def _new_shape(page: pymupdf.Page) -> _Shape:
    return cast("Callable[[], _Shape]", page.new_shape)()


def _new_writer(page: pymupdf.Page) -> _TextWriter:
    return cast("Callable[[pymupdf.Rect], _TextWriter]", pymupdf.TextWriter)(page.rect)


def _png(pixmap: pymupdf.Pixmap) -> bytes:
    return cast("Callable[[str], bytes]", pixmap.tobytes)("png")


def _close(document: pymupdf.Document) -> None:
    cast("Callable[[], None]", document.close)()


def _rgb(hex_code: str) -> Color:
    value = int(hex_code.lstrip("#"), 16)
    return ((value >> 16) / 255, ((value >> 8) & 0xFF) / 255, (value & 0xFF) / 255)


INK = _rgb("#1f2933")
MUTED = _rgb("#616e7c")
FAINT = _rgb("#9aa5b1")
WHITE = _rgb("#ffffff")
STRIPE = _rgb("#f5f7fa")
RULE = _rgb("#e4e7eb")
TRACK = _rgb("#edf0f3")
ACCENT = _rgb("#c8102e")  # the red of China's volunteer-service emblem
ACCENT_TOP = _rgb("#9b0d23")  # a deeper shade of it for the top three
ACCENT_REST = _rgb("#e8707f")  # a lighter one for everyone else
MEDALS: dict[int, Color] = {1: _rgb("#d4a017"), 2: _rgb("#8e99a6"), 3: _rgb("#b87333")}

# Page units are pixels: the page is rasterised at 72 dpi, one point to one pixel.
WIDTH = 1000
MARGIN = 48
BAND = 10  # the accent band along the top edge
TITLE_SIZE, SUBTITLE_SIZE = 34, 19
TITLE_BASELINE, SUBTITLE_BASELINE = 84, 122
HEADER_RULE = 148
ROWS_TOP = 164
ROW_HEIGHT = 46
BAR_HEIGHT = 24
TEXT_SIZE, SMALL_SIZE = 19, 16
BOTTOM = 36
RANK_CENTRE = MARGIN + 22
BADGE_RADIUS = 17
NAME_X = MARGIN + 58
NAME_WIDTH = 230
BAR_X = NAME_X + NAME_WIDTH + 16
GAP = 16  # between the end of the bar area and the numbers
ELLIPSIS = "…"


@lru_cache(maxsize=1)
def _font() -> _Font:
    return _new_font("china-s")


def text_width(text: str, size: float) -> float:
    """How wide the text is drawn at `size`, in page units (pixels)."""
    return _font().text_length(text, fontsize=size)


@lru_cache(maxsize=4096)
def _drawable(character: str) -> bool:
    return character.isspace() or bool(_font().has_glyph(ord(character)))


def printable(text: str) -> str:
    """The text without what the font cannot draw (emoji, mostly), spaces collapsed: MuPDF
    would fill those in from its symbol fonts in black and white, or leave a gap."""
    return " ".join("".join(ch for ch in text if _drawable(ch)).split())


def fit(text: str, size: float, width: float) -> str:
    """The printable text, cut short with an ellipsis if wider than `width` at `size`."""
    text = printable(text)
    if text_width(text, size) <= width:
        return text
    for end in range(len(text) - 1, 0, -1):
        shortened = text[:end].rstrip() + ELLIPSIS
        if text_width(shortened, size) <= width:
            return shortened
    return ELLIPSIS if text_width(ELLIPSIS, size) <= width else ""


def hours_text(minutes: int, t: Translator) -> str:
    """Minutes as hours by the one rule (Translator.hours) with the catalog's unit: "12.5 小时",
    "1,234 h"."""
    return t("chart.hours", hours=t.hours(max(minutes, 0)))


def _rank_number(label: str) -> int | None:
    digits = label.lstrip("=").strip()
    return int(digits) if digits.isdigit() else None


@dataclass
class _Canvas:
    """A page plus one TextWriter per (colour, bold), written out when the picture is done."""

    height: float
    document: pymupdf.Document = field(init=False)
    page: pymupdf.Page = field(init=False)
    shape: _Shape = field(init=False)
    writers: dict[tuple[Color, bool], _TextWriter] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.document = _new_document()
        self.page = self.document.new_page(width=WIDTH, height=self.height)
        # One shape for every rectangle and circle, committed once: `page.draw_rect` would
        # commit (and rewrite the page's contents) for each of them.
        self.shape = _new_shape(self.page)

    def rect(
        self, x0: float, y0: float, x1: float, y1: float, fill: Color, radius: float = 0.0
    ) -> None:
        if x1 - x0 <= 0 or y1 - y0 <= 0:
            return
        # A radius is a share of the shorter side; MuPDF wants it at most one half.
        share = min(radius / min(x1 - x0, y1 - y0), 0.5) if radius else None
        self.shape.draw_rect((x0, y0, x1, y1), radius=share)
        self.shape.finish(color=None, fill=fill)

    def circle(self, x: float, y: float, radius: float, fill: Color) -> None:
        self.shape.draw_circle((x, y), radius)
        self.shape.finish(color=None, fill=fill)

    def text(
        self,
        x: float,
        baseline: float,
        text: str,
        size: float,
        color: Color,
        *,
        align: str = "left",
        bold: bool = False,
    ) -> None:
        if not text:
            return
        if align == "right":
            x -= text_width(text, size)
        elif align == "centre":
            x -= text_width(text, size) / 2
        key = (color, bold)
        if key not in self.writers:
            self.writers[key] = _new_writer(self.page)
        self.writers[key].append((x, baseline), text, font=_font(), fontsize=size)

    def png(self) -> bytes:
        self.shape.commit()
        for (color, bold), writer in self.writers.items():
            # Bold: fill and stroke the glyph outlines (the font has no bold face).
            writer.write_text(self.page, color=color, render_mode=2 if bold else 0)
        data = _png(self.page.get_pixmap(dpi=72, alpha=False))
        _close(self.document)
        return data


def _baseline(centre: float, size: float) -> float:
    """Where to put the baseline so a line of CJK and Latin text sits centred on `centre`."""
    return centre + size * 0.36


def _header(canvas: _Canvas, title: str, subtitle: str) -> None:
    canvas.rect(0, 0, WIDTH, BAND, ACCENT)
    inner = WIDTH - 2 * MARGIN
    canvas.text(MARGIN, TITLE_BASELINE, fit(title, TITLE_SIZE, inner), TITLE_SIZE, INK, bold=True)
    canvas.text(
        MARGIN, SUBTITLE_BASELINE, fit(subtitle, SUBTITLE_SIZE, inner), SUBTITLE_SIZE, MUTED
    )
    canvas.rect(MARGIN, HEADER_RULE, WIDTH - MARGIN, HEADER_RULE + 1.5, RULE)


def _height(count: int) -> float:
    return ROWS_TOP + max(count, 1) * ROW_HEIGHT + BOTTOM


def _rank(canvas: _Canvas, label: str, centre: float) -> None:
    number = _rank_number(label)
    medal = MEDALS.get(number) if number is not None else None
    size = TEXT_SIZE if len(label) <= 2 else SMALL_SIZE
    label = fit(label, size, 2 * BADGE_RADIUS + 10)
    if medal is not None:
        canvas.circle(RANK_CENTRE, centre, BADGE_RADIUS, medal)
        canvas.text(
            RANK_CENTRE, _baseline(centre, size), label, size, WHITE, align="centre", bold=True
        )
    else:
        canvas.text(RANK_CENTRE, _baseline(centre, size), label, size, MUTED, align="centre")


def _row(
    canvas: _Canvas,
    index: int,
    label: str,
    name: str,
    share: float,
    bar_end: float,
) -> float:
    """Draws a row's stripe, rank, name and bar; gives the vertical centre for its numbers."""
    top = ROWS_TOP + index * ROW_HEIGHT
    centre = top + ROW_HEIGHT / 2
    if index % 2 == 0:
        canvas.rect(MARGIN - 12, top, WIDTH - MARGIN + 12, top + ROW_HEIGHT, STRIPE)
    _rank(canvas, label, centre)
    number = _rank_number(label)
    podium = number is not None and number <= 3
    name = fit(name, TEXT_SIZE, NAME_WIDTH)
    canvas.text(NAME_X, _baseline(centre, TEXT_SIZE), name, TEXT_SIZE, INK, bold=podium)
    bar_top, bar_bottom = centre - BAR_HEIGHT / 2, centre + BAR_HEIGHT / 2
    canvas.rect(BAR_X, bar_top, bar_end, bar_bottom, TRACK, radius=5)
    colour = ACCENT_TOP if podium else ACCENT_REST
    length = (bar_end - BAR_X) * min(max(share, 0.0), 1.0)
    if length > 0:
        canvas.rect(BAR_X, bar_top, BAR_X + max(length, 4.0), bar_bottom, colour, radius=5)
    return centre


def _shares(values: Sequence[float]) -> list[float]:
    """Each value over the largest; all zeros when nothing is above zero."""
    largest = max(values, default=0.0)
    if largest <= 0:
        return [0.0 for _ in values]
    return [max(value, 0.0) / largest for value in values]


def _empty(canvas: _Canvas, t: Translator) -> None:
    centre = ROWS_TOP + ROW_HEIGHT / 2
    text = fit(t("chart.empty"), TEXT_SIZE, WIDTH - 2 * MARGIN)
    canvas.text(WIDTH / 2, _baseline(centre, TEXT_SIZE), text, TEXT_SIZE, FAINT, align="centre")


def leaderboard_png(
    title: str, subtitle: str, rows: Sequence[tuple[str, str, int]], t: Translator
) -> bytes:
    """Volunteers ranked by minutes served: rank, name, a bar, and the hours written out."""
    canvas = _Canvas(_height(len(rows)))
    _header(canvas, title, subtitle)
    if not rows:
        _empty(canvas, t)
        return canvas.png()
    texts = [hours_text(value, t) for _, _, value in rows]
    column = max(text_width(text, TEXT_SIZE) for text in texts)
    right = WIDTH - MARGIN
    bar_end = right - column - GAP
    shares = _shares([value for _, _, value in rows])
    for index, ((label, name, _), text, share) in enumerate(zip(rows, texts, shares, strict=True)):
        centre = _row(canvas, index, label, name, share, bar_end)
        canvas.text(right, _baseline(centre, TEXT_SIZE), text, TEXT_SIZE, INK, align="right")
    return canvas.png()


def honor_roll_png(
    title: str, subtitle: str, rows: Sequence[tuple[str, str, int, int]], t: Translator
) -> bytes:
    """Teams ranked by minutes served: rank, team, a bar for the total, then the total and the
    minutes per active member, both written as hours."""
    canvas = _Canvas(_height(len(rows)))
    _header(canvas, title, subtitle)
    if not rows:
        _empty(canvas, t)
        return canvas.png()
    totals = [hours_text(total, t) for _, _, total, _ in rows]
    each = [t("chart.per_member", hours=hours_text(per_member, t)) for _, _, _, per_member in rows]
    each_column = max(text_width(text, SMALL_SIZE) for text in each)
    total_column = max(text_width(text, TEXT_SIZE) for text in totals)
    right = WIDTH - MARGIN
    total_right = right - each_column - GAP
    bar_end = total_right - total_column - GAP
    shares = _shares([total for _, _, total, _ in rows])
    for index, (row, total, per_member, share) in enumerate(
        zip(rows, totals, each, shares, strict=True)
    ):
        label, name = row[0], row[1]
        centre = _row(canvas, index, label, name, share, bar_end)
        canvas.text(total_right, _baseline(centre, TEXT_SIZE), total, TEXT_SIZE, INK, align="right")
        canvas.text(
            right, _baseline(centre, SMALL_SIZE), per_member, SMALL_SIZE, MUTED, align="right"
        )
    return canvas.png()

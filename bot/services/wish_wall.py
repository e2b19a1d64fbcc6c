"""The weekly fulfilled wall of micro-wishes: a grid of delivery photos, each with its wish's
title, under a title and subtitle, as a PNG to post in a team's group.

Drawn like the leaderboard charts (bot/services/charts.py): a PyMuPDF page rasterised at 72 dpi,
every text in MuPDF's built-in simplified Chinese font through a TextWriter, no font file on
the host. Each photo is decoded, cropped to a square around its centre and scaled to its tile
before it is placed, so thirty phone photos draw in a fraction of a second. A photo that
cannot be decoded leaves its tile blank with the title still under it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Protocol, cast

import pymupdf

from bot.i18n import Translator
from bot.services.charts import ACCENT, INK, MUTED, RULE, STRIPE, fit, printable, text_width

log = logging.getLogger(__name__)

WIDTH = 1000
MARGIN = 40
BAND = 10
TITLE_SIZE, SUBTITLE_SIZE = 32, 18
TITLE_BASELINE, SUBTITLE_BASELINE = 78, 112
HEADER_RULE = 134
GRID_TOP = 152
COLUMNS = 5
GAP = 14
TILE = (WIDTH - 2 * MARGIN - (COLUMNS - 1) * GAP) / COLUMNS
CAPTION_SIZE = 15
CAPTION_LINES = 2
LINE_HEIGHT = 20
ROW_HEIGHT = TILE + 8 + CAPTION_LINES * LINE_HEIGHT + GAP
BOTTOM = 28
Tile = tuple[str, bytes | None]  # the wish's title, the delivery photo's bytes


class _Font(Protocol):
    def text_length(self, text: str, *, fontsize: float) -> float: ...


class _Shape(Protocol):
    def draw_rect(self, rect: tuple[float, float, float, float]) -> object: ...
    def finish(self, *, color: object, fill: object) -> None: ...
    def commit(self) -> None: ...


class _TextWriter(Protocol):
    def append(
        self, pos: tuple[float, float], text: str, *, font: _Font, fontsize: float
    ) -> object: ...
    def write_text(self, page: pymupdf.Page, *, color: object) -> None: ...


@lru_cache(maxsize=1)
def _font() -> _Font:
    return cast("Callable[[str], _Font]", pymupdf.Font)("china-s")


def _lines(text: str, size: float, width: float, most: int) -> list[str]:
    """The text wrapped to `width` at `size`, at most `most` lines, the last cut with an
    ellipsis if it does not all fit (CJK text has no spaces to break at: any character may
    end a line)."""
    rest = printable(text)
    lines: list[str] = []
    while rest and len(lines) < most - 1:
        end = len(rest)
        while end > 1 and text_width(rest[:end], size) > width:
            end -= 1
        lines.append(rest[:end].rstrip())
        rest = rest[end:].lstrip()
    if rest:
        lines.append(fit(rest, size, width))
    return lines


def _square(photo: bytes, side: int) -> pymupdf.Pixmap:
    """The photo cropped to a centred square and scaled to `side` pixels."""
    source = cast("Callable[[bytes], pymupdf.Pixmap]", pymupdf.Pixmap)(photo)
    width, height = int(source.width), int(source.height)
    if source.alpha:
        source = cast("Callable[[object, int], pymupdf.Pixmap]", pymupdf.Pixmap)(source, 0)
    scale = side / min(width, height)
    scaled_w, scaled_h = max(side, round(width * scale)), max(side, round(height * scale))
    left, top = (scaled_w - side) // 2, (scaled_h - side) // 2
    clip = (left, top, left + side, top + side)
    make = cast("Callable[[object, int, int, object], pymupdf.Pixmap]", pymupdf.Pixmap)
    return make(source, scaled_w, scaled_h, clip)


def wish_wall_png(title: str, subtitle: str, tiles: Sequence[Tile], t: Translator) -> bytes:
    """The wall: up to thirty tiles in rows of five, each a photo with its wish's title."""
    rows = max(1, -(-len(tiles) // COLUMNS))
    height = GRID_TOP + rows * ROW_HEIGHT + BOTTOM
    document = cast("Callable[[], pymupdf.Document]", pymupdf.open)()
    page = document.new_page(width=WIDTH, height=height)
    shape = cast("Callable[[], _Shape]", page.new_shape)()
    ink = cast("Callable[[pymupdf.Rect], _TextWriter]", pymupdf.TextWriter)(page.rect)
    muted = cast("Callable[[pymupdf.Rect], _TextWriter]", pymupdf.TextWriter)(page.rect)

    def rect(box: tuple[float, float, float, float], fill: tuple[float, float, float]) -> None:
        shape.draw_rect(box)
        shape.finish(color=None, fill=fill)

    rect((0, 0, WIDTH, BAND), ACCENT)
    inner = WIDTH - 2 * MARGIN
    ink.append(
        (MARGIN, TITLE_BASELINE), fit(title, TITLE_SIZE, inner), font=_font(), fontsize=TITLE_SIZE
    )
    muted.append(
        (MARGIN, SUBTITLE_BASELINE),
        fit(subtitle, SUBTITLE_SIZE, inner),
        font=_font(),
        fontsize=SUBTITLE_SIZE,
    )
    rect((MARGIN, HEADER_RULE, WIDTH - MARGIN, HEADER_RULE + 1.5), RULE)
    if not tiles:
        empty = fit(t("chart.empty"), CAPTION_SIZE + 3, inner)
        x = (WIDTH - text_width(empty, CAPTION_SIZE + 3)) / 2
        muted.append((x, GRID_TOP + TILE / 2), empty, font=_font(), fontsize=CAPTION_SIZE + 3)
    side = int(TILE)
    for index, (wish_title, photo) in enumerate(tiles):
        row, column = divmod(index, COLUMNS)
        x0 = MARGIN + column * (TILE + GAP)
        y0 = GRID_TOP + row * ROW_HEIGHT
        placed = False
        if photo:
            try:
                insert = cast("Callable[..., object]", page.insert_image)
                insert((x0, y0, x0 + TILE, y0 + TILE), pixmap=_square(photo, side))
                placed = True
            except Exception:  # a photo MuPDF cannot read: the tile stays blank
                log.warning("a delivery photo could not be drawn on the wall")
        if not placed:
            rect((x0, y0, x0 + TILE, y0 + TILE), STRIPE)
            mark = "—"
            muted.append(
                (x0 + TILE / 2 - text_width(mark, 24) / 2, y0 + TILE / 2 + 8),
                mark,
                font=_font(),
                fontsize=24,
            )
        for n, line in enumerate(_lines(wish_title, CAPTION_SIZE, TILE, CAPTION_LINES)):
            baseline = y0 + TILE + 8 + CAPTION_SIZE + n * LINE_HEIGHT
            ink.append((x0, baseline), line, font=_font(), fontsize=CAPTION_SIZE)
    shape.commit()
    ink.write_text(page, color=INK)
    muted.write_text(page, color=MUTED)
    pixmap = page.get_pixmap(dpi=72, alpha=False)
    data = cast("Callable[[str], bytes]", pixmap.tobytes)("png")
    cast("Callable[[], None]", document.close)()
    return data


"""The weekly fulfilled wall of micro-wishes: a grid of delivery photos, each with its wish's
title, under a title and subtitle, as a JPEG to post in a team's group (a picture of photos:
a JPEG is a third of the PNG's size and quicker to write, and Telegram keeps photos as JPEG).

Drawn like the leaderboard charts (bot/services/charts.py): a PyMuPDF page rasterised at 72 dpi,
every text in MuPDF's built-in simplified Chinese font through a TextWriter, no font file on
the host. Each photo is embedded as it came (no re-encoding) on a page of its own and shown in
its tile cropped to a square around its centre; MuPDF decodes it only when the wall is
rasterised, at the reduced size the tile needs, so thirty phone photos draw in a fraction of
a second. A photo MuPDF cannot read leaves its tile blank with the title still under it."""

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
PHOTO_PAGE = 1000  # the side of the page each photo is embedded on
JPEG_QUALITY = 85
Tile = tuple[str, bytes | None]  # the wish's title, the delivery photo's bytes
Box = tuple[float, float, float, float]


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


def _embed(source: pymupdf.Document, photo: bytes) -> tuple[int, Box] | None:
    """The photo on a new square page of `source`, stretched to fill it: the page's number and
    the part of it that shows the centred square of the photo (None if MuPDF cannot read it)."""
    page = source.new_page(width=PHOTO_PAGE, height=PHOTO_PAGE)
    number = int(page.number)
    try:
        insert = cast("Callable[..., int]", page.insert_image)
        xref = insert(page.rect, stream=photo, keep_proportion=False)
        key = cast("Callable[[int, str], tuple[str, str]]", source.xref_get_key)
        width, height = int(key(xref, "Width")[1]), int(key(xref, "Height")[1])
    except Exception:  # not an image MuPDF knows
        log.warning("a delivery photo could not be drawn on the wall")
        return None
    if width <= 0 or height <= 0:
        return None
    half = PHOTO_PAGE / 2
    if width >= height:
        inset = half * height / width
        return number, (half - inset, 0.0, half + inset, float(PHOTO_PAGE))
    inset = half * width / height
    return number, (0.0, half - inset, float(PHOTO_PAGE), half + inset)


def wish_wall_jpeg(title: str, subtitle: str, tiles: Sequence[Tile], t: Translator) -> bytes:
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
    # Every photo is embedded before any is shown: showing a page of `source` maps its objects
    # into the wall, and objects added to `source` after that would not be found.
    source = cast("Callable[[], pymupdf.Document]", pymupdf.open)()
    embedded = [_embed(source, photo) if photo else None for _, photo in tiles]
    show = cast("Callable[..., object]", page.show_pdf_page)
    rect_of = cast("Callable[[Box], pymupdf.Rect]", pymupdf.Rect)
    for index, (wish_title, _) in enumerate(tiles):
        row, column = divmod(index, COLUMNS)
        x0 = MARGIN + column * (TILE + GAP)
        y0 = GRID_TOP + row * ROW_HEIGHT
        photo = embedded[index]
        if photo is not None:
            number, crop = photo
            tile = (x0, y0, x0 + TILE, y0 + TILE)
            show(rect_of(tile), source, number, clip=rect_of(crop), keep_proportion=False)
        else:
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
    data = cast("Callable[..., bytes]", pixmap.tobytes)("jpeg", jpg_quality=JPEG_QUALITY)
    cast("Callable[[], None]", document.close)()
    cast("Callable[[], None]", source.close)()
    return data

"""A certificate's first page as a picture, for channels that cannot send a PDF (WeChat's
customer-service messages carry images, not documents). MuPDF draws the PDF's CJK text with
its own built-in font (the PDF embeds none)."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

import pymupdf

# A4 at 150 dpi is 1241 x 1754 pixels: the table's 8.5-point text stays readable when zoomed
# on a phone, and the JPEG stays a few hundred kilobytes (WeChat takes images up to 10 MB).
DPI = 150
JPEG_QUALITY = 85

_open_pdf = cast("Callable[..., pymupdf.Document]", pymupdf.open)  # untyped in PyMuPDF


def first_page_jpeg(pdf: bytes, dpi: int = DPI) -> tuple[bytes, int]:
    """The first page as a JPEG, and how many pages the PDF has."""
    document = _open_pdf(stream=pdf, filetype="pdf")
    try:
        pixmap = document[0].get_pixmap(dpi=dpi, alpha=False)
        to_bytes = cast("Callable[..., bytes]", pixmap.tobytes)
        return to_bytes(output="jpg", jpg_quality=JPEG_QUALITY), document.page_count
    finally:
        cast("Callable[[], None]", document.close)()

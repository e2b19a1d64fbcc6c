"""QR codes as PNG images, for the check-in codes volunteers scan on site."""

from __future__ import annotations

import io

import segno


def qr_png(text: str, scale: int = 8) -> bytes:
    """A PNG of a (full-size, never micro) QR code of `text`: error correction at least M
    (segno raises it when that costs no extra size), with the standard 4-module quiet zone,
    each module `scale` pixels wide."""
    code = segno.make_qr(text, error="m")
    buffer = io.BytesIO()
    code.save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()

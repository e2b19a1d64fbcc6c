"""The service-record certificate (志愿服务记录证明) as an A4 PDF.

Laid out as China's national rule on volunteer service records asks: who served, and for each
record the activity, date, place, content, hours, organising team and person in charge; the
total; who issued it and when; and a code (with a QR of the verify link) to check it by.
All text uses ReportLab's built-in CJK CID font, so no font file is needed (and none embedded:
viewers substitute their own Song/Ming face).

Over 400 lines because it is one document's layout: the tables, the line breaking mixed CJK and
Latin text needs (ReportLab breaks at spaces), the QR code and the page footer change together.
Turning records into the certificate's data is bot/services/certificates.py's."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from functools import lru_cache, partial
from typing import Any
from xml.sax.saxutils import escape

import segno
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from bot.domain.hours import Certificate, CertificateLine
from bot.i18n import Translator

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_X = 16 * mm
MARGIN_TOP = 18 * mm
MARGIN_BOTTOM = 20 * mm
FRAME_WIDTH = PAGE_WIDTH - 2 * MARGIN_X
QR_SIZE = 30 * mm
INK = colors.HexColor("#1a1a1a")
RULE = colors.HexColor("#555555")
SHADE = colors.HexColor("#ececec")
ACCENT = colors.HexColor("#9b1c1c")  # the red of an official seal, for the title rules

# Shares of the frame width: No., activity, date, place, content, hours, team, person in charge.
COLUMN_SHARES = (0.05, 0.155, 0.095, 0.15, 0.19, 0.115, 0.14, 0.105)
COLUMN_WIDTHS = [FRAME_WIDTH * share for share in COLUMN_SHARES]
HOURS_COLUMN = 5
CELL_SIZE, CELL_LEADING, CELL_PADDING = 8.5, 11.0, 3.0
INNER_WIDTHS = [width - 2 * CELL_PADDING for width in COLUMN_WIDTHS]

URL = re.compile(r"https://[^\s<>\"'，。；！？、）」】]+")
CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")
# What a line breaks between: a CJK character or mark, a run of spaces, or a Latin word.
TOKEN = re.compile(
    r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]|\s+|[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]+"
)
SUBSTITUTES = str.maketrans(
    {"·": "・", "•": "・", "‧": "・", "®": "(R)", "©": "(C)", "™": "TM", "²": "2", "³": "3"}
    | {"\ufe0f": None, "\u200d": None}
)
NO_LINE_START = set("・，。、；：？！）」』》〉】〕’”…—·,.;:?!)]}%")
NO_LINE_END = set("（「『《〈【〔‘“([{")


def _style(name: str, size: float, leading: float, **extra: Any) -> ParagraphStyle:
    settings: dict[str, Any] = {"textColor": INK, **extra}
    return ParagraphStyle(name, fontName=FONT, fontSize=size, leading=leading, **settings)


TITLE = _style("title", 20, 26, alignment=TA_CENTER, spaceAfter=2)
BODY = _style("body", 10, 14)
LABEL = _style("label", 10, 14, textColor=colors.HexColor("#444444"))
NOTE = _style("note", 8, 11, textColor=colors.HexColor("#444444"))
# Chinese has no spaces to break at: any character may end a line. Latin text keeps its words.
BODY_CJK = _style("body_cjk", 10, 14, wordWrap="CJK")


def render_pdf(certificate: Certificate, t: Translator, verify_hint: str) -> bytes:
    """The certificate as PDF bytes, worded in `t`'s language; `verify_hint` tells how to
    check it, and its https link, if any, is also drawn as a QR code."""
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=t("certificate.title"),
        author=certificate.organisation,
        subject=f"{certificate.holder} {certificate.code}",
    )

    def footer(page: int, pages: int) -> str:
        return printable(
            t(
                "certificate.footer",
                organisation=certificate.organisation,
                code=certificate.code,
                page=page,
                pages=pages,
            )
        )

    story: list[Flowable] = [
        Paragraph(_markup(t("certificate.title")), TITLE),
        _TitleRule(),
        Spacer(1, 5 * mm),
        _summary(certificate, t),
        Spacer(1, 4 * mm),
        _paragraph(t("certificate.statement"), BODY, BODY_CJK),
        Spacer(1, 2.5 * mm),
        _records(certificate, t),
        Spacer(1, 6 * mm),
        KeepTogether([_issuer(certificate, t, verify_hint)]),
    ]
    document.build(story, canvasmaker=partial(_FooterCanvas, footer=footer))
    return buffer.getvalue()


def hours(minutes: int, t: Translator) -> str:
    """Minutes as hours by the one rule (Translator.hours): 150 -> "2.5", 45 -> "0.75"."""
    return t.hours(minutes)


def verify_url(hint: str) -> str | None:
    """The first https link in the hint, without the sentence's closing punctuation."""
    found = URL.search(hint)
    return found.group().rstrip(".,;:!?)") if found else None


def printable(text: str) -> str:
    """The text with what the CID font cannot show replaced or dropped: its character map
    lacks the Latin middle dot of names like 买买提·艾力 (its own dot stands in) and a few
    symbols, and it has nothing outside the Basic Multilingual Plane, such as emoji."""
    text = text.translate(SUBSTITUTES)
    return text if text.isascii() else "".join(char for char in text if char <= "\uffff")


def _markup(text: str) -> str:
    return escape(printable(text))


def _paragraph(text: str, latin: ParagraphStyle, cjk: ParagraphStyle) -> Paragraph:
    return Paragraph(_markup(text), cjk if CJK.search(text) else latin)


def _cell(text: str, width: float) -> str:
    """The text broken into lines that fit `width` (a table cell's inner width)."""
    return "\n".join(wrap_lines(printable(text), width, CELL_SIZE))


def wrap_lines(text: str, width: float, size: float) -> list[str]:
    """Greedy line breaking: Chinese may break between any two characters, Latin words keep
    together unless one alone is too long; a line does not start with closing punctuation nor
    end with opening punctuation."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line, line_width = "", 0.0
        for token in TOKEN.findall(paragraph):
            if token.isspace():
                token = " " if line else ""
            token_width = _width(token, size)
            if line_width + token_width <= width or token == " ":
                line, line_width = line + token, line_width + token_width
                continue
            if line.strip():
                line, token = _keep_punctuation(line.rstrip(), token)
                lines.append(line)
            while _width(token, size) > width:
                cut = _fitting(token, width, size)
                lines.append(token[:cut])
                token = token[cut:]
            line, line_width = token, _width(token, size)
        lines.append(line.rstrip())
    return lines


def _keep_punctuation(line: str, token: str) -> tuple[str, str]:
    """Moves characters from the end of the line to the next so that the next does not start
    with a closing mark, and the line does not end with an opening one."""
    while len(line) > 1 and (token[0] in NO_LINE_START or line[-1] in NO_LINE_END):
        line, token = line[:-1], line[-1] + token
    return line.rstrip(), token


def _fitting(text: str, width: float, size: float) -> int:
    """How many leading characters of the text fit the width: at least one."""
    used = 0.0
    for count, char in enumerate(text):
        used += _char_width(char, size)
        if used > width:
            return max(count, 1)
    return len(text)


@lru_cache(maxsize=8192)
def _char_width(char: str, size: float) -> float:
    return float(pdfmetrics.stringWidth(char, FONT, size))


def _width(text: str, size: float) -> float:
    return sum(_char_width(char, size) for char in text)


def _summary(certificate: Certificate, t: Translator) -> Table:
    """Who, the code, the total and the number of records, as a small two-by-four grid."""
    rows = [
        [
            _paragraph(t("certificate.holder"), LABEL, LABEL),
            _paragraph(certificate.holder, BODY, BODY_CJK),
            _paragraph(t("certificate.code"), LABEL, LABEL),
            Paragraph(_markup(certificate.code), BODY),
        ],
        [
            _paragraph(t("certificate.total_hours"), LABEL, LABEL),
            Paragraph(
                _markup(t("certificate.hours_value", hours=hours(certificate.total_minutes, t))),
                BODY,
            ),
            _paragraph(t("certificate.records"), LABEL, LABEL),
            Paragraph(
                _markup(t("certificate.records_value", count=t.number(len(certificate.lines)))),
                BODY,
            ),
        ],
    ]
    label, value = FRAME_WIDTH * 0.2, FRAME_WIDTH * 0.3
    table = Table(rows, colWidths=[label, value, label, value])
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, RULE),
                ("BOX", (0, 0), (-1, -1), 1, INK),
                ("BACKGROUND", (0, 0), (0, -1), SHADE),
                ("BACKGROUND", (2, 0), (2, -1), SHADE),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ]
        )
    )
    return table


def _line_row(number: int, line: CertificateLine, t: Translator) -> list[object]:
    return [
        str(number),
        _cell(line.title, INNER_WIDTHS[1]),
        line.day.isoformat(),
        _cell(line.place, INNER_WIDTHS[3]),
        _cell(line.content, INNER_WIDTHS[4]),
        hours(line.minutes, t),
        _cell(line.team, INNER_WIDTHS[6]),
        _cell(line.person_in_charge, INNER_WIDTHS[7]),
    ]


def _records(certificate: Certificate, t: Translator) -> Table:
    """One row per record, the heading repeated on every page, and the total last."""
    heading: list[object] = [
        _cell(t(key), width)
        for width, key in zip(
            INNER_WIDTHS,
            (
                "certificate.col_number",
                "certificate.col_title",
                "certificate.col_date",
                "certificate.col_place",
                "certificate.col_content",
                "certificate.col_hours",
                "certificate.col_team",
                "certificate.col_person",
            ),
            strict=True,
        )
    ]
    rows: list[list[object]] = [heading]
    rows += [_line_row(n, line, t) for n, line in enumerate(certificate.lines, start=1)]
    last = len(rows)
    total = [printable(t("certificate.total")), "", "", "", ""]
    rows.append([*total, hours(certificate.total_minutes, t), "", ""])
    table = Table(rows, colWidths=COLUMN_WIDTHS, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, CELL_SIZE, CELL_LEADING),
                ("TEXTCOLOR", (0, 0), (-1, -1), INK),
                ("GRID", (0, 0), (-1, -1), 0.4, RULE),
                ("BOX", (0, 0), (-1, -1), 1, INK),
                ("LINEBELOW", (0, 0), (-1, 0), 1, INK),
                ("BACKGROUND", (0, 0), (-1, 0), SHADE),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("ALIGN", (0, 0), (-1, 0), "CENTER"),
                ("ALIGN", (0, 1), (0, -1), "CENTER"),
                ("ALIGN", (2, 1), (2, -1), "CENTER"),
                ("ALIGN", (HOURS_COLUMN, 1), (HOURS_COLUMN, -1), "RIGHT"),
                ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
                ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                ("SPAN", (0, last), (HOURS_COLUMN - 1, last)),
                ("SPAN", (HOURS_COLUMN + 1, last), (-1, last)),
                ("ALIGN", (0, last), (0, last), "RIGHT"),
                ("RIGHTPADDING", (0, last), (0, last), 8),
                ("LINEABOVE", (0, last), (-1, last), 1, INK),
                ("BACKGROUND", (0, last), (-1, last), SHADE),
                ("NOSPLIT", (0, last - 1), (-1, last)),
            ]
        )
    )
    return table


def _issuer(certificate: Certificate, t: Translator, verify_hint: str) -> Table:
    """Who issued it and when, how to check it, and the QR code of the verify link."""
    lines: list[Flowable] = [
        _labelled(t, t("certificate.issued_by"), certificate.organisation),
        _labelled(t, t("certificate.issued_on"), certificate.issued_on.isoformat()),
        _labelled(t, t("certificate.code"), certificate.code),
        _labelled(t, t("certificate.verify"), verify_hint),
        Spacer(1, 2 * mm),
        _paragraph(t("certificate.note"), NOTE, _cjk(NOTE)),
    ]
    url = verify_url(verify_hint)
    cells: list[object] = [lines, _QRCode(url, QR_SIZE) if url else ""]
    table = Table([cells], colWidths=[FRAME_WIDTH - QR_SIZE - 6 * mm, QR_SIZE + 6 * mm])
    table.setStyle(
        TableStyle(
            [
                ("LINEABOVE", (0, 0), (-1, 0), 1, INK),
                ("VALIGN", (0, 0), (0, 0), "TOP"),
                ("VALIGN", (1, 0), (1, 0), "MIDDLE"),
                ("ALIGN", (1, 0), (1, 0), "RIGHT"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 8),
            ]
        )
    )
    return table


def _cjk(style: ParagraphStyle) -> ParagraphStyle:
    return ParagraphStyle(f"{style.name}_cjk", parent=style, wordWrap="CJK")


def _labelled(t: Translator, label: str, value: str) -> Paragraph:
    grey = f'<font color="#444444">{_markup(label)}</font>'
    text = t("certificate.labelled", label=grey, value=_markup(value))
    return Paragraph(text, BODY_CJK if CJK.search(label + value) else BODY)


class _TitleRule(Flowable):
    """A thick and a thin rule under the title, as official certificates have."""

    def wrap(self, aW: float, aH: float) -> tuple[float, float]:
        self.width = aW
        return aW, 5.0

    def draw(self) -> None:
        canvas = self.canv
        canvas.setStrokeColor(ACCENT)
        canvas.setLineWidth(1.6)
        canvas.line(0, 4.0, self.width, 4.0)
        canvas.setLineWidth(0.5)
        canvas.line(0, 0.8, self.width, 0.8)


class _QRCode(Flowable):
    """A QR code drawn as filled rectangles (sharp at any zoom), quiet zone included."""

    def __init__(self, text: str, size: float) -> None:
        super().__init__()
        self.size = size
        self.rows = [list(row) for row in segno.make_qr(text, error="m").matrix_iter(border=4)]

    def wrap(self, aW: float, aH: float) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        canvas = self.canv
        module = self.size / len(self.rows)
        canvas.setFillColor(colors.white)
        canvas.rect(0, 0, self.size, self.size, stroke=0, fill=1)
        canvas.setFillColor(colors.black)
        path = canvas.beginPath()
        for y, row in enumerate(self.rows):
            top = self.size - (y + 1) * module
            x = 0
            while x < len(row):
                if not row[x]:
                    x += 1
                    continue
                start = x
                while x < len(row) and row[x]:
                    x += 1
                path.rect(start * module, top, (x - start) * module, module)
        canvas.drawPath(path, stroke=0, fill=1)


class _FooterCanvas(Canvas):
    """Holds each page back until the end, so every footer can say "page n of N"."""

    def __init__(self, *args: Any, footer: Callable[[int, int], str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._footer = footer
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()  # type: ignore[attr-defined]  # ReportLab's own page reset

    def save(self) -> None:
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self.setFont(FONT, 8)
            self.setFillColor(colors.HexColor("#555555"))
            self.setStrokeColor(RULE)
            self.setLineWidth(0.4)
            self.line(
                MARGIN_X, MARGIN_BOTTOM - 6 * mm, PAGE_WIDTH - MARGIN_X, MARGIN_BOTTOM - 6 * mm
            )
            self.drawCentredString(
                PAGE_WIDTH / 2, MARGIN_BOTTOM - 10 * mm, self._footer(number, len(self._pages))
            )
            super().showPage()
        super().save()

"""The service-record certificate PDF and the check-in QR codes, read back with PyMuPDF."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pymupdf

from bot.domain.hours import Certificate, CertificateLine
from bot.i18n import Catalogs
from bot.services.certificate_image import first_page_jpeg
from bot.services.certificate_pdf import printable, render_pdf, verify_url, wrap_lines
from bot.services.qr import qr_png

CATALOGS = Catalogs(ZoneInfo("Asia/Shanghai"))
ZH, EN = CATALOGS.translator("zh"), CATALOGS.translator("en")
HINT = "发送 /verify ABCD2345 给 @bot，或打开 https://t.me/bot?start=cert_ABCD2345"
LONG_PLACE = "鹤山市沙坪街道新华路社区服务中心二楼多功能活动室（靠近鹤山市人民医院东门停车场入口）"


def _line(number: int, minutes: int = 150) -> CertificateLine:
    return CertificateLine(
        title=f"人民路口文明交通劝导 第{number}次",
        day=date(2026, 1, 1) + timedelta(days=number),
        place=LONG_PLACE if number % 2 else "人民路与中山路交叉口",
        content="引导行人和非机动车遵守交通信号，劝阻闯红灯等不文明行为",
        minutes=minutes,
        team="鹤山市青年志愿者服务队",
        person_in_charge="李四",
    )


def _certificate(count: int, minutes: int = 150) -> Certificate:
    lines = tuple(_line(number, minutes) for number in range(1, count + 1))
    return Certificate(
        code="ABCD2345",
        holder="张三",
        lines=lines,
        total_minutes=sum(line.minutes for line in lines),
        organisation="鹤山市志愿者联合会",
        issued_on=date(2026, 12, 5),
    )


def _text(data: bytes) -> tuple[int, str]:
    """Pages and text, with line breaks removed: a wrapped cell reads as one string again."""
    with pymupdf.open(stream=data, filetype="pdf") as document:
        text = "".join(page.get_text() for page in document)
        return document.page_count, text.replace("\n", "")


def test_a_chinese_certificate_shows_who_what_how_long_who_issued_and_the_code() -> None:
    certificate = _certificate(3)  # 3 x 2.5 hours
    data = render_pdf(certificate, CATALOGS.translator("zh"), HINT)

    assert data.startswith(b"%PDF-")
    pages, text = _text(data)
    assert pages == 1
    for expected in (
        ZH("certificate.title"),
        "张三",
        "人民路口文明交通劝导 第1次",
        "人民路口文明交通劝导 第3次",
        LONG_PLACE,  # wrapped over several lines of its cell, nothing lost
        "2026-01-02",
        "2.5",
        ZH("certificate.hours_value", hours="7.5"),
        ZH("certificate.total"),
        "鹤山市志愿者联合会",
        "2026-12-05",
        "ABCD2345",
        "https://t.me/bot?start=cert_ABCD2345",
        ZH(
            "certificate.footer",
            organisation="鹤山市志愿者联合会",
            code="ABCD2345",
            page=1,
            pages=1,
        ),
    ):
        assert expected in text, expected


def test_the_english_certificate_has_english_labels_around_the_same_records() -> None:
    data = render_pdf(_certificate(2, minutes=95), CATALOGS.translator("en"), HINT)

    _, text = _text(data)
    for expected in (
        *(EN(f"certificate.{key}") for key in ("title", "col_team", "total", "issued_by")),
        EN("certificate.issued_on"),
        EN("certificate.code"),
        EN(
            "certificate.footer",
            organisation="鹤山市志愿者联合会",
            code="ABCD2345",
            page=1,
            pages=1,
        ),
        "张三",
        "人民路口文明交通劝导 第2次",
        # 190 minutes, by the one rule (two decimals, half up)
        EN("certificate.hours_value", hours="3.17"),
        "1.58",  # 95 minutes
    ):
        assert expected in text, expected
    assert ZH("certificate.title") not in text


def test_the_verify_link_is_drawn_as_a_qr_code_only_when_the_hint_has_one() -> None:
    with_link = render_pdf(_certificate(1), CATALOGS.translator("zh"), HINT)
    without = render_pdf(
        _certificate(1), CATALOGS.translator("zh"), "发送 /verify ABCD2345 给 @bot"
    )

    def dark_share(data: bytes) -> float:
        with pymupdf.open(stream=data, filetype="pdf") as document:
            page = document[0]
            # The QR sits at the right of the issuer block, below the table.
            clip = pymupdf.Rect(page.rect.width * 0.75, 0, page.rect.width, page.rect.height)
            pixels = page.get_pixmap(dpi=50, clip=clip, colorspace=pymupdf.csGRAY).samples
        return sum(1 for value in pixels if value < 100) / len(pixels)

    assert dark_share(with_link) > dark_share(without) + 0.01
    assert verify_url(HINT) == "https://t.me/bot?start=cert_ABCD2345"
    assert verify_url("Open https://t.me/bot?start=cert_X.") == "https://t.me/bot?start=cert_X"
    assert verify_url("发送 /verify X 给 @bot") is None


def test_five_hundred_records_flow_over_pages_quickly_and_all_appear() -> None:
    certificate = _certificate(500)
    t = ZH

    started = time.perf_counter()
    data = render_pdf(certificate, t, HINT)
    elapsed = time.perf_counter() - started

    assert elapsed < 2.0, elapsed
    pages, text = _text(data)
    assert pages > 10
    assert "人民路口文明交通劝导 第1次" in text
    assert "人民路口文明交通劝导 第500次" in text
    assert ZH("certificate.hours_value", hours="1,250") in text  # 500 x 2.5 hours
    assert (
        ZH(
            "certificate.footer",
            organisation="鹤山市志愿者联合会",
            code="ABCD2345",
            page=pages,
            pages=pages,
        )
        in text
    )
    with pymupdf.open(stream=data, filetype="pdf") as document:
        # The column headings repeat at the top of every page.
        assert all(ZH("certificate.col_title") in page.get_text() for page in document)


def test_long_cell_text_is_broken_to_fit_and_chinese_punctuation_stays_attached() -> None:
    lines = wrap_lines(LONG_PLACE, 60, 8.5)
    assert len(lines) > 3
    assert "".join(lines) == LONG_PLACE
    assert all(len(line) <= 7 for line in lines)  # 60 pt holds 7 characters of 8.5 pt
    assert not any(
        line.startswith(("，", "。", "）")) for line in wrap_lines("一二三四五六七，八", 60, 8.5)
    )
    assert wrap_lines("Beach clean-up at Dongping", 75, 8.5) == ["Beach clean-up at", "Dongping"]
    assert all(line for line in wrap_lines("x" * 200, 40, 8.5))  # a word too long is cut


def test_characters_the_cid_font_lacks_are_replaced_or_dropped() -> None:
    assert printable("买买提·艾力") == "买买提・艾力"
    assert printable("植树🌳") == "植树"
    assert printable("plain text") == "plain text"


def test_qr_png_is_a_png_image_of_the_code() -> None:
    small = qr_png("CHECKIN-42-7F3K", scale=4)
    large = qr_png("CHECKIN-42-7F3K")

    assert small.startswith(b"\x89PNG\r\n\x1a\n")
    pixmap = pymupdf.Pixmap(large)
    assert pixmap.width > 0
    assert pixmap.width == pixmap.height
    assert pixmap.width == 2 * pymupdf.Pixmap(small).width
    # Version 1 is 21 modules wide, plus a quiet zone of 4 on each side.
    assert pymupdf.Pixmap(small).width == (21 + 8) * 4


def test_the_first_page_as_a_picture_for_channels_without_documents() -> None:
    pdf = render_pdf(_certificate(40), ZH, HINT)  # four pages
    jpeg, pages = first_page_jpeg(pdf)
    assert jpeg.startswith(b"\xff\xd8\xff") and pages == 4
    picture = pymupdf.Pixmap(jpeg)
    assert (picture.width, picture.height) == (1241, 1754)  # A4 at 150 dpi, rounded up
    # The Chinese text is drawn (MuPDF's own CJK font): another holder's name changes pixels.
    other = replace(_certificate(40), holder="李四")
    assert first_page_jpeg(render_pdf(other, ZH, HINT))[0] != jpeg
    dark = sum(
        1 for x in range(0, 1240, 8) for y in range(0, 600, 8) if picture.pixel(x, y)[0] < 128
    )
    assert dark > 100, "the title, the holder's table and the rules are drawn"

"""Hours, stars and the certificate on WeChat, through the real endpoint: the same summary as
Telegram's /hours, the certificate's first page as an image with a signed, expiring link to the
PDF, and one person linked on Telegram and WeChat seeing one set of hours on both."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
import pymupdf
import pytest

from bot.clock import ManualClock
from bot.domain.hours import star_level
from bot.views.hours import stars_line
from tests.e2e.helpers import ZHANG, enrol, read, zh
from tests.e2e.wechat_chat import ZH, WeChatChat, wechat_chat
from tests.e2e.wechat_people import credited, outbox_settled, registered
from tests.fake_bot_api import FakeBotApi
from tests.fake_wechat import FakeWeChat
from wechat_adapter.downloads import LINK_LIFETIME

ALICE = "o-alice-0123456789abcdef"
PUBLIC = "https://bot.example.org"


@pytest.fixture
async def wechat(clock: ManualClock) -> AsyncIterator[FakeWeChat]:
    async with FakeWeChat(clock) as fake:
        yield fake


@pytest.fixture
async def chat(
    tmp_path: Path, api: FakeBotApi, wechat: FakeWeChat, clock: ManualClock
) -> AsyncIterator[WeChatChat]:
    async with wechat_chat(
        tmp_path, api, wechat, clock, wechat_settings={"public_url": PUBLIC}
    ) as running:
        yield running


def local(chat: WeChatChat, link: str) -> str:
    """The link as the HTTPS proxy forwards it to the endpoint."""
    parts = urlsplit(link)
    return f"{chat.url.removesuffix('/wechat')}{parts.path}?{parts.query}"


async def download(chat: WeChatChat, link: str) -> tuple[int, bytes]:
    async with aiohttp.ClientSession() as session, session.get(local(chat, link)) as response:
        return response.status, await response.read()


async def test_hours_show_the_same_summary_and_stars_as_on_telegram(chat: WeChatChat) -> None:
    user_id = await registered(chat, ALICE)
    await chat.send(ALICE, "帮助")  # their window open for the notices of the hours added
    for day in range(1, 6):  # 10 hours over five days (one day's may need a second admin)
        await credited(chat, user_id, 120, served_on=date(2026, 11, day))
    await outbox_settled(chat)
    seen = await chat.send(ALICE, "时长")
    level = star_level(600, chat.bot.config.hours.star_hours)
    assert seen.text.startswith(
        ZH(
            "hours.summary",
            year=ZH.hours(600),
            total=ZH.hours(600),
            pending_year=ZH.hours(0),
            pending=ZH.hours(0),
            no_shows=0,
        )
    )
    assert stars_line(ZH, level) in seen.text  # 90 hours to the first star
    assert f"· {ZH('hours.manual_category')}: {ZH.hours(600)}" in seen.text
    assert seen.options == [("certificate", f"1. {ZH('button.certificate')}")]


async def test_someone_not_registered_is_told_how_to_register(chat: WeChatChat) -> None:
    assert (await chat.send(ALICE, "时长")).text == ZH("wechat.error.not_registered")
    assert (await chat.click(ALICE, "certificate")).text == ZH("wechat.error.not_registered")


async def test_no_certificate_without_approved_hours(chat: WeChatChat) -> None:
    await registered(chat, ALICE)
    assert (await chat.send(ALICE, "证明")).text == ZH("error.no_hours_yet")
    assert chat.wechat.calls.count("upload") == 0


async def test_the_certificate_comes_as_its_first_page_and_a_link_that_expires(
    chat: WeChatChat, clock: ManualClock
) -> None:
    user_id = await registered(chat, ALICE)
    await chat.send(ALICE, "帮助")
    for day in range(30):  # 30 records: more than one page
        await credited(chat, user_id, 60, served_on=clock.now().date() - timedelta(days=day + 1))
    await outbox_settled(chat)

    seen = await chat.click(ALICE, "certificate")

    [image] = [s for s in seen.sent if s.payload["msgtype"] == "image"]
    picture = chat.wechat.media[image.payload["image"]["media_id"]]
    assert picture.startswith(b"\xff\xd8\xff")  # a JPEG of the first page
    assert pymupdf.Pixmap(picture).height > 1000
    caption = read(seen.push.reply["Content"].split("\n")[0], "certificate.caption")
    assert caption["hours"] == ZH.hours(30 * 60)
    assert ZH("wechat.certificate.first_page", pages=2) in seen.text
    link = read(seen.text.split("\n")[-1], "wechat.certificate.link")["link"]
    assert link.startswith(f"{PUBLIC}/wechat/files/")

    status, pdf = await download(chat, link)
    assert status == 200 and pdf.startswith(b"%PDF-")
    with pymupdf.open(stream=pdf, filetype="pdf") as document:
        text = "".join(page.get_text() for page in document).replace("\n", "")
    assert "张三" in text and caption["code"] in text
    assert (
        ZH(
            "wechat.certificate.verify_hint", code=caption["code"], org=chat.bot.config.org.name
        ).replace("\n", "")
        in text
    )
    # The code verifies as any certificate's does.
    holder, total, count, _ = await chat.services.certificates.verify(caption["code"])
    assert (holder, total, count) == ("张三", 30 * 60, 30)

    forged = link.replace("s=", "s=0")
    assert (await download(chat, forged))[0] == 403
    clock.advance(LINK_LIFETIME + timedelta(minutes=1))
    assert (await download(chat, link))[0] == 410


async def test_the_picture_refused_still_leaves_the_link(
    chat: WeChatChat, wechat: FakeWeChat
) -> None:
    user_id = await registered(chat, ALICE)
    await chat.send(ALICE, "帮助")
    await credited(chat, user_id, 90)
    await outbox_settled(chat)
    wechat.inject("upload", 45009)  # the day's upload quota used up
    seen = await chat.send(ALICE, "证明")
    assert ZH("wechat.certificate.no_picture") in seen.text
    link = read(seen.text.split("\n")[-1], "wechat.certificate.link")["link"]
    assert (await download(chat, link))[0] == 200


async def test_one_person_on_telegram_and_wechat_sees_one_set_of_hours(chat: WeChatChat) -> None:
    bot = chat.bot
    await enrol(bot, ZHANG, "张三", "13812345678", ["traffic"])
    shown = await bot.say(ZHANG, "/link")
    code = read(shown.text, "link.code")["code"]
    assert (await chat.send(ALICE, "绑定")).text == ZH("wechat.link.ask_code")
    await chat.send(ALICE, code)
    assert await chat.user_id(ALICE) == ZHANG.id

    # Hours served on Telegram's side of the person, seen on both channels alike.
    await credited(chat, ZHANG.id, 150)
    await outbox_settled(chat)
    on_telegram = await bot.say(ZHANG, "/hours")
    on_wechat = await chat.send(ALICE, "时长")
    assert on_wechat.menu is not None
    assert on_wechat.menu["head_content"] == on_telegram.text
    assert zh.hours(150) in on_telegram.text


async def test_anyone_checks_a_certificate_by_its_code(chat: WeChatChat) -> None:
    user_id = await registered(chat, ALICE)
    await chat.send(ALICE, "帮助")
    await credited(chat, user_id, 90)
    await outbox_settled(chat)
    shown = await chat.send(ALICE, "证明")
    code = read(shown.push.reply["Content"].split("\n")[0], "certificate.caption")["code"]

    stranger = "o-stranger-0123456789ab"
    assert (await chat.send(stranger, "验证")).text == ZH("wechat.verify.ask_code")
    for typed in ("ZZZZ9999", "x" * 5000, "'; DROP TABLE certificates; --", "😀"):
        assert (await chat.send(stranger, typed)).text == ZH("error.unknown_certificate"), typed
    verified = await chat.send(stranger, code.lower())  # as typed on a phone
    assert verified.text == ZH(
        "certificate.verified",
        holder="张三",
        hours=ZH.hours(90),
        count=1,
        day=ZH.day(chat.bot.clock.now().astimezone(chat.bot.config.org.zone).date()),
    )
    assert await chat.services.dialogues.current(await chat.user_id(stranger)) is None

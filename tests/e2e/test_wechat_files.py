"""Files in and out of WeChat: a person's photo downloaded through the media API, image bytes
uploaded, and the signed, expiring download links the endpoint serves (a certificate's PDF)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import aiohttp
import pytest

from bot.clock import ManualClock
from bot.config_wechat import WeChatConfig
from bot.outbox.errors import Rejected, Transient
from tests.e2e.wechat_harness import Conversation, running_channel
from tests.fake_wechat import FakeWeChat
from wechat_adapter.api import WeChatApi
from wechat_adapter.downloads import LINK_LIFETIME, link_key, link_signature
from wechat_adapter.messages import InboundMessage, TextReply

ALICE = "o-alice-0123456789abcdef"
PHOTO = b"\xff\xd8\xff\xe0" + b"a delivery photo" * 100
PUBLIC = "https://bot.example.org"


@pytest.fixture
async def wechat(clock: ManualClock) -> AsyncIterator[FakeWeChat]:
    async with FakeWeChat(clock) as fake:
        yield fake


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as opened:
        yield opened


@pytest.fixture
def api(session: aiohttp.ClientSession, wechat: FakeWeChat, clock: ManualClock) -> WeChatApi:
    return WeChatApi(session, WeChatConfig(**wechat.config()), clock)


# ---------------------------------------------------------------- the media API


async def test_a_photo_a_person_sent_is_downloaded_by_its_media_id(
    wechat: FakeWeChat, clock: ManualClock
) -> None:
    conversation = Conversation()
    photos: list[bytes] = []
    channel_api: list[WeChatApi] = []

    def answer(message: InboundMessage) -> TextReply:
        return TextReply(f"{message.kind} {message.media_id} {message.pic_url}")

    conversation.answer = answer
    async with running_channel(wechat, clock, conversation) as (channel, url):
        assert channel.api is not None
        channel_api.append(channel.api)
        pushed = await wechat.push(url, wechat.image(ALICE, PHOTO))
        assert pushed.reply is not None
        kind, media_id, pic_url = pushed.reply["Content"].split(" ")
        assert kind == "image" and media_id.startswith("PHOTO-") and pic_url.startswith("http")
        photos.append(await channel.api.download_media(media_id))
    assert photos == [PHOTO]
    assert wechat.calls.count("media_get") == 1


async def test_an_unknown_media_id_is_refused(api: WeChatApi) -> None:
    with pytest.raises(Rejected, match="40007"):
        await api.download_media("no-such-media")


async def test_a_refused_token_is_renewed_once_for_a_download(
    api: WeChatApi, wechat: FakeWeChat
) -> None:
    media_id = wechat.image(ALICE, PHOTO)["MediaId"]
    await api.download_media(media_id)
    wechat.revoke_tokens()
    assert await api.download_media(media_id) == PHOTO
    assert len(wechat.issued) == 2


async def test_wechat_busy_on_a_download_is_transient(api: WeChatApi, wechat: FakeWeChat) -> None:
    media_id = wechat.image(ALICE, PHOTO)["MediaId"]
    wechat.inject("media_get", -1)
    with pytest.raises(Transient):
        await api.download_media(media_id)
    assert await api.download_media(media_id) == PHOTO


async def test_image_bytes_are_uploaded_and_sent(api: WeChatApi, wechat: FakeWeChat) -> None:
    async with running_channel(wechat, wechat.clock, Conversation()) as (_, url):
        await wechat.push(url, wechat.text(ALICE, "hi"))
    media_id = await api.upload_image_content("certificate.jpg", PHOTO)
    await api.send_image(ALICE, media_id)
    assert wechat.media[media_id] == PHOTO
    assert wechat.to(ALICE)[-1].payload["image"]["media_id"] == media_id


# ---------------------------------------------------------------- signed download links


def local(link: str, port: int, **changes: str) -> str:
    """The link as the proxy would forward it to the endpoint, with query fields changed."""
    parts = urlsplit(link)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()} | changes
    return f"http://127.0.0.1:{port}{parts.path}?{urlencode(query)}"


async def get(session: aiohttp.ClientSession, url: str) -> tuple[int, bytes, str]:
    async with session.get(url) as response:
        return (
            response.status,
            await response.read(),
            response.headers.get("Content-Disposition", ""),
        )


async def test_a_signed_link_serves_its_file_until_it_expires(
    wechat: FakeWeChat, clock: ManualClock, session: aiohttp.ClientSession
) -> None:
    async with running_channel(wechat, clock, Conversation(), public_url=PUBLIC) as (channel, _):
        link = channel.downloads.offer(
            7, "certificate-ABCD2345.pdf", b"%PDF-1.4 x", "application/pdf"
        )
        assert link.startswith(f"{PUBLIC}/wechat/files/")
        status, body, disposition = await get(session, local(link, channel.port))
        assert (status, body) == (200, b"%PDF-1.4 x")
        assert 'filename="certificate-ABCD2345.pdf"' in disposition

        clock.advance(LINK_LIFETIME + timedelta(seconds=1))
        status, body, _ = await get(session, local(link, channel.port))
        assert status == 410 and b"PDF" not in body


async def test_a_forged_or_altered_link_is_refused(
    wechat: FakeWeChat, clock: ManualClock, session: aiohttp.ClientSession
) -> None:
    async with running_channel(wechat, clock, Conversation(), public_url=PUBLIC) as (channel, _):
        link = channel.downloads.offer(7, "certificate-A.pdf", b"%PDF-1.4 x", "application/pdf")
        expires = parse_qs(urlsplit(link).query)["e"][0]
        later = str(int(expires) + 7 * 86400)
        for forged in (
            local(link, channel.port, s="0" * 64),  # a made-up signature
            local(link, channel.port, e=later),  # the expiry pushed back
            local(link, channel.port, s=""),
            local(link, channel.port).replace("certificate-A.pdf", "certificate-B.pdf"),
        ):
            status, body, _ = await get(session, forged)
            assert status == 403, forged
            assert b"PDF" not in body

        # Signed with another account's secrets: refused as well.
        other = WeChatConfig(**wechat.config(app_secret="another-app-secret-0123456789ab"))
        file_id, name = urlsplit(link).path.split("/")[-2:]
        mark = link_signature(link_key(other), file_id, name, int(expires))
        status, _, _ = await get(session, local(link, channel.port, s=mark))
        assert status == 403


async def test_a_persons_links_stop_when_they_erase_their_data(
    wechat: FakeWeChat, clock: ManualClock, session: aiohttp.ClientSession
) -> None:
    async with running_channel(wechat, clock, Conversation(), public_url=PUBLIC) as (channel, _):
        theirs = channel.downloads.offer(7, "a.pdf", b"%PDF-7", "application/pdf")
        others = channel.downloads.offer(8, "b.pdf", b"%PDF-8", "application/pdf")
        assert channel.downloads.forget(7) == 1
        assert (await get(session, local(theirs, channel.port)))[0] == 410
        assert (await get(session, local(others, channel.port)))[:2] == (200, b"%PDF-8")


async def test_without_a_public_url_no_link_is_made_or_served(
    wechat: FakeWeChat, clock: ManualClock, session: aiohttp.ClientSession
) -> None:
    async with running_channel(wechat, clock, Conversation()) as (channel, _):
        assert not channel.downloads.enabled
        status, _, _ = await get(session, f"http://127.0.0.1:{channel.port}/wechat/files/x/a.pdf")
        assert status == 404

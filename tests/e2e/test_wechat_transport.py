"""How an outbox row looks on WeChat (wechat_adapter/transport.py), against the fake WeChat: a
photo as an uploaded image, a long text in pieces, URL buttons as lines, buttons the
conversation knows as msgmenu options, a document as a signed link, a template's short text."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.clock import ManualClock
from bot.config_wechat import WeChatConfig
from bot.outbox.models import Button, QueuedMessage
from tests.e2e.test_wechat_api import wrote
from tests.fake_wechat import FakeWeChat
from wechat_adapter.api import WeChatApi
from wechat_adapter.downloads import downloads_for
from wechat_adapter.messages import MAX_TEXT_BYTES, split_text
from wechat_adapter.transport import TEMPLATE_TEXT_MAX, WeChatTransport

OPENID = "o-row-0123456789abcdef"


@pytest.fixture
async def wechat(clock: ManualClock) -> AsyncIterator[FakeWeChat]:
    async with FakeWeChat(clock) as fake:
        yield fake


@pytest.fixture
async def config(wechat: FakeWeChat) -> WeChatConfig:
    return WeChatConfig(**wechat.config(public_url="https://bot.example.org"))


@pytest.fixture
async def api(
    wechat: FakeWeChat, clock: ManualClock, config: WeChatConfig
) -> AsyncIterator[WeChatApi]:
    async with aiohttp.ClientSession() as session:
        yield WeChatApi(session, config, clock)


def _row(text: str, **more: object) -> QueuedMessage:
    fields: dict[str, object] = {
        "id": 1,
        "chat_id": 2**53 + 1,
        "kind": "reminder",
        "text": text,
        "priority": 5,
        "buttons": (),
        "file_path": None,
        "file_kind": None,
        "attempts": 1,
        "broadcast_id": None,
    }
    return QueuedMessage(**(fields | more))  # type: ignore[arg-type]


def test_a_long_text_is_cut_at_line_breaks_within_wechats_limit() -> None:
    text = "\n".join(f"第{n}行：人民路口文明交通劝导" for n in range(300))
    cut = split_text(text)
    assert len(cut) > 1 and "\n".join(cut) == text
    assert all(len(piece.encode()) <= MAX_TEXT_BYTES for piece in cut)
    one_line = "长" * 5000
    assert "".join(split_text(one_line)) == one_line


async def test_a_photo_row_is_an_image_then_its_caption(
    wechat: FakeWeChat, api: WeChatApi, config: WeChatConfig, tmp_path: Path
) -> None:
    await wrote(wechat, OPENID)
    photo = tmp_path / "board.png"
    photo.write_bytes(b"\x89PNG\r\n-board-")
    transport = WeChatTransport(api, {}, downloads_for(config, wechat.clock))
    row = _row("本周榜单", file_path=str(photo), file_kind="photo")
    assert await transport.customer_service(OPENID, row) == 2
    image, caption = wechat.to(OPENID)
    assert image.payload["msgtype"] == "image"
    assert wechat.media[image.payload["image"]["media_id"]] == b"\x89PNG\r\n-board-"
    assert caption.text == "本周榜单"


async def test_buttons_become_msgmenu_options_or_lines(wechat: FakeWeChat, api: WeChatApi) -> None:
    await wrote(wechat, OPENID)
    known = {"s:c:7": "cancel:7"}
    transport = WeChatTransport(api, {}, option_for=known.get)
    row = _row(
        "明天的活动",
        buttons=(
            (Button("不能来了", callback_data="s:c:7"), Button("别的", callback_data="x:y")),
            (Button("地图", url="https://map.example.org/p"),),
        ),
    )
    assert await transport.customer_service(OPENID, row) == 1
    [menu] = wechat.to(OPENID)
    assert menu.payload["msgtype"] == "msgmenu"
    body = menu.payload["msgmenu"]
    assert body["head_content"] == "明天的活动\n\n地图: https://map.example.org/p"
    assert body["list"] == [{"id": "cancel:7", "content": "不能来了"}]


async def test_a_document_goes_as_a_signed_link_that_serves_it(
    wechat: FakeWeChat, api: WeChatApi, config: WeChatConfig, tmp_path: Path
) -> None:
    await wrote(wechat, OPENID)
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(b"%PDF-1.7 certificate")
    downloads = downloads_for(config, wechat.clock)
    transport = WeChatTransport(api, {}, downloads)
    await transport.customer_service(
        OPENID, _row("您的证书", file_path=str(pdf), file_kind="document")
    )
    [sent] = wechat.to(OPENID)
    text, link = sent.text.split("\n\n")
    assert text == "您的证书"
    assert link.startswith("https://bot.example.org/wechat/") and "certificate.pdf" in link
    assert downloads.forget(2**53 + 1) == 1  # offered to the row's person: erased with them


async def test_a_template_carries_the_text_cut_short_and_the_link(
    wechat: FakeWeChat, api: WeChatApi
) -> None:
    transport = WeChatTransport(api, {"reminder": "TPL-1"})
    assert transport.template_for("reminder") == "TPL-1" and transport.template_for("x") is None
    row = _row("提醒" * 200, buttons=((Button("详情", url="https://e.example.org/a"),),))
    await transport.template(OPENID, "TPL-1", row)
    [sent] = wechat.to(OPENID)
    value = sent.payload["data"]["content"]["value"]
    assert len(value) == TEMPLATE_TEXT_MAX and value.endswith("…")
    assert sent.payload["url"] == "https://e.example.org/a"

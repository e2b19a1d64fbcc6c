"""A fake WeChat for tests and benchmarks: the pushes WeChat sends an Official Account's server
and the server API it calls, over real HTTP, by WeChat's published protocol.

Its crypto is written from the protocol here (AES-256-CBC with the EncodingAESKey, PKCS#7 to
32 bytes, SHA-1 signatures), not borrowed from wechatpy, so that the endpoint's use of the SDK
is checked against an independent implementation.

Pushes: `text`, `event`, `location` build a message's XML; `push` signs and encrypts it the way
WeChat does, POSTs it to the endpoint and opens the passive reply. `tamper` hooks let a test
forge the signature, replay a push or send a malformed or huge body.

API (base_url): /cgi-bin/token, customer-service messages, template messages, media upload
and download, menu creation. Tokens expire on the injected clock; customer-service messages
obey the 48-hour window (45015) and the 20-message limit since the person's last message
(45047); unfollowed people get 43004; `inject` makes the next calls to an API answer an error
code.

Typical use::

    async with FakeWeChat(clock) as wechat:
        config = wechat.config(listen=...)  # the [wechat] table pointing at the fake
        answer = await wechat.push(url, wechat.text("o-alice", "hi"))
        assert answer.reply["Content"] == "hello"
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import itertools
import json
import os
import secrets
import struct
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import timedelta
from types import TracebackType
from typing import Any, Self
from xml.etree import ElementTree

import aiohttp
from aiohttp import web
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from bot.clock import Clock

APP_ID = "wx0123456789abcdef"
APP_SECRET = "fake-app-secret-0123456789abcdef"
TOKEN = "FakeServerToken42"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters
ACCOUNT = "gh_0123456789ab"
WINDOW = timedelta(hours=48)
WINDOW_MESSAGES = 20  # customer-service messages allowed since the person's last message


def sign(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


class Cryptor:
    """WeChat's safe-mode message encryption for one account."""

    def __init__(self, aes_key: str, app_id: str) -> None:
        self._key = base64.b64decode(aes_key + "=")
        self._app_id = app_id.encode()

    def _cipher(self) -> Cipher[modes.CBC]:
        return Cipher(algorithms.AES(self._key), modes.CBC(self._key[:16]))

    def encrypt(self, xml: str) -> str:
        body = xml.encode()
        plain = os.urandom(16) + struct.pack(">I", len(body)) + body + self._app_id
        pad = 32 - len(plain) % 32
        plain += bytes([pad]) * pad
        encryptor = self._cipher().encryptor()
        return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()

    def decrypt(self, encrypted: str) -> tuple[str, str]:
        """The XML and the AppID it was encrypted for."""
        decryptor = self._cipher().decryptor()
        plain = decryptor.update(base64.b64decode(encrypted)) + decryptor.finalize()
        plain = plain[: -plain[-1]]
        (length,) = struct.unpack(">I", plain[16:20])
        return plain[20 : 20 + length].decode(), plain[20 + length :].decode()


def _elements(fields: dict[str, Any]) -> str:
    parts = []
    for name, value in fields.items():
        if isinstance(value, dict):
            parts.append(f"<{name}>{_elements(value)}</{name}>")
        elif isinstance(value, int | float):
            parts.append(f"<{name}>{value}</{name}>")
        else:
            text = str(value).replace("]]>", "]]]]><![CDATA[>")  # CDATA ends at ]]>
            parts.append(f"<{name}><![CDATA[{text}]]></{name}>")
    return "".join(parts)


def xml_of(fields: dict[str, Any]) -> str:
    return f"<xml>{_elements(fields)}</xml>"


def fields_of(xml: str) -> dict[str, str]:
    """The document's fields; a nested one as "Outer/Inner"."""
    fields = {}
    for child in ElementTree.fromstring(xml):
        fields[child.tag] = child.text or ""
        for grandchild in child:
            fields[f"{child.tag}/{grandchild.tag}"] = grandchild.text or ""
    return fields


@dataclass
class Push:
    """What went to the endpoint and what came back."""

    status: int
    body: str
    reply: dict[str, str] | None = None  # the passive reply, decrypted and checked

    @property
    def success(self) -> bool:
        return self.status == 200 and self.body == "success"


@dataclass
class Tamper:
    """Ways to spoil a push (each left as it is by default)."""

    msg_signature: str | None = None
    timestamp: int | None = None
    body: bytes | None = None
    encrypted: str | None = None  # another ciphertext, signed as WeChat would
    query: dict[str, str] | None = None  # replaces the whole query


@dataclass
class Sent:
    """A message the account sent through the API."""

    api: str  # custom, template
    openid: str
    payload: dict[str, Any]

    @property
    def text(self) -> str:
        content = self.payload.get(self.payload.get("msgtype", ""), {})
        return str(content.get("content", "")) if isinstance(content, dict) else ""


@dataclass
class _Token:
    value: str
    expires: float  # on the clock, in seconds since the epoch


@dataclass
class FakeWeChat:
    clock: Clock
    token_lifetime: int = 7200
    base_url: str = ""
    sent: list[Sent] = field(default_factory=list)
    menus: list[dict[str, Any]] = field(default_factory=list)
    media: dict[str, bytes] = field(default_factory=dict)
    issued: list[str] = field(default_factory=list)  # every access token handed out
    calls: list[str] = field(default_factory=list)  # API paths, in order

    def __post_init__(self) -> None:
        self._cryptor = Cryptor(AES_KEY, APP_ID)
        self._tokens: dict[str, _Token] = {}
        self._last_message: dict[str, float] = {}  # openid -> when they last wrote
        self._since_message: dict[str, int] = defaultdict(int)
        self._unfollowed: set[str] = set()
        self._faults: dict[str, deque[int]] = defaultdict(deque)
        self._holds: dict[str, asyncio.Event] = {}
        self._msg_ids = itertools.count(7_000_000_000_000_000_001)
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    # -- life -----------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        app = web.Application(client_max_size=10 * 1024 * 1024)
        app.router.add_get("/cgi-bin/token", self._token)
        app.router.add_post("/cgi-bin/message/custom/send", self._custom)
        app.router.add_post("/cgi-bin/message/template/send", self._template)
        app.router.add_post("/cgi-bin/media/upload", self._upload)
        app.router.add_get("/cgi-bin/media/get", self._media_get)
        app.router.add_post("/cgi-bin/menu/create", self._menu)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}"
        self._session = aiohttp.ClientSession()
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        for held in self._holds.values():
            held.set()
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def config(self, **overrides: Any) -> dict[str, Any]:
        """The [wechat] table of a bot talking to this fake."""
        return {
            "enabled": True,
            "app_id": APP_ID,
            "app_secret": APP_SECRET,
            "token": TOKEN,
            "aes_key": AES_KEY,
            "api_base": self.base_url,
            "listen": "127.0.0.1:0",
            **overrides,
        }

    def _now(self) -> float:
        return self.clock.now().timestamp()

    # -- people writing: pushes -----------------------------------------------------------

    def _fields(self, openid: str, kind: str, **more: Any) -> dict[str, Any]:
        return {
            "ToUserName": ACCOUNT,
            "FromUserName": openid,
            "CreateTime": int(self._now()),
            "MsgType": kind,
            **more,
        }

    def text(self, openid: str, content: str, menu_choice: str = "") -> dict[str, Any]:
        fields = self._fields(openid, "text", Content=content, MsgId=next(self._msg_ids))
        if menu_choice:
            fields["bizmsgmenuid"] = menu_choice
        return fields

    def location(
        self, openid: str, latitude: float, longitude: float, label: str = ""
    ) -> dict[str, Any]:
        return self._fields(
            openid,
            "location",
            Location_X=latitude,
            Location_Y=longitude,
            Scale=15,
            Label=label,
            MsgId=next(self._msg_ids),
        )

    def image(self, openid: str, content: bytes) -> dict[str, Any]:
        """A photo the person sends: WeChat keeps it as temporary media (MediaId) and on its
        image server (PicUrl)."""
        media_id = f"PHOTO-{len(self.media) + 1}-{secrets.token_hex(4)}"
        self.media[media_id] = content
        return self._fields(
            openid,
            "image",
            PicUrl=f"http://mmbiz.qpic.cn/fake/{media_id}/0",
            MediaId=media_id,
            MsgId=next(self._msg_ids),
        )

    def event(self, openid: str, event: str, key: str = "") -> dict[str, Any]:
        fields = self._fields(openid, "event", Event=event)
        if key:
            fields["EventKey"] = key
        return fields

    def sealed(
        self, fields: dict[str, Any], tamper: Tamper | None = None
    ) -> tuple[dict[str, str], bytes]:
        """The query and body of WeChat's push of this message."""
        tamper = tamper or Tamper()
        timestamp = str(tamper.timestamp if tamper.timestamp is not None else int(self._now()))
        nonce = secrets.token_hex(5)
        encrypted = tamper.encrypted or self._cryptor.encrypt(xml_of(fields))
        body = xml_of({"ToUserName": ACCOUNT, "Encrypt": encrypted}).encode()
        query = tamper.query or {
            "signature": sign(TOKEN, timestamp, nonce),
            "timestamp": timestamp,
            "nonce": nonce,
            "openid": str(fields.get("FromUserName", "")),
            "encrypt_type": "aes",
            "msg_signature": tamper.msg_signature or sign(TOKEN, timestamp, nonce, encrypted),
        }
        return query, tamper.body if tamper.body is not None else body

    async def post(self, url: str, query: dict[str, str], body: bytes) -> Push:
        """POST a push as it is; open the passive reply if there is one."""
        assert self._session is not None
        async with self._session.post(url, params=query, data=body) as response:
            text = await response.text()
        push = Push(response.status, text)
        if response.status == 200 and text not in ("", "success"):
            push.reply = self.open_reply(text)
        return push

    async def push(self, url: str, fields: dict[str, Any], tamper: Tamper | None = None) -> Push:
        """Send a person's message as WeChat does; it opens their 48-hour window."""
        openid = str(fields["FromUserName"])
        if fields.get("Event") != "unsubscribe":
            self._last_message[openid] = self._now()
            self._since_message[openid] = 0
            self._unfollowed.discard(openid)
        else:
            self._unfollowed.add(openid)
        query, body = self.sealed(fields, tamper)
        return await self.post(url, query, body)

    def open_reply(self, text: str) -> dict[str, str]:
        """Check a passive reply as WeChat would (signature, AppID, fields) and open it."""
        outer = fields_of(text)
        encrypted = outer["Encrypt"]
        assert outer["MsgSignature"] == sign(TOKEN, outer["TimeStamp"], outer["Nonce"], encrypted)
        xml, app_id = self._cryptor.decrypt(encrypted)
        assert app_id == APP_ID
        return fields_of(xml)

    async def verify_url(self, url: str, echostr: str, signature: str | None = None) -> Push:
        """WeChat's GET check when the server URL is saved in the console."""
        assert self._session is not None
        timestamp, nonce = str(int(self._now())), secrets.token_hex(5)
        query = {
            "signature": signature or sign(TOKEN, timestamp, nonce),
            "timestamp": timestamp,
            "nonce": nonce,
            "echostr": echostr,
        }
        async with self._session.get(url, params=query) as response:
            return Push(response.status, await response.text())

    # -- the API --------------------------------------------------------------------------

    def inject(self, api: str, *errcodes: int) -> None:
        """The next calls to `api` (custom, template, upload, media_get, menu, token) answer
        these codes."""
        self._faults[api].extend(errcodes)

    def revoke_tokens(self) -> None:
        """Every token issued so far stops working (40001), as when another client fetched one."""
        self._tokens.clear()

    def unfollow(self, openid: str) -> None:
        self._unfollowed.add(openid)

    def to(self, openid: str) -> list[Sent]:
        return [sent for sent in self.sent if sent.openid == openid]

    def hold(self, api: str) -> asyncio.Event:
        """Calls to `api` wait, unanswered, until the returned event is set."""
        self._holds[api] = asyncio.Event()
        return self._holds[api]

    async def _enter(self, api: str) -> None:
        self.calls.append(api)
        if api in self._holds:
            await self._holds[api].wait()

    def _fault(self, api: str) -> web.Response | None:
        if self._faults[api]:
            errcode = self._faults[api].popleft()
            return web.json_response({"errcode": errcode, "errmsg": f"injected {errcode}"})
        return None

    def _check_token(self, request: web.Request) -> web.Response | None:
        token = self._tokens.get(request.query.get("access_token", ""))
        if token is None:
            return web.json_response({"errcode": 40001, "errmsg": "invalid credential"})
        if self._now() >= token.expires:
            return web.json_response({"errcode": 42001, "errmsg": "access_token expired"})
        return None

    async def _json(self, request: web.Request) -> dict[str, Any]:
        raw = await request.read()
        # WeChat shows \\uXXXX escapes literally: a client must send UTF-8, not ASCII escapes.
        assert b"\\u" not in raw, "JSON with \\u escapes"
        payload = json.loads(raw)
        assert isinstance(payload, dict)
        return payload

    async def _token(self, request: web.Request) -> web.Response:
        await self._enter("token")
        query = request.query
        if query.get("grant_type") != "client_credential" or query.get("appid") != APP_ID:
            return web.json_response({"errcode": 40013, "errmsg": "invalid appid"})
        if query.get("secret") != APP_SECRET:
            return web.json_response({"errcode": 40125, "errmsg": "invalid appsecret"})
        fault = self._fault("token")
        if fault is not None:
            return fault
        value = f"ACCESS-{len(self.issued) + 1}-{secrets.token_urlsafe(24)}"
        self.issued.append(value)
        self._tokens[value] = _Token(value, self._now() + self.token_lifetime)
        return web.json_response({"access_token": value, "expires_in": self.token_lifetime})

    async def _custom(self, request: web.Request) -> web.Response:
        await self._enter("custom")
        refused = self._check_token(request) or self._fault("custom")
        if refused is not None:
            return refused
        payload = await self._json(request)
        openid, kind = payload.get("touser", ""), payload.get("msgtype", "")
        if kind not in ("text", "image", "msgmenu") or not isinstance(payload.get(kind), dict):
            return web.json_response({"errcode": 40008, "errmsg": "invalid message type"})
        last = self._last_message.get(openid)
        if (
            openid in self._unfollowed
            or last is None
            or self._now() - last > WINDOW.total_seconds()
        ):
            return web.json_response(
                {
                    "errcode": 45015,
                    "errmsg": "response out of time limit or subscription is canceled",
                }
            )
        if self._since_message[openid] >= WINDOW_MESSAGES:
            return web.json_response({"errcode": 45047, "errmsg": "out of response count limit"})
        if kind == "image" and payload["image"].get("media_id") not in self.media:
            return web.json_response({"errcode": 40007, "errmsg": "invalid media_id"})
        self._since_message[openid] += 1
        self.sent.append(Sent("custom", openid, payload))
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    async def _template(self, request: web.Request) -> web.Response:
        await self._enter("template")
        refused = self._check_token(request) or self._fault("template")
        if refused is not None:
            return refused
        payload = await self._json(request)
        openid = payload.get("touser", "")
        if openid in self._unfollowed:
            return web.json_response({"errcode": 43004, "errmsg": "require subscribe"})
        if not payload.get("template_id") or not isinstance(payload.get("data"), dict):
            return web.json_response({"errcode": 40037, "errmsg": "invalid template_id"})
        self.sent.append(Sent("template", openid, payload))
        return web.json_response({"errcode": 0, "errmsg": "ok", "msgid": len(self.sent)})

    async def _upload(self, request: web.Request) -> web.Response:
        await self._enter("upload")
        refused = self._check_token(request) or self._fault("upload")
        if refused is not None:
            return refused
        if request.query.get("type") not in ("image", "voice", "video", "thumb"):
            return web.json_response({"errcode": 40004, "errmsg": "invalid media type"})
        form = await request.post()
        media = form.get("media")
        if not isinstance(media, web.FileField):
            return web.json_response({"errcode": 41005, "errmsg": "media data missing"})
        media_id = f"MEDIA-{len(self.media) + 1}"
        self.media[media_id] = media.file.read()
        return web.json_response(
            {"type": request.query["type"], "media_id": media_id, "created_at": int(self._now())}
        )

    async def _media_get(self, request: web.Request) -> web.Response:
        """A temporary media's bytes, as WeChat answers /cgi-bin/media/get (an error as JSON)."""
        await self._enter("media_get")
        refused = self._check_token(request) or self._fault("media_get")
        if refused is not None:
            return refused
        content = self.media.get(request.query.get("media_id", ""))
        if content is None:
            return web.json_response({"errcode": 40007, "errmsg": "invalid media_id"})
        return web.Response(
            body=content,
            content_type="image/jpeg",
            headers={"Content-disposition": 'attachment; filename="photo.jpg"'},
        )

    async def _menu(self, request: web.Request) -> web.Response:
        await self._enter("menu")
        refused = self._check_token(request) or self._fault("menu")
        if refused is not None:
            return refused
        payload = await self._json(request)
        buttons = payload.get("button")
        if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
            return web.json_response({"errcode": 40016, "errmsg": "invalid button size"})
        if any(len(button.get("sub_button", [])) > 5 for button in buttons):
            return web.json_response({"errcode": 40017, "errmsg": "invalid sub button size"})
        self.menus.append(payload)
        return web.json_response({"errcode": 0, "errmsg": "ok"})


__all__ = [
    "ACCOUNT",
    "AES_KEY",
    "APP_ID",
    "APP_SECRET",
    "TOKEN",
    "Cryptor",
    "FakeWeChat",
    "Push",
    "Sent",
    "Tamper",
    "sign",
    "xml_of",
]

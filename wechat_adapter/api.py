"""WeChat's server API over aiohttp: one access token shared by every caller, customer-service,
template and media messages, the custom menu. WeChat's error codes become the outbox's errors
(bot/outbox/errors.py), so the sender ends, retries or pauses a row as it does for Telegram.

No error message or log line holds a URL: every request carries the access token in it."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp

from bot.clock import Clock
from bot.config_wechat import WeChatConfig, WeChatMenuButton
from bot.outbox.errors import NoAnswer, Rejected, RetryLater, ServiceDown, Transient, Unreachable
from wechat_adapter.errors import OutsideWindow, QuotaReached
from wechat_adapter.messages import ImageReply, MenuReply, Reply, TextReply

log = logging.getLogger(__name__)

# A token is used until this long before it expires, then replaced (WeChat's last 5 minutes
# overlap the old and the new one).
REFRESH_MARGIN_SECONDS = 300.0
TOKEN_EXPIRED = frozenset({40001, 40014, 42001})  # invalid, not a token, expired
OUT_OF_WINDOW = frozenset({45015, 45047})
DAILY_QUOTA = 45009
MINUTE_QUOTA = 45011
NOT_FOLLOWING = frozenset({43004, 40003})  # unfollowed; an openid not of this account
CREDENTIALS_REFUSED = frozenset({40002, 40013, 40125, 40164, 41002, 41004, 40243})
SYSTEM_BUSY = -1
MAX_MEDIA_BYTES = 10 * 1024 * 1024  # a person's photo, downloaded (WeChat's own image limit)
BEIJING = ZoneInfo("Asia/Shanghai")  # WeChat's quotas reset at midnight there


def _until_midnight_in_beijing(now: datetime) -> float:
    local = now.astimezone(BEIJING)
    midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max((midnight - local).total_seconds(), 1.0)


def raise_for(api: str, answer: Mapping[str, Any], now: datetime) -> None:
    """Raise the outbox's error for WeChat's answer, if it is a refusal."""
    errcode = answer.get("errcode", 0)
    if not isinstance(errcode, int):
        raise ServiceDown(f"{api}: errcode {errcode!r} is not a number")
    if errcode == 0:
        return
    errmsg = str(answer.get("errmsg", ""))[:200]
    if errcode in OUT_OF_WINDOW:
        raise OutsideWindow(errcode, errmsg)
    if errcode == DAILY_QUOTA:
        raise QuotaReached(_until_midnight_in_beijing(now))
    if errcode == MINUTE_QUOTA:
        raise RetryLater(60)
    if errcode in NOT_FOLLOWING:
        raise Unreachable(f"{errcode} {errmsg}")
    if errcode == SYSTEM_BUSY:
        raise Transient(f"{api}: WeChat busy ({errmsg})")
    if errcode in CREDENTIALS_REFUSED or errcode in TOKEN_EXPIRED:
        raise ServiceDown(f"{api}: credentials refused: {errcode} {errmsg}")
    raise Rejected(f"{api}: {errcode} {errmsg}")


class AccessTokens:
    """The access token, fetched once and shared; replaced before it expires or when WeChat
    says it is no longer valid. One fetch at a time: WeChat's /cgi-bin/token invalidates the
    previous token (after a short overlap), so concurrent fetches would knock each other out."""

    def __init__(
        self,
        fetch: Callable[[], Awaitable[tuple[str, float]]],
        monotonic: Callable[[], float] = time.monotonic,
        margin: float = REFRESH_MARGIN_SECONDS,
    ) -> None:
        self._fetch = fetch
        self._monotonic = monotonic
        self._margin = margin
        self._lock = asyncio.Lock()
        self._token = ""
        self._renew_at = 0.0
        self.fetched = 0  # how many tokens were fetched (tests, the benchmark)

    def _fresh(self) -> bool:
        return bool(self._token) and self._monotonic() < self._renew_at

    async def current(self) -> str:
        if self._fresh():
            return self._token
        async with self._lock:
            if not self._fresh():
                await self._renew()
            return self._token

    async def replace(self, refused: str) -> str:
        """A new token after WeChat refused `refused`, unless another caller replaced it."""
        async with self._lock:
            if self._token == refused or not self._fresh():
                await self._renew()
            return self._token

    async def _renew(self) -> None:
        token, expires_in = await self._fetch()
        self._token = token
        # Half the lifetime at least, for a token that lives less than the margin.
        self._renew_at = self._monotonic() + max(expires_in - self._margin, expires_in / 2)
        self.fetched += 1
        log.info("WeChat access token renewed (valid %ds)", int(expires_in))


class WeChatApi:
    """The calls the channel makes. Every method raises an outbox DeliveryError on failure."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        config: WeChatConfig,
        clock: Clock,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._session = session
        self._config = config
        self._clock = clock
        self.tokens = AccessTokens(self._fetch_token, monotonic)

    async def _fetch_token(self) -> tuple[str, float]:
        params = {
            "grant_type": "client_credential",
            "appid": self._config.app_id,
            "secret": self._config.app_secret.get_secret_value(),
        }
        answer = await self._request("GET", "/cgi-bin/token", params, delivers=False)
        if answer.get("errcode"):
            # A refused AppSecret or an IP not on the whitelist: nothing goes out until fixed.
            errmsg = str(answer.get("errmsg", ""))[:200]
            raise ServiceDown(f"access token refused: {answer['errcode']} {errmsg}")
        token, expires_in = answer.get("access_token"), answer.get("expires_in")
        if not isinstance(token, str) or not token or not isinstance(expires_in, int):
            raise ServiceDown("access token answer without access_token or expires_in")
        return token, float(expires_in)

    async def _request(
        self,
        method: str,
        path: str,
        params: Mapping[str, str],
        *,
        body: bytes | aiohttp.FormData | None = None,
        delivers: bool,
    ) -> dict[str, Any]:
        """One request; its JSON answer. `delivers`: the request puts a message in front of
        someone, so a lost answer means it may have been delivered (NoAnswer, not Transient)."""
        headers = (
            {"Content-Type": "application/json; charset=utf-8"} if isinstance(body, bytes) else None
        )
        try:
            async with self._session.request(
                method, self._config.api_base + path, params=params, data=body, headers=headers
            ) as response:
                if response.status != 200:
                    raise ServiceDown(f"{path}: HTTP {response.status}")
                raw = await response.read()
        except (aiohttp.ConnectionTimeoutError, aiohttp.ClientConnectorError) as error:
            raise Transient(f"{path}: {type(error).__name__}") from None
        except (TimeoutError, aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError) as error:
            if delivers:
                raise NoAnswer(f"{path}: no answer ({type(error).__name__})") from None
            raise Transient(f"{path}: {type(error).__name__}") from None
        except aiohttp.ClientError as error:
            raise Transient(f"{path}: {type(error).__name__}") from None
        try:
            answer = json.loads(raw)
        except ValueError:
            raise ServiceDown(f"{path}: the answer is not JSON") from None
        if not isinstance(answer, dict):
            raise ServiceDown(f"{path}: the answer is not a JSON object")
        return answer

    async def call(
        self,
        path: str,
        payload: Mapping[str, Any] | None = None,
        *,
        form: Callable[[], aiohttp.FormData] | None = None,
        query: Mapping[str, str] | None = None,
        delivers: bool = True,
    ) -> dict[str, Any]:
        """POST to an API with the shared token; a token WeChat no longer takes is replaced
        once and the call made again."""
        encoded = json.dumps(payload, ensure_ascii=False).encode() if payload is not None else None
        token = await self.tokens.current()
        for attempt in range(2):
            params = {"access_token": token, **(query or {})}
            body = form() if form is not None else encoded
            answer = await self._request("POST", path, params, body=body, delivers=delivers)
            if answer.get("errcode") not in TOKEN_EXPIRED or attempt == 1:
                break
            log.info("WeChat refused the access token (%s); renewing it", answer.get("errcode"))
            token = await self.tokens.replace(token)
        raise_for(path, answer, self._clock.now())
        return answer

    async def send_text(self, openid: str, text: str) -> None:
        await self._custom(openid, "text", {"content": text})

    async def send_image(self, openid: str, media_id: str) -> None:
        await self._custom(openid, "image", {"media_id": media_id})

    async def send_menu(self, openid: str, menu: MenuReply) -> None:
        options = [{"id": option.id, "content": option.label} for option in menu.options]
        body = {"head_content": menu.head, "list": options, "tail_content": menu.tail}
        await self._custom(openid, "msgmenu", body)

    async def send_reply(self, openid: str, reply: Reply) -> None:
        """A handler's answer, as a customer-service message."""
        if isinstance(reply, TextReply):
            await self.send_text(openid, reply.text)
        elif isinstance(reply, ImageReply):
            await self.send_image(openid, reply.media_id)
        else:
            await self.send_menu(openid, reply)

    async def _custom(self, openid: str, kind: str, content: Mapping[str, Any]) -> None:
        await self.call(
            "/cgi-bin/message/custom/send", {"touser": openid, "msgtype": kind, kind: content}
        )

    async def send_template(
        self, openid: str, template_id: str, data: Mapping[str, str], url: str = ""
    ) -> int:
        """A template message (reaches followers outside the 48-hour window); its msgid."""
        payload: dict[str, Any] = {
            "touser": openid,
            "template_id": template_id,
            "data": {key: {"value": value} for key, value in data.items()},
        }
        if url:
            payload["url"] = url
        answer = await self.call("/cgi-bin/message/template/send", payload)
        msgid = answer.get("msgid")
        return msgid if isinstance(msgid, int) else 0

    async def upload_image(self, path: Path) -> str:
        """Upload a temporary image (kept three days by WeChat); its media_id."""
        return await self.upload_image_content(path.name, await asyncio.to_thread(path.read_bytes))

    async def upload_image_content(self, name: str, content: bytes) -> str:
        """Upload image bytes (a file name ending .jpg or .png) as a temporary image."""

        def form() -> aiohttp.FormData:
            data = aiohttp.FormData()
            data.add_field("media", content, filename=name)
            return data

        answer = await self.call(
            "/cgi-bin/media/upload", form=form, query={"type": "image"}, delivers=False
        )
        media_id = answer.get("media_id")
        if not isinstance(media_id, str) or not media_id:
            raise Rejected("/cgi-bin/media/upload: no media_id in the answer")
        return media_id

    async def download_media(self, media_id: str) -> bytes:
        """A temporary media's bytes (a person's photo: an image message's MediaId), at most
        MAX_MEDIA_BYTES; a token WeChat no longer takes is replaced once and asked again."""
        token = await self.tokens.current()
        for attempt in range(2):
            params = {"access_token": token, "media_id": media_id}
            content, answer = await self._fetch_media(params)
            if content is not None:
                return content
            if answer.get("errcode") not in TOKEN_EXPIRED or attempt == 1:
                break
            log.info("WeChat refused the access token (%s); renewing it", answer.get("errcode"))
            token = await self.tokens.replace(token)
        raise_for("/cgi-bin/media/get", answer, self._clock.now())
        raise Rejected("/cgi-bin/media/get: neither media nor an error in the answer")

    async def _fetch_media(self, params: Mapping[str, str]) -> tuple[bytes | None, dict[str, Any]]:
        """The media's bytes, or None and WeChat's JSON answer (a refusal)."""
        path = "/cgi-bin/media/get"
        try:
            async with self._session.get(self._config.api_base + path, params=params) as response:
                if response.status != 200:
                    raise ServiceDown(f"{path}: HTTP {response.status}")
                if response.content_length and response.content_length > MAX_MEDIA_BYTES:
                    raise Rejected(f"{path}: {response.content_length} bytes, over the limit")
                raw = await response.content.read(MAX_MEDIA_BYTES + 1)
                kind = response.content_type
        except aiohttp.ClientError as error:
            raise Transient(f"{path}: {type(error).__name__}") from None
        except TimeoutError:
            raise Transient(f"{path}: TimeoutError") from None
        if len(raw) > MAX_MEDIA_BYTES:
            raise Rejected(f"{path}: over {MAX_MEDIA_BYTES} bytes")
        if kind in ("application/json", "text/plain") or raw[:1] == b"{":
            try:
                answer = json.loads(raw)
            except ValueError:
                raise ServiceDown(f"{path}: an answer that is neither media nor JSON") from None
            if not isinstance(answer, dict):
                raise ServiceDown(f"{path}: the answer is not a JSON object")
            return None, answer
        return raw, {}

    async def create_menu(self, menu: Sequence[WeChatMenuButton]) -> None:
        await self.call(
            "/cgi-bin/menu/create", {"button": [_button(b) for b in menu]}, delivers=False
        )


def _button(button: WeChatMenuButton) -> dict[str, Any]:
    if button.sub:
        return {"name": button.name, "sub_button": [_button(sub) for sub in button.sub]}
    target = {"url": button.url} if button.type == "view" else {"key": button.key}
    return {"type": button.type, "name": button.name, **target}

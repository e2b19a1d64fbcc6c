"""Files a WeChat person downloads through a link (customer-service messages cannot carry a
PDF): signed, expiring links served by the endpoint's own web app.

A link names a random file id, the file's name and when it expires, and carries an HMAC-SHA256
of the three under a key derived from the account's secrets (never the secrets themselves).
A forged or altered link is refused (403), an expired one, or one whose file is gone, answers
410. The files are kept in memory, at most `kept` of them, until their link expires: a restart
forgets them (the person asks again), and nothing of the person is left on disk."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from collections import OrderedDict
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol, runtime_checkable
from urllib.parse import quote

from aiohttp import web

from bot.clock import Clock
from bot.config_wechat import WeChatConfig

log = logging.getLogger(__name__)

LINK_LIFETIME = timedelta(hours=24)
KEPT_MOST = 64  # files offered at once; the oldest is dropped first
_PURPOSE = b"volunteer-bot wechat download links v1"
_FILE_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_NAME = re.compile(r"^[A-Za-z0-9._-]{1,80}$")


def link_key(config: WeChatConfig) -> bytes:
    """The links' signing key: an HMAC of a fixed purpose under the account's secrets, so it
    changes when they do and reveals nothing of them."""
    material = "\n".join(
        (config.app_secret.get_secret_value(), config.aes_key.get_secret_value())
    ).encode()
    return hmac.new(material, _PURPOSE, hashlib.sha256).digest()


def link_signature(key: bytes, file_id: str, name: str, expires: int) -> str:
    message = f"{file_id}/{name}/{expires}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class _Offered:
    owner: int  # the person's user id (their files go when they erase their data)
    name: str
    content: bytes
    content_type: str
    expires: int  # seconds since the epoch


class Downloads:
    """The files on offer and the web route that hands them out."""

    def __init__(
        self,
        key: bytes,
        base_url: str,
        clock: Clock,
        lifetime: timedelta = LINK_LIFETIME,
        kept: int = KEPT_MOST,
    ) -> None:
        self._key = key
        self._base_url = base_url.rstrip("/")
        self._clock = clock
        self._lifetime = lifetime
        self._kept = kept
        self._files: OrderedDict[str, _Offered] = OrderedDict()

    @property
    def enabled(self) -> bool:
        """Whether links can be made: the public address of the endpoint is configured."""
        return bool(self._base_url)

    def _now(self) -> int:
        return int(self._clock.now().timestamp())

    def _drop_expired(self) -> None:
        now = self._now()
        for file_id in [f for f, offered in self._files.items() if offered.expires <= now]:
            del self._files[file_id]

    def offer(self, owner: int, name: str, content: bytes, content_type: str) -> str:
        """Keep the file until its link expires; the signed link."""
        if not self.enabled:
            raise RuntimeError("no download links without wechat.public_url")
        if not _NAME.match(name):
            raise ValueError(f"a download's name is letters, digits, '.', '_', '-': {name!r}")
        self._drop_expired()
        while len(self._files) >= self._kept:
            self._files.popitem(last=False)
        file_id = secrets.token_urlsafe(18)
        expires = self._now() + int(self._lifetime.total_seconds())
        self._files[file_id] = _Offered(owner, name, content, content_type, expires)
        mark = link_signature(self._key, file_id, name, expires)
        return f"{self._base_url}/{file_id}/{quote(name)}?e={expires}&s={mark}"

    def forget(self, owner: int) -> int:
        """Drop every file offered to this person (their data is being erased)."""
        theirs = [f for f, offered in self._files.items() if offered.owner == owner]
        for file_id in theirs:
            del self._files[file_id]
        return len(theirs)

    async def serve(self, request: web.Request) -> web.Response:
        """GET <base>/<file id>/<name>?e=<expires>&s=<signature>."""
        file_id, name = request.match_info.get("file_id", ""), request.match_info.get("name", "")
        expires, mark = request.query.get("e", ""), request.query.get("s", "")
        if not (_FILE_ID.match(file_id) and _NAME.match(name) and expires.isdigit()):
            return self._refuse(403, "a malformed download link", request)
        expected = link_signature(self._key, file_id, name, int(expires))
        if not hmac.compare_digest(mark.encode(), expected.encode()):
            return self._refuse(403, "a download link with a bad signature", request)
        if int(expires) <= self._now():
            return self._refuse(410, "an expired download link", request)
        self._drop_expired()
        offered = self._files.get(file_id)
        if offered is None or offered.name != name or offered.expires != int(expires):
            return self._refuse(410, "a download no longer kept", request)
        return web.Response(
            body=offered.content,
            content_type=offered.content_type,
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "Cache-Control": "private, no-store",
                "X-Content-Type-Options": "nosniff",
            },
        )

    @staticmethod
    def _refuse(status: int, reason: str, request: web.Request) -> web.Response:
        log.warning("download refused (%d): %s, from %s", status, reason, request.remote)
        text = "This link has expired." if status == 410 else "Refused."
        return web.Response(status=status, text=text)

    def route(self, path: str) -> web.RouteDef:
        """The GET route under `path` (the endpoint's path + '/files')."""
        return web.get(f"{path}/{{file_id}}/{{name}}", self.serve)


FILES_PATH = "/files"  # under the endpoint's path


@runtime_checkable
class TakesDownloads(Protocol):
    """A conversation that offers download links: the channel hands it the downloads its
    endpoint serves."""

    def take_downloads(self, downloads: Downloads) -> None: ...


def downloads_for(config: WeChatConfig, clock: Clock) -> Downloads:
    """The channel's downloads: links under `public_url` + the endpoint's path + /files (none
    when `public_url` is not set)."""
    base = f"{config.public_url}{config.path}{FILES_PATH}" if config.public_url else ""
    return Downloads(link_key(config), base, clock)

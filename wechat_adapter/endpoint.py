"""The URL WeChat pushes to: checks every push, hands each message to the conversation
handler in the person's order, and answers within WeChat's 5 seconds.

Refused without effect (the handler never sees them) and logged without secrets: a bad or
missing signature (403), a push signed outside the replay window (403), a body that is not a
safe-mode message (400), a body over `max_body_bytes` (413). A message seen before (WeChat's
retry, or a copy sent again) is answered "success" and not handled twice."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Protocol

from aiohttp import web

from bot.config_wechat import WeChatConfig
from bot.outbox.errors import DeliveryError
from wechat_adapter.downloads import FILES_PATH, Downloads
from wechat_adapter.messages import ImageReply, InboundHandler, InboundMessage, Reply, TextReply
from wechat_adapter.ordering import PerPersonOrder
from wechat_adapter.protocol import Codec, ForgedSignature, MalformedPush
from wechat_adapter.replay import SeenMessages

log = logging.getLogger(__name__)

SUCCESS = "success"  # WeChat's "received, no reply": it neither retries nor shows an error
CLOSE_GRACE_SECONDS = 5.0


class ReplySender(Protocol):
    async def send_reply(self, openid: str, reply: Reply) -> None:
        """Send a handler's answer as a customer-service message."""
        ...


def _refuse(status: int, reason: str, request: web.Request) -> web.Response:
    log.warning("WeChat push refused (%d): %s, from %s", status, reason, request.remote)
    return web.Response(status=status, text="refused")


class WeChatEndpoint:
    def __init__(
        self,
        config: WeChatConfig,
        handler: InboundHandler,
        replies: ReplySender,
        wall: Callable[[], float] = time.time,
        downloads: Downloads | None = None,
    ) -> None:
        self._config = config
        self._downloads = downloads
        self._handler = handler
        self._replies = replies
        self._wall = wall
        self._codec = Codec(
            config.token.get_secret_value(), config.aes_key.get_secret_value(), config.app_id
        )
        self._seen = SeenMessages(config.seen_messages, config.replay_window_seconds)
        self._order = PerPersonOrder(config.concurrent_handlers)

    def application(self) -> web.Application:
        app = web.Application(client_max_size=self._config.max_body_bytes)
        app.router.add_get(self._config.path, self.verify)
        app.router.add_post(self._config.path, self.receive)
        if self._downloads is not None and self._downloads.enabled:
            app.router.add_routes([self._downloads.route(self._config.path + FILES_PATH)])
        return app

    async def verify(self, request: web.Request) -> web.Response:
        """WeChat's check of the server URL: echo `echostr` if the signature holds."""
        query = request.query
        if not self._codec.url_verified(
            query.get("signature", ""), query.get("timestamp", ""), query.get("nonce", "")
        ):
            return _refuse(403, "URL check with a bad signature", request)
        return web.Response(text=query.get("echostr", ""))

    async def receive(self, request: web.Request) -> web.Response:
        query = request.query
        timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
        if query.get("encrypt_type") != "aes" or "msg_signature" not in query:
            return _refuse(403, "not a safe-mode push (no msg_signature)", request)
        if not timestamp.isdigit():
            return _refuse(400, "timestamp is not a number", request)
        now = self._wall()
        if abs(now - int(timestamp)) > self._config.replay_window_seconds:
            return _refuse(403, "timestamp outside the replay window", request)
        length = request.content_length
        if length is not None and length > self._config.max_body_bytes:
            return _refuse(413, f"body of {length} bytes", request)
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return _refuse(413, "body over the limit", request)
        try:
            message = self._codec.open(body, query["msg_signature"], timestamp, nonce)
        except ForgedSignature as error:
            return _refuse(403, str(error), request)
        except MalformedPush as error:
            return _refuse(400, str(error), request)
        if not self._seen.first_time(message.dedup_key, now):
            log.info("WeChat push seen before (%s), not handled again", message.kind)
            return web.Response(text=SUCCESS)
        reply = await self._handle_in_order(message)
        if reply is None:
            return web.Response(text=SUCCESS)
        sealed = self._codec.seal(reply, message, int(self._wall()))
        return web.Response(text=sealed, content_type="application/xml")

    async def _handle_in_order(self, message: InboundMessage) -> TextReply | ImageReply | None:
        """The passive reply, if the handler gives one within the budget; else None, and the
        answer goes as a customer-service message when ready (still in the person's order)."""
        loop = asyncio.get_running_loop()
        passive: asyncio.Future[TextReply | ImageReply | None] = loop.create_future()

        def budget_spent() -> None:
            if not passive.done():
                passive.set_result(None)

        async def job() -> None:
            reply: Reply | None = None
            try:
                reply = await self._handler.handle(message)
            except Exception:
                log.exception("the WeChat handler failed on a %s message", message.kind)
            # Done: answered in time, or the budget ran out (or WeChat hung up) before.
            if isinstance(reply, TextReply | ImageReply) and not passive.done():
                passive.set_result(reply)
                return
            if not passive.done():
                passive.set_result(None)
            if reply is not None:
                await self._send_late(message, reply)

        # A timer rather than asyncio.wait_for: half the cost per push (see bench/wechat.py).
        timer = loop.call_later(self._config.reply_budget_seconds, budget_spent)
        self._order.submit(message.openid, job)
        try:
            return await passive
        finally:
            timer.cancel()

    async def _send_late(self, message: InboundMessage, reply: Reply) -> None:
        try:
            await self._replies.send_reply(message.openid, reply)
        except DeliveryError as error:
            log.warning("a late WeChat reply (%s) was not delivered: %s", message.kind, error)
        except Exception:
            log.exception("a late WeChat reply (%s) failed", message.kind)

    async def settled(self) -> None:
        """Every message received so far handled and its late answer sent (tests, benchmarks)."""
        await self._order.settled()

    async def close(self, grace: float = CLOSE_GRACE_SECONDS) -> None:
        """Finish the handlers running (up to `grace` seconds), then cancel the rest."""
        await self._order.close(grace)

"""The WeChat channel as one thing to start and stop: the API client, the custom menu, the
endpoint's HTTP server."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import aiohttp
from aiohttp import web

from bot.clock import Clock, SystemClock
from bot.config_wechat import WeChatConfig
from bot.outbox.errors import DeliveryError
from wechat_adapter.api import WeChatApi
from wechat_adapter.downloads import TakesDownloads, downloads_for
from wechat_adapter.endpoint import WeChatEndpoint
from wechat_adapter.messages import InboundHandler

log = logging.getLogger(__name__)

HandlerFactory = Callable[[WeChatApi], InboundHandler]


class WeChatChannel:
    def __init__(
        self,
        config: WeChatConfig,
        make_handler: HandlerFactory,
        clock: Clock | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._config = config
        self._make_handler = make_handler
        self._clock = clock or SystemClock()
        self._monotonic = monotonic
        # Files people download by a signed link (a certificate's PDF), served by the endpoint.
        self.downloads = downloads_for(config, self._clock)
        self._session: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None
        self._endpoint: WeChatEndpoint | None = None
        self.api: WeChatApi | None = None

    async def start(self) -> None:
        """Create the menu (a refusal is logged; the endpoint still starts), then listen."""
        timeout = aiohttp.ClientTimeout(total=self._config.request_timeout_seconds)
        self._session = aiohttp.ClientSession(timeout=timeout)
        api = self.api = WeChatApi(self._session, self._config, self._clock, self._monotonic)
        if self._config.menu:
            try:
                await api.create_menu(self._config.menu)
            except DeliveryError as error:
                log.error("the WeChat menu was not created: %s", error)
        handler = self._make_handler(api)
        if isinstance(handler, TakesDownloads):
            handler.take_downloads(self.downloads)
        self._endpoint = WeChatEndpoint(
            self._config,
            handler,
            api,
            lambda: self._clock.now().timestamp(),
            self.downloads,
        )
        self._runner = web.AppRunner(self._endpoint.application(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._config.host, self._config.port)
        await site.start()
        log.info("WeChat endpoint listening on %s%s", self._config.listen, self._config.path)

    @property
    def port(self) -> int:
        """The port bound (the configured one, or the one chosen for port 0)."""
        assert self._runner is not None
        return int(self._runner.addresses[0][1])

    async def settled(self) -> None:
        """Every message received so far handled and its late answer sent (tests, benchmarks)."""
        assert self._endpoint is not None
        await self._endpoint.settled()

    async def stop(self) -> None:
        """Stop listening, let running handlers finish (a few seconds at most), close."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._endpoint is not None:
            await self._endpoint.close()
            self._endpoint = None
        if self._session is not None:
            await self._session.close()
            self._session = None

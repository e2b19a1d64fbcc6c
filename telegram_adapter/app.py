"""Composition root: the only place in bot/ that knows Telegram. Opens the database in
post_init, builds the services, registers the handlers and closes everything in post_shutdown."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from telegram import Update
from telegram.error import InvalidToken
from telegram.ext import ApplicationBuilder, ContextTypes

from bot.clock import Clock, SystemClock
from bot.config import Config
from bot.domain.flood import FloodGuard
from bot.i18n import Catalogs
from bot.outbox.routing import PersonRouter
from bot.outbox.scheduler import SendScheduler
from bot.outbox.sender import OutboxSender
from bot.services import Services
from handlers.attendance import resume_code_rotations
from handlers.broadcast import refresh_progress
from storage.backup import AlreadyRunning, RunLock, lock_holder
from storage.db import Database, DatabaseTooNewError
from telegram_adapter.commands import publish_commands
from telegram_adapter.context import AppContext, AppType, BotData, Runtime
from telegram_adapter.jobs import (
    ATTENDANCE_TICK_SECONDS,
    BACKUP_TICK_SECONDS,
    HOUSEHOLDS_TICK_SECONDS,
    PURGE_SECONDS,
    REMINDER_TICK_SECONDS,
    RETENTION_SECONDS,
    WEEKLY_TICK_SECONDS,
    WISHES_TICK_SECONDS,
    attendance,
    dispatch_reminders,
    households,
    nightly_backup,
    purge_abandoned,
    retention,
    weekly_posts,
    wishes,
)
from telegram_adapter.processing import ChatOrderedUpdateProcessor
from telegram_adapter.routes import install
from telegram_adapter.transport import SchedulingRateLimiter, TelegramTransport
from wechat_adapter.api import WeChatApi
from wechat_adapter.channel import WeChatChannel
from wechat_adapter.conversation import conversation_factory
from wechat_adapter.conversation.notices import notice_option
from wechat_adapter.messages import InboundHandler
from wechat_adapter.transport import WeChatTransport

log = logging.getLogger(__name__)

# Builds the WeChat conversation (wechat_adapter/conversation) from the services and the API.
WeChatConversation = Callable[[Services, WeChatApi], InboundHandler]

# Opt in to python-telegram-bot's coming behaviour (RetryAfter.retry_after as a timedelta, which
# handlers/transport.py reads either way) instead of a deprecation warning on every 429.
os.environ.setdefault("PTB_TIMEDELTA", "1")


def build_application(
    config: Config,
    clock: Clock | None = None,
    monotonic: Callable[[], float] = time.monotonic,
    wechat_conversation: WeChatConversation | None = None,
) -> AppType:
    """The Application, ready for run_polling() or `running()`. With `wechat.enabled` and a
    WeChat conversation, the WeChat endpoint runs beside it (started last, stopped first)."""
    clock = clock or SystemClock()
    catalogs = Catalogs(config.org.zone)

    scheduler = SendScheduler(config.sending, monotonic)

    held: list[RunLock] = []  # the lock that tells `restore` this database is in use
    wechat: list[WeChatChannel] = []
    routers: list[PersonRouter] = []  # the outbox's, told when the WeChat channel starts

    async def post_init(application: AppType) -> None:
        lock = RunLock.take(config.storage.path)
        if lock is None:
            raise AlreadyRunning(config.storage.path, lock_holder(config.storage.path))
        held.append(lock)
        db = await Database.open(config.storage.path, config.storage.busy_timeout_ms)
        # Attached first: whatever fails below, post_shutdown still closes it (its threads are
        # not daemons and would keep the process alive).
        application.bot_data.database = db
        services = Services.build(db, config, clock, catalogs)
        await services.teams.seed(config.teams)
        flood = FloodGuard(
            config.flood.max_updates, config.flood.window_seconds, config.flood.mute_seconds
        )
        application.bot_data.attach(Runtime(config, services, catalogs, flood, monotonic, clock))
        # Each row goes through its person's channel: Telegram, or WeChat once it started.
        router = PersonRouter(TelegramTransport(application.bot), services.identities, clock)
        routers.append(router)
        sender = OutboxSender(
            db,
            router,
            scheduler,
            clock,
            config.sending,
            on_unreachable=services.chat_unreachable,
            on_moved=services.groups.moved,
            on_resumed=services.delivery.resumed,
            channel_of=router.channel_of,
        )
        services.outbox_signal.connect(sender.wake, sender.broadcast_stopped)
        sender.start()
        application.bot_data.sender = sender
        assert application.job_queue is not None
        application.job_queue.run_repeating(
            refresh_progress, interval=config.sending.progress_interval_seconds, first=1
        )
        application.job_queue.run_repeating(purge_abandoned, interval=PURGE_SECONDS, first=60)
        # Reminders due while the bot was down go out a second after start: a one-off run
        # (late rather than skipped if the job queue starts later), then the regular tick.
        application.job_queue.run_once(
            dispatch_reminders, when=1, job_kwargs={"misfire_grace_time": None}
        )
        application.job_queue.run_repeating(dispatch_reminders, interval=REMINDER_TICK_SECONDS)
        application.job_queue.run_repeating(attendance, interval=ATTENDANCE_TICK_SECONDS, first=5)
        application.job_queue.run_repeating(weekly_posts, interval=WEEKLY_TICK_SECONDS, first=10)
        application.job_queue.run_repeating(wishes, interval=WISHES_TICK_SECONDS, first=15)
        application.job_queue.run_repeating(households, interval=HOUSEHOLDS_TICK_SECONDS, first=20)
        application.job_queue.run_repeating(retention, interval=RETENTION_SECONDS, first=120)
        application.job_queue.run_repeating(
            nightly_backup, interval=BACKUP_TICK_SECONDS, first=BACKUP_TICK_SECONDS
        )
        resumed = await resume_code_rotations(application)
        if resumed:
            log.info("check-in code displays rotating again: %d", resumed)
        await publish_commands(application.bot, catalogs, config)
        if config.wechat.enabled:
            await start_wechat(services)
        log.info("bot @%s ready", application.bot.username)

    async def start_wechat(services: Services) -> None:
        if wechat_conversation is None:
            log.warning(
                "wechat.enabled is set, but the WeChat conversation is not built yet: "
                "the WeChat endpoint stays off"
            )
            return
        build = wechat_conversation
        channel = WeChatChannel(config.wechat, lambda api: build(services, api), clock, monotonic)
        wechat.append(channel)  # stopped at shutdown even if starting fails half-way
        await channel.start()
        assert channel.api is not None
        transport = WeChatTransport(
            channel.api, config.wechat.templates, channel.downloads, option_for=notice_option
        )
        for router in routers:
            router.attach_wechat(transport)

    async def stop_wechat() -> None:
        for router in routers:
            router.attach_wechat(None)
        while wechat:
            await wechat.pop().stop()

    async def post_stop(application: AppType) -> None:
        await stop_wechat()
        sender = application.bot_data.sender
        if sender is not None:
            await sender.stop()
            application.bot_data.sender = None

    async def post_shutdown(application: AppType) -> None:
        await stop_wechat()  # if post_init failed after starting it, post_stop never ran
        db = application.bot_data.database
        if db is not None:
            await db.close()
            application.bot_data.database = None
        while held:
            held.pop().release()

    application: AppType = (
        ApplicationBuilder()
        .token(config.telegram.token.get_secret_value())
        .base_url(config.telegram.base_url)
        .base_file_url(config.telegram.base_file_url)
        .context_types(ContextTypes(context=AppContext, bot_data=BotData))
        .concurrent_updates(ChatOrderedUpdateProcessor(config.telegram.concurrent_updates))
        .rate_limiter(SchedulingRateLimiter(scheduler))
        .connection_pool_size(config.telegram.concurrent_updates + config.sending.in_flight)
        # Waiting for a free connection is normal under load, not an error worth failing on.
        .pool_timeout(30)
        .post_init(post_init)
        .post_stop(post_stop)
        .post_shutdown(post_shutdown)
        .build()
    )
    install(application)
    return application


@asynccontextmanager
async def running(application: AppType, poll_timeout: int = 1) -> AsyncIterator[AppType]:
    """Run the application inside the current event loop (tests and benchmarks), the way
    run_polling does: initialize, post_init, poll, start; then the reverse."""
    await application.initialize()
    try:
        if application.post_init is not None:
            await application.post_init(application)
        assert application.updater is not None
        await application.updater.start_polling(
            poll_interval=0, timeout=poll_timeout, allowed_updates=Update.ALL_TYPES
        )
        await application.start()
        try:
            yield application
        finally:
            await application.updater.stop()
            await application.stop()
            if application.post_stop is not None:
                await application.post_stop(application)
    finally:
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)


def run_polling(config: Config) -> int:
    """Serve until SIGINT or SIGTERM, then shut down cleanly (database closed last).
    Returns the exit status; failures are logged (token masked), never printed raw."""
    application = build_application(config, wechat_conversation=conversation_factory(config))
    try:
        application.run_polling(
            poll_interval=0,
            timeout=config.telegram.poll_timeout,
            allowed_updates=Update.ALL_TYPES,
        )
    except InvalidToken:
        log.error("Telegram rejected the bot token; check it with @BotFather")
        return 2
    except (DatabaseTooNewError, AlreadyRunning) as error:
        log.error("%s", error)
        return 2
    except Exception:
        log.exception("the bot stopped on an error")
        return 1
    return 0

"""Runs before every handler: drops replayed updates and people flooding the bot."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.domain.flood import Verdict
from handlers.context import AppContext

log = logging.getLogger(__name__)


async def guard(update: Update, context: AppContext) -> None:
    """Stops a replayed update, and an update from someone over the flood limit."""
    runtime = context.runtime
    if not runtime.recent_updates.add(update.update_id):
        log.info("dropped replayed update %s", update.update_id)
        raise ApplicationHandlerStop
    user = update.effective_user
    if user is None:
        return
    now = runtime.monotonic()
    verdict = runtime.flood.check(user.id, now)
    if verdict is Verdict.ALLOW:
        return
    if verdict is Verdict.BLOCK_AND_NOTIFY:
        log.warning("user %s is flooding; ignored for %ss", user.id, runtime.flood.mute)
        runtime.flood.forget_idle(now)
        language = await runtime.services.accounts.language_of(user.id)
        text = runtime.catalogs.translator(language)(
            "flood.notice", seconds=int(runtime.flood.mute)
        )
        try:
            await context.bot.send_message(user.id, text)
        except TelegramError as error:
            log.info("could not send the flood notice to %s: %s", user.id, error)
    raise ApplicationHandlerStop

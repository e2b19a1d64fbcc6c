"""The one error handler: log with context, apologise to the person, reveal nothing."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest, TelegramError

from telegram_adapter.context import AppContext

log = logging.getLogger(__name__)


async def on_error(update: object, context: AppContext) -> None:
    """Logs the failure with the update's ids and tells the person something went wrong."""
    if not isinstance(update, Update):
        log.error("error outside an update", exc_info=context.error)
        return
    if isinstance(context.error, BadRequest) and "not modified" in context.error.message:
        # A repeated press re-rendered the same keyboard or text: nothing went wrong.
        log.debug("update %s: message not modified", update.update_id)
        return
    chat, user = update.effective_chat, update.effective_user
    log.error(
        "update %s failed (chat %s, user %s)",
        update.update_id,
        chat.id if chat else None,
        user.id if user else None,
        exc_info=context.error,
    )
    if chat is None:
        return
    runtime = context.runtime
    language = await runtime.services.accounts.language_of(user.id) if user else None
    t = runtime.catalogs.translator(language or runtime.config.org.default_language)
    if update.callback_query is not None:
        try:
            await update.callback_query.answer()
        except TelegramError:
            log.debug("the callback query of update %s was already answered", update.update_id)
    try:
        await context.bot.send_message(chat.id, t("error.generic"))
    except TelegramError as error:
        log.warning("could not tell chat %s about the failure: %s", chat.id, error)

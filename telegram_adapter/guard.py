"""Runs before every handler: drops replayed updates and people flooding the bot."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.buttons import GROUP_KINDS
from bot.domain.flood import Verdict
from telegram_adapter.context import AppContext

log = logging.getLogger(__name__)


# Buttons that belong in group chats; every other button renders personal data or dialogues
# and is only honoured in a private chat (a forged one pressed in a group is refused).
GROUP_BUTTONS = tuple(kind.prefix for kind in GROUP_KINDS)


def _button_out_of_place(update: Update) -> bool:
    query = update.callback_query
    if query is None:
        return False
    chat = update.effective_chat
    private = chat is not None and chat.type == chat.PRIVATE
    return not private and not (query.data or "").startswith(GROUP_BUTTONS)


async def guard(update: Update, context: AppContext) -> None:
    """Stops a replayed update, and an update from someone over the flood limit."""
    runtime = context.runtime
    if not runtime.recent_updates.add(update.update_id):
        log.info("dropped replayed update %s", update.update_id)
        raise ApplicationHandlerStop
    if _button_out_of_place(update):
        assert update.callback_query is not None
        language = await runtime.services.accounts.language_of(update.callback_query.from_user.id)
        await update.callback_query.answer(runtime.catalogs.translator(language)("button.expired"))
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

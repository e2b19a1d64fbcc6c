"""/settings: reminders on or off."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot.domain.errors import DomainError
from handlers.common import Turn, answer_expired, buttons, reply, reply_error, turn_of
from handlers.context import AppContext
from handlers.privacy import require_private

MUTE = "x:m:"


async def _render(turn: Turn) -> tuple[str, InlineKeyboardMarkup]:
    muted = await turn.services.reminders.muted(turn.user_id)
    state = turn.t("settings.off" if muted else "settings.on")
    button = (turn.t("button.unmute"), f"{MUTE}0") if muted else (turn.t("button.mute"), f"{MUTE}1")
    return turn.t("settings.text", reminders=state), buttons([[button]])


async def settings_command(update: Update, context: AppContext) -> None:
    """Shows the person's settings with a button to change each."""
    turn = await turn_of(update, context)
    if not await require_private(context, turn):
        return
    try:
        text, markup = await _render(turn)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await reply(context, turn, text, markup)


async def on_mute(update: Update, context: AppContext) -> None:
    """Turns reminders off (1) or on (0)."""
    turn = await turn_of(update, context)
    assert turn.query is not None and turn.query.data is not None
    choice = turn.query.data.removeprefix(MUTE)
    if choice not in ("0", "1"):
        await answer_expired(turn)
        return
    try:
        await turn.services.reminders.set_muted(turn.user_id, choice == "1")
        text, markup = await _render(turn)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await turn.query.answer()
    await turn.query.edit_message_text(text, reply_markup=markup)

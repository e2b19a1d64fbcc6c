"""/settings: reminders on or off; anonymity on leaderboards and group posts."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot.domain.errors import DomainError
from handlers.common import Turn, answer_expired, buttons, reply, reply_error, turn_of
from handlers.privacy import require_private
from telegram_adapter.context import AppContext

MUTE = "x:m:"
ANONYMOUS = "x:a:"


async def _render(turn: Turn) -> tuple[str, InlineKeyboardMarkup]:
    muted = await turn.services.reminders.muted(turn.user_id)
    anonymous = await turn.services.records.anonymous(turn.user_id)
    state = turn.t("settings.off" if muted else "settings.on")
    shown = turn.t("settings.anonymous" if anonymous else "settings.named")
    button = (turn.t("button.unmute"), f"{MUTE}0") if muted else (turn.t("button.mute"), f"{MUTE}1")
    privacy = (
        (turn.t("button.show_name"), f"{ANONYMOUS}0")
        if anonymous
        else (turn.t("button.hide_name"), f"{ANONYMOUS}1")
    )
    return turn.t("settings.text", reminders=state, shown=shown), buttons([[button], [privacy]])


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
    """Turns reminders off (1) or on (0); or, for `x:a:`, anonymity on (1) or off (0)."""
    turn = await turn_of(update, context)
    assert turn.query is not None and turn.query.data is not None
    prefix = ANONYMOUS if turn.query.data.startswith(ANONYMOUS) else MUTE
    choice = turn.query.data.removeprefix(prefix)
    if choice not in ("0", "1"):
        await answer_expired(turn)
        return
    try:
        if prefix == MUTE:
            await turn.services.reminders.set_muted(turn.user_id, choice == "1")
        else:
            await turn.services.records.set_anonymous(turn.user_id, choice == "1")
        text, markup = await _render(turn)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await turn.query.answer()
    await turn.query.edit_message_text(text, reply_markup=markup)

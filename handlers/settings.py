"""/settings: reminders on or off; anonymity on leaderboards and group posts."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot.buttons import SettingsAnonymous, SettingsMute
from bot.domain.errors import DomainError
from bot.views.settings import settings_text
from handlers.common import (
    Choice,
    Turn,
    answer_expired,
    buttons,
    pressed,
    reply,
    reply_error,
    turn_of,
)
from handlers.privacy import require_private
from telegram_adapter.context import AppContext


async def _render(turn: Turn) -> tuple[str, InlineKeyboardMarkup]:
    muted = await turn.services.reminders.muted(turn.user_id)
    anonymous = await turn.services.records.anonymous(turn.user_id)
    button: Choice = (turn.t("button.unmute" if muted else "button.mute"), SettingsMute(not muted))
    privacy: Choice = (
        turn.t("button.show_name" if anonymous else "button.hide_name"),
        SettingsAnonymous(not anonymous),
    )
    return settings_text(turn.t, muted, anonymous), buttons([[button], [privacy]])


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
    """Turns reminders off or on; or anonymity on or off (as the button says)."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    mute, anonymous = pressed(turn, SettingsMute), pressed(turn, SettingsAnonymous)
    if mute is None and anonymous is None:
        await answer_expired(turn)
        return
    try:
        if mute is not None:
            await turn.services.reminders.set_muted(turn.user_id, mute.muted)
        elif anonymous is not None:
            await turn.services.records.set_anonymous(turn.user_id, anonymous.anonymous)
        text, markup = await _render(turn)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await turn.query.answer()
    await turn.query.edit_message_text(text, reply_markup=markup)

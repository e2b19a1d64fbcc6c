"""A claimed wish delivered: the claimer reports it (photo, required → note → minutes, the
default one press away), and a lead of the team (or an admin) confirms it, crediting the
minutes as service hours, or sends it back with a reason."""

from __future__ import annotations

from telegram import Message, Update

from bot.buttons import WishConfirm, WishDeliver, WishMinutes, WishSendBack
from bot.domain.dialogues import Dialogue, WishDeliveryData, WishSendBackData, entered
from bot.domain.errors import DomainError
from bot.domain.hours import parse_minutes, parse_reason
from bot.domain.wishes import NotClaimer, PhotoNeeded, UnknownWish, WishPastDeadline, parse_note
from handlers.common import (
    Choice,
    Turn,
    amount_text,
    answer_expired,
    buttons,
    pressed,
    reply,
    reply_error,
    turn_of,
)
from handlers.dialogue import pressed_at, text_step
from telegram_adapter.context import AppContext

# Refusals no retyping can help with: the report ends.
_DELIVERY_ENDS = (NotClaimer, UnknownWish, WishPastDeadline)


async def on_deliver(update: Update, context: AppContext) -> None:
    """Begins the claimer's delivery report: the photo first."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    press = pressed(turn, WishDeliver)
    if press is None:
        await answer_expired(turn)
        return
    try:
        wish = await turn.services.wishes.deliverable(await turn.actor(), press.wish)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await turn.query.answer()
    await turn.services.dialogues.begin(turn.user_id, WishDeliveryData(wish_id=wish.id), "photo")
    await reply(context, turn, turn.t("wish.ask_delivery_photo", title=wish.title))


@text_step(WishDeliveryData, "photo", photo=True, ends_on=_DELIVERY_ENDS)
async def delivery_photo_step(
    context: AppContext, turn: Turn, dialogue: Dialogue[WishDeliveryData], message: Message
) -> None:
    if not message.photo:
        raise PhotoNeeded()
    await turn.services.wishes.deliverable(await turn.actor(), dialogue.data.wish_id)
    dialogue.data.photo = message.photo[-1].file_id
    dialogue.step = "note"
    await turn.services.dialogues.save(turn.user_id, dialogue)
    await reply(context, turn, turn.t("wish.ask_delivery_note"))


@text_step(WishDeliveryData, "note", ends_on=_DELIVERY_ENDS)
async def delivery_note_step(
    context: AppContext, turn: Turn, dialogue: Dialogue[WishDeliveryData], message: Message
) -> None:
    dialogue.data.note = parse_note(message.text or "")
    dialogue.step = "minutes"
    await turn.services.dialogues.save(turn.user_id, dialogue)
    config = turn.services.wishes.config
    default = config.default_minutes
    rows: list[list[Choice]] = [
        [(turn.t("button.wish_minutes", amount=amount_text(turn, default)), WishMinutes(default))]
    ]
    text = turn.t(
        "wish.ask_minutes",
        default=amount_text(turn, default),
        max=amount_text(turn, config.max_minutes),
    )
    await reply(context, turn, text, buttons(rows))


async def _deliver(
    context: AppContext, turn: Turn, dialogue: Dialogue[WishDeliveryData], minutes: int
) -> None:
    data = dialogue.data
    wish = await turn.services.wishes.deliver(
        await turn.actor(), data.wish_id, entered(data.photo), entered(data.note), minutes
    )
    await turn.services.dialogues.end(turn.user_id)
    await reply(
        context,
        turn,
        turn.t("wish.delivered", title=wish.title, amount=amount_text(turn, minutes)),
    )


@text_step(WishDeliveryData, "minutes", ends_on=_DELIVERY_ENDS)
async def delivery_minutes_step(
    context: AppContext, turn: Turn, dialogue: Dialogue[WishDeliveryData], message: Message
) -> None:
    wishes = turn.services.wishes
    minutes = wishes.minutes_allowed(parse_minutes(message.text or "", wishes.config.max_minutes))
    await _deliver(context, turn, dialogue, minutes)


async def on_minutes(update: Update, context: AppContext) -> None:
    """Takes the default minutes with one press and sends the report."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    press = pressed(turn, WishMinutes)
    if press is None or press.minutes != turn.services.wishes.config.default_minutes:
        await answer_expired(turn)
        return
    dialogue = await pressed_at(context, turn, WishDeliveryData, "minutes")
    if dialogue is None:
        return
    await turn.query.answer()
    await turn.query.edit_message_reply_markup(None)
    try:
        await _deliver(context, turn, dialogue, press.minutes)
    except DomainError as error:
        if isinstance(error, _DELIVERY_ENDS):
            await turn.services.dialogues.end(turn.user_id)
        await reply_error(context, turn, error)


# ---------------------------------------------------------------- the lead's word


async def on_confirm(update: Update, context: AppContext) -> None:
    """Confirms the delivery: the claimer's minutes are credited as service hours."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    press = pressed(turn, WishConfirm)
    if press is None:
        await answer_expired(turn)
        return
    try:
        record = await turn.services.wishes.confirm(await turn.actor(), press.wish)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await turn.query.answer()
    await turn.query.edit_message_reply_markup(None)
    await reply(
        context,
        turn,
        turn.t(
            "wish.confirmed",
            title=record.title,
            amount=amount_text(turn, record.minutes),
            state=turn.t(f"record.state.{record.state.value}"),
        ),
    )


async def on_send_back(update: Update, context: AppContext) -> None:
    """Asks the lead why the delivery goes back to its claimer."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    press = pressed(turn, WishSendBack)
    if press is None:
        await answer_expired(turn)
        return
    try:
        wish = await turn.services.wishes.decidable(await turn.actor(), press.wish)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await turn.query.answer()
    await turn.services.dialogues.begin(turn.user_id, WishSendBackData(wish_id=wish.id), "reason")
    await reply(context, turn, turn.t("wish.ask_send_back_reason", title=wish.title))


@text_step(WishSendBackData, "reason", ends_on=(UnknownWish,))
async def send_back_reason_step(
    context: AppContext, turn: Turn, dialogue: Dialogue[WishSendBackData], message: Message
) -> None:
    reason = parse_reason(message.text or "")
    try:
        wish = await turn.services.wishes.send_back(
            await turn.actor(), dialogue.data.wish_id, reason
        )
    except DomainError:
        await turn.services.dialogues.end(turn.user_id)
        raise
    await turn.services.dialogues.end(turn.user_id)
    await reply(context, turn, turn.t("wish.sent_back", title=wish.title))

"""Acting on one record: a volunteer disputes it; a lead or admin adjusts, rejects or approves
it after review."""

from __future__ import annotations

from collections.abc import Callable

from telegram import (
    Message,
    Update,
)

from bot.buttons import RecordAdjust, RecordApproveReview, RecordDispute, RecordReject
from bot.domain.dialogues import Dialogue, RecordActionData, entered
from bot.domain.errors import (
    DomainError,
    NotAdmin,
    NotDisputable,
    NotDisputed,
    NotLeadOrAdmin,
    NotTeamLead,
    OwnHours,
    RecordNotOpen,
    UnknownRecord,
)
from bot.domain.hours import parse_minutes
from handlers.common import (
    Turn,
    answer_expired,
    hours_text,
    reply,
    reply_error,
)
from handlers.dialogue import text_step
from handlers.records import RecordButton, pressed_record
from telegram_adapter.context import AppContext

# Refusals that no retyping can cure: the dialogue about the record ends with them.
FINAL: tuple[type[DomainError], ...] = (
    NotDisputable,
    NotDisputed,
    RecordNotOpen,
    UnknownRecord,
    OwnHours,
    NotTeamLead,
    NotLeadOrAdmin,
    NotAdmin,
)


async def _begin_step(
    update: Update,
    context: AppContext,
    kind: Callable[[str | None], RecordButton | None],
    step: str,
    prompt: str,
    manage: bool = True,
) -> None:
    """Checks the presser may see the record, then asks for the typed part of the action
    (the service checks again when it is done)."""
    turn, record_id = await pressed_record(update, context, kind)
    if not record_id:
        await answer_expired(turn)
        return
    actor, records = await turn.actor(), turn.services.records
    try:
        view = await (records.record_to_decide if manage else records.record_view)(actor, record_id)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    assert turn.query is not None
    await turn.query.answer()
    await turn.services.dialogues.begin(turn.user_id, RecordActionData(record_id=record_id), step)
    limit = view.record.scheduled_minutes or 24 * 60
    await reply(
        context,
        turn,
        turn.t(prompt, title=view.record.title, max=hours_text(turn, limit)),
    )


async def on_dispute(update: Update, context: AppContext) -> None:
    await _begin_step(
        update, context, RecordDispute.parse, "dispute", "record.ask_dispute", manage=False
    )


async def on_adjust(update: Update, context: AppContext) -> None:
    await _begin_step(update, context, RecordAdjust.parse, "minutes", "record.ask_minutes")


async def on_reject(update: Update, context: AppContext) -> None:
    await _begin_step(update, context, RecordReject.parse, "reject", "record.ask_reject_reason")


async def on_approve_review(update: Update, context: AppContext) -> None:
    turn, record_id = await pressed_record(update, context, RecordApproveReview.parse)
    if not record_id:
        await answer_expired(turn)
        return
    try:
        record = await turn.services.records.approve_review(await turn.actor(), record_id)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    assert turn.query is not None
    await turn.query.answer()
    text = turn.t("record.approved", title=record.title, hours=hours_text(turn, record.minutes))
    await reply(context, turn, text)


@text_step(RecordActionData, "dispute", ends_on=FINAL)
async def dispute_text(
    context: AppContext, turn: Turn, dialogue: Dialogue[RecordActionData], message: Message
) -> None:
    record = await turn.services.records.dispute(
        turn.user_id, dialogue.data.record_id, message.text or ""
    )
    await turn.services.dialogues.end(turn.user_id)
    await reply(context, turn, turn.t("record.disputed", title=record.title))


@text_step(RecordActionData, "minutes", ends_on=FINAL)
async def adjust_minutes(
    context: AppContext, turn: Turn, dialogue: Dialogue[RecordActionData], message: Message
) -> None:
    view = await turn.services.records.record_view(await turn.actor(), dialogue.data.record_id)
    limit = view.record.scheduled_minutes or 24 * 60
    dialogue.data.minutes = parse_minutes(message.text or "", limit)
    dialogue.step = "reason"
    await turn.services.dialogues.save(turn.user_id, dialogue)
    await reply(context, turn, turn.t("record.ask_reason"))


@text_step(RecordActionData, "reason", ends_on=FINAL)
async def adjust_reason(
    context: AppContext, turn: Turn, dialogue: Dialogue[RecordActionData], message: Message
) -> None:
    record = await turn.services.records.set_minutes(
        await turn.actor(),
        dialogue.data.record_id,
        entered(dialogue.data.minutes),
        message.text or "",
    )
    await turn.services.dialogues.end(turn.user_id)
    await reply(
        context,
        turn,
        turn.t("record.saved", title=record.title, hours=hours_text(turn, record.minutes)),
    )


@text_step(RecordActionData, "reject", ends_on=FINAL)
async def reject_reason(
    context: AppContext, turn: Turn, dialogue: Dialogue[RecordActionData], message: Message
) -> None:
    record = await turn.services.records.resolve(
        await turn.actor(), dialogue.data.record_id, None, message.text or ""
    )
    await turn.services.dialogues.end(turn.user_id)
    await reply(
        context,
        turn,
        turn.t("record.saved", title=record.title, hours=hours_text(turn, record.minutes)),
    )

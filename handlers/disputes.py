"""Acting on one record: a volunteer disputes it; a lead or admin adjusts, rejects or approves
it after review."""

from __future__ import annotations

from telegram import (
    Message,
    Update,
)

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
from bot.domain.models import Dialogue
from handlers.common import (
    Turn,
    answer_expired,
    hours_text,
    reply,
    reply_error,
)
from handlers.dialogue import text_step
from handlers.records import ADJUST, APPROVE_REVIEW, DISPUTE, REJECT, pressed_record
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
    update: Update, context: AppContext, prefix: str, step: str, prompt: str, manage: bool = True
) -> None:
    """Checks the presser may see the record, then asks for the typed part of the action
    (the service checks again when it is done)."""
    turn, record_id = await pressed_record(update, context, prefix)
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
    await turn.services.dialogues.begin(turn.user_id, "record", step, record=record_id)
    limit = view.record.scheduled_minutes or 24 * 60
    await reply(
        context,
        turn,
        turn.t(prompt, title=view.record.title, max=hours_text(turn, limit)),
    )


async def on_dispute(update: Update, context: AppContext) -> None:
    await _begin_step(update, context, DISPUTE, "dispute", "record.ask_dispute", manage=False)


async def on_adjust(update: Update, context: AppContext) -> None:
    await _begin_step(update, context, ADJUST, "minutes", "record.ask_minutes")


async def on_reject(update: Update, context: AppContext) -> None:
    await _begin_step(update, context, REJECT, "reject", "record.ask_reject_reason")


async def on_approve_review(update: Update, context: AppContext) -> None:
    turn, record_id = await pressed_record(update, context, APPROVE_REVIEW)
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


@text_step("record", "dispute", ends_on=FINAL)
async def dispute_text(
    context: AppContext, turn: Turn, dialogue: Dialogue, message: Message
) -> None:
    record = await turn.services.records.dispute(
        turn.user_id, int(dialogue.data["record"]), message.text or ""
    )
    await turn.services.dialogues.end(turn.user_id)
    await reply(context, turn, turn.t("record.disputed", title=record.title))


@text_step("record", "minutes", ends_on=FINAL)
async def adjust_minutes(
    context: AppContext, turn: Turn, dialogue: Dialogue, message: Message
) -> None:
    view = await turn.services.records.record_view(await turn.actor(), int(dialogue.data["record"]))
    limit = view.record.scheduled_minutes or 24 * 60
    dialogue.data["minutes"] = parse_minutes(message.text or "", limit)
    dialogue.step = "reason"
    await turn.services.dialogues.save(turn.user_id, dialogue)
    await reply(context, turn, turn.t("record.ask_reason"))


@text_step("record", "reason", ends_on=FINAL)
async def adjust_reason(
    context: AppContext, turn: Turn, dialogue: Dialogue, message: Message
) -> None:
    record = await turn.services.records.set_minutes(
        await turn.actor(),
        int(dialogue.data["record"]),
        int(dialogue.data["minutes"]),
        message.text or "",
    )
    await turn.services.dialogues.end(turn.user_id)
    await reply(
        context,
        turn,
        turn.t("record.saved", title=record.title, hours=hours_text(turn, record.minutes)),
    )


@text_step("record", "reject", ends_on=FINAL)
async def reject_reason(
    context: AppContext, turn: Turn, dialogue: Dialogue, message: Message
) -> None:
    record = await turn.services.records.resolve(
        await turn.actor(), int(dialogue.data["record"]), None, message.text or ""
    )
    await turn.services.dialogues.end(turn.user_id)
    await reply(
        context,
        turn,
        turn.t("record.saved", title=record.title, hours=hours_text(turn, record.minutes)),
    )

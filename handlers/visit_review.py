"""The lead's side of household visits: the visits waiting (the oldest first), one opened with
its photo and details, approved, or not credited with a reason the volunteer reads; or every
visit made from a live location at its household approved at once."""

from __future__ import annotations

import logging

from telegram import Message, Update
from telegram.error import BadRequest

from bot.buttons import (
    RecordOpen,
    VisitApprove,
    VisitOpen,
    VisitReject,
    VisitsApproveLocated,
    VisitsPending,
)
from bot.domain.dialogues import Dialogue, VisitRejectData
from bot.domain.errors import DomainError, NotTeamLead, OwnHours, RecordNotOpen
from bot.domain.hours import RecordState
from bot.domain.households import NotAVisit
from bot.services.visits import VisitView
from handlers.common import (
    Choice,
    Turn,
    answer_expired,
    buttons,
    hours_text,
    pressed,
    reply,
    reply_error,
    turn_of,
)
from handlers.dialogue import text_step
from handlers.households import need_names
from telegram_adapter.context import AppContext

log = logging.getLogger(__name__)


async def on_pending(update: Update, context: AppContext) -> None:
    """The visits waiting for the presser's decision, the oldest first."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    try:
        waiting = await turn.services.visits.pending(await turn.actor())
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await turn.query.answer()
    if not waiting:
        await reply(context, turn, turn.t("visit.none_pending"))
        return
    lines = [turn.t("visit.pending_header", count=len(waiting))]
    rows: list[list[Choice]] = []
    for n, item in enumerate(waiting, start=1):
        where = (
            turn.t("visit.where_located", distance=round(item.visit.distance_m))
            if item.visit.distance_m is not None
            else turn.t("visit.where_unlocated")
        )
        lines.append(
            turn.t(
                "visit.pending_line",
                n=n,
                code=item.code,
                name=item.volunteer_name,
                day=turn.t.day(item.visit.served_on),
                hours=hours_text(turn, item.minutes),
                where=where,
            )
        )
        rows.append(
            [(f"{n}. {item.code} · {item.volunteer_name}"[:60], VisitOpen(item.visit.record_id))]
        )
    if any(item.visit.distance_m is not None for item in waiting):
        rows.append([(turn.t("button.approve_located"), VisitsApproveLocated())])
    await reply(context, turn, "\n".join(lines), buttons(rows))


def view_text(turn: Turn, view: VisitView) -> str:
    """A visit as its team's leads and admins see it."""
    visit = view.visit
    if visit.distance_m is not None:
        where = turn.t("visit.where_located", distance=round(visit.distance_m))
    else:
        where = turn.t("visit.where_unlocated")
    return turn.t(
        "visit.view",
        code=view.household.code,
        community=view.household.community,
        name=view.volunteer_name,
        day=turn.t.day(visit.served_on),
        at=turn.t.datetime(visit.visited_at),
        hours=hours_text(turn, view.record.minutes),
        where=where,
        done=need_names(turn, visit.done),
        note=visit.note or "—",
        state=turn.t(f"record.state.{view.record.state.value}"),
    )


async def on_open(update: Update, context: AppContext) -> None:
    """One visit, with its photo, and the lead's choices while it waits."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    press = pressed(turn, VisitOpen)
    if press is None:
        await answer_expired(turn)
        return
    try:
        view = await turn.services.visits.view(await turn.actor(), press.record)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await turn.query.answer()
    rows: list[list[Choice]] = []
    if view.record.state is RecordState.PENDING:
        rows.append(
            [
                (turn.t("button.approve_visit"), VisitApprove(view.record.id)),
                (turn.t("button.reject_visit"), VisitReject(view.record.id)),
            ]
        )
    rows.append([(turn.t("button.open_record"), RecordOpen(view.record.id))])
    text = view_text(turn, view)
    if view.visit.photo_file_id is not None:
        try:
            await context.bot.send_photo(
                turn.chat_id,
                view.visit.photo_file_id,
                caption=text[:1024],
                reply_markup=buttons(rows),
            )
            return
        except BadRequest as error:  # a photo Telegram no longer knows: the details as text
            log.warning("a visit photo could not be sent: %s", error.message)
    await reply(context, turn, text, buttons(rows))


async def on_approve(update: Update, context: AppContext) -> None:
    turn = await turn_of(update, context)
    assert turn.query is not None
    press = pressed(turn, VisitApprove)
    if press is None:
        await answer_expired(turn)
        return
    try:
        record = await turn.services.visits.approve(await turn.actor(), press.record)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await turn.query.answer()
    key = "visit.approved_review" if record.state is RecordState.REVIEW else "visit.approved"
    await reply(
        context, turn, turn.t(key, title=record.title, hours=hours_text(turn, record.minutes))
    )


async def on_approve_located(update: Update, context: AppContext) -> None:
    """Approves every waiting visit made from a live location at its household."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    try:
        result = await turn.services.visits.approve_located(await turn.actor())
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await turn.query.answer()
    await reply(
        context,
        turn,
        turn.t(
            "visit.approved_located",
            approved=result.approved,
            review=result.in_review,
            left=result.left,
        ),
        buttons([[(turn.t("button.visits_pending"), VisitsPending())]]) if result.left else None,
    )


async def on_reject(update: Update, context: AppContext) -> None:
    """Asks the lead why the visit is not credited (the volunteer will read it)."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    press = pressed(turn, VisitReject)
    if press is None:
        await answer_expired(turn)
        return
    try:
        await turn.services.visits.check_rejectable(await turn.actor(), press.record)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await turn.query.answer()
    await turn.services.dialogues.begin(
        turn.user_id, VisitRejectData(record_id=press.record), "reason"
    )
    await reply(context, turn, turn.t("visit.ask_reject_reason"))


@text_step(VisitRejectData, "reason", ends_on=(RecordNotOpen, NotTeamLead, OwnHours, NotAVisit))
async def reject_reason(
    context: AppContext, turn: Turn, dialogue: Dialogue[VisitRejectData], message: Message
) -> None:
    record = await turn.services.visits.reject(
        await turn.actor(), dialogue.data.record_id, message.text or ""
    )
    await turn.services.dialogues.end(turn.user_id)
    await reply(context, turn, turn.t("visit.rejected_done", title=record.title))

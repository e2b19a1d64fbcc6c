"""Visits to households. A volunteer logs one from /households: their live location at the
household (when it has a pin), the minutes, what was done (needs ticked and a few words), an
optional photo. The team's lead sees the visits waiting, opens one (with its photo), approves
it or gives the reason it is not credited; or approves at once every visit made from a live
location at its household."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardMarkup, Message, Update

from bot.buttons import (
    RecordOpen,
    VisitApprove,
    VisitDone,
    VisitNext,
    VisitOpen,
    VisitReject,
    VisitsApproveLocated,
    VisitsPending,
    VisitStart,
)
from bot.domain.dialogues import Dialogue, VisitData, VisitRejectData, entered
from bot.domain.errors import (
    DayOverfull,
    DomainError,
    NotAVisit,
    NotPaired,
    NotTeamLead,
    OwnHours,
    RecordNotOpen,
    VisitAlreadyLogged,
    VisitLiveLocationNeeded,
    VisitTooFar,
)
from bot.domain.hours import RecordState, parse_minutes
from bot.domain.households import Household
from bot.services.visits import NO_LOCATION, VisitView
from handlers.checkin import _sent_from_own_device
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
from handlers.dialogue import pressed_at, text_step
from handlers.households import need_names
from telegram_adapter.context import AppContext

# ---------------------------------------------------------------- a volunteer logs a visit


async def on_start(update: Update, context: AppContext) -> None:
    """Starts logging a visit to one of the presser's households: the live location first if
    it has a pin, else the minutes."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    press = pressed(turn, VisitStart)
    if press is None:
        await answer_expired(turn)
        return
    try:
        household = await turn.services.visits.start(turn.user_id, press.household)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await turn.query.answer()
    data = VisitData(household_id=household.id)
    if household.has_pin:
        await turn.services.dialogues.begin(turn.user_id, data, "location")
        radius = turn.services.visits.radius(household)
        await reply(context, turn, turn.t("visit.ask_location", code=household.code, radius=radius))
        return
    await turn.services.dialogues.begin(turn.user_id, data, "minutes")
    await _ask_minutes(context, turn, turn.t("visit.no_pin", code=household.code))


async def _ask_minutes(context: AppContext, turn: Turn, before: str) -> None:
    """`before` (what the step before found), then the question, in one message."""
    most = turn.services.households.config.max_visit_minutes
    question = turn.t("visit.ask_minutes", max=hours_text(turn, most))
    await reply(context, turn, f"{before}\n\n{question}")


async def _household(turn: Turn, dialogue: Dialogue[VisitData]) -> Household:
    return await turn.services.households.paired_household(turn.user_id, dialogue.data.household_id)


@text_step(VisitData, "location", location=True, ends_on=(VisitAlreadyLogged, NotPaired))
async def visit_location(
    context: AppContext, turn: Turn, dialogue: Dialogue[VisitData], message: Message
) -> None:
    if message.location is None:
        household = await _household(turn, dialogue)
        radius = turn.services.visits.radius(household)
        await reply(context, turn, turn.t("visit.ask_location", code=household.code, radius=radius))
        return
    if not _sent_from_own_device(message):
        await reply(context, turn, turn.t("checkin.not_forwarded"))
        return
    household = await _household(turn, dialogue)
    location = message.location
    distance = turn.services.visits.check_location(
        household, location.latitude, location.longitude, live=bool(location.live_period)
    )
    dialogue.data.latitude, dialogue.data.longitude = location.latitude, location.longitude
    dialogue.step = "minutes"
    await turn.services.dialogues.save(turn.user_id, dialogue)
    await _ask_minutes(context, turn, turn.t("visit.located", distance=round(distance or 0)))


def _done_keyboard(turn: Turn, household: Household, ticked: Sequence[str]) -> InlineKeyboardMarkup:
    """The household's needs (all the configured ones if it has none) to tick, and the button
    for no note."""
    config = turn.services.households.config
    offered = household.needs or config.need_keys
    rows: list[list[Choice]] = []
    for need in config.needs:
        if need.key not in offered:
            continue
        name = need.name_zh if turn.t.language == "zh" else need.name_en
        rows.append([(f"{'✅' if need.key in ticked else '⬜'} {name}", VisitDone(need.key))])
    rows.append([(turn.t("button.no_visit_note"), VisitNext())])
    return buttons(rows)


@text_step(VisitData, "minutes", ends_on=(NotPaired,))
async def visit_minutes(
    context: AppContext, turn: Turn, dialogue: Dialogue[VisitData], message: Message
) -> None:
    most = turn.services.households.config.max_visit_minutes
    minutes = turn.services.visits.check_minutes(parse_minutes(message.text or "", most))
    household = await _household(turn, dialogue)
    dialogue.data.minutes = minutes
    dialogue.step = "done"
    await turn.services.dialogues.save(turn.user_id, dialogue)
    await reply(
        context, turn, turn.t("visit.ask_done"), _done_keyboard(turn, household, dialogue.data.done)
    )


async def on_done(update: Update, context: AppContext) -> None:
    """Ticks or unticks something done on the visit."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    dialogue = await pressed_at(context, turn, VisitData, "done")
    if dialogue is None:
        return
    press = pressed(turn, VisitDone)
    try:
        household = await _household(turn, dialogue)
    except DomainError as error:
        await turn.services.dialogues.end(turn.user_id)
        await reply_error(context, turn, error)
        return
    offered = household.needs or turn.services.households.config.need_keys
    if press is None or press.need not in offered:
        await answer_expired(turn)
        return
    done = dialogue.data.done
    dialogue.data.done = (
        [key for key in done if key != press.need] if press.need in done else [*done, press.need]
    )
    await turn.services.dialogues.save(turn.user_id, dialogue)
    await turn.query.answer()
    await turn.query.edit_message_reply_markup(_done_keyboard(turn, household, dialogue.data.done))


async def _ask_photo(context: AppContext, turn: Turn, dialogue: Dialogue[VisitData]) -> None:
    dialogue.step = "photo"
    await turn.services.dialogues.save(turn.user_id, dialogue)
    await reply(
        context,
        turn,
        turn.t("visit.ask_photo"),
        buttons([[(turn.t("button.save_without_photo"), VisitNext())]]),
    )


@text_step(VisitData, "done")
async def visit_note(
    context: AppContext, turn: Turn, dialogue: Dialogue[VisitData], message: Message
) -> None:
    dialogue.data.note = turn.services.visits.check_note(message.text or "")
    await _ask_photo(context, turn, dialogue)


# Saving checks the visit again; none of these refusals can be mended by another photo.
_SAVE_REFUSALS = (VisitAlreadyLogged, NotPaired, DayOverfull, VisitTooFar, VisitLiveLocationNeeded)


@text_step(VisitData, "photo", photo=True, ends_on=_SAVE_REFUSALS)
async def visit_photo(
    context: AppContext, turn: Turn, dialogue: Dialogue[VisitData], message: Message
) -> None:
    if not message.photo:
        await reply(
            context,
            turn,
            turn.t("visit.ask_photo"),
            buttons([[(turn.t("button.save_without_photo"), VisitNext())]]),
        )
        return
    await _save(context, turn, dialogue, message.photo[-1].file_id)


async def on_next(update: Update, context: AppContext) -> None:
    """No note (on to the photo), or no photo (the visit is saved)."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    dialogue = await pressed_at(context, turn, VisitData, "done", "photo")
    if dialogue is None:
        return
    await turn.query.answer()
    if dialogue.step == "done":
        await _ask_photo(context, turn, dialogue)
        return
    try:
        await _save(context, turn, dialogue, None)
    except DomainError as error:
        await turn.services.dialogues.end(turn.user_id)
        await reply_error(context, turn, error)


async def _save(
    context: AppContext, turn: Turn, dialogue: Dialogue[VisitData], photo: str | None
) -> None:
    data = dialogue.data
    location = (
        (data.latitude, data.longitude)
        if data.latitude is not None and data.longitude is not None
        else None
    )
    record = await turn.services.visits.log(
        turn.user_id,
        data.household_id,
        entered(data.minutes),
        data.done,
        data.note,
        photo,
        location,
    )
    await turn.services.dialogues.end(turn.user_id)
    key = "visit.saved_unlocated" if NO_LOCATION in record.flags else "visit.saved"
    await reply(
        context,
        turn,
        turn.t(key, title=record.title, hours=hours_text(turn, record.minutes)),
        buttons([[(turn.t("button.open_record"), RecordOpen(record.id))]]),
    )


# ---------------------------------------------------------------- the lead decides


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
        await context.bot.send_photo(
            turn.chat_id, view.visit.photo_file_id, caption=text[:1024], reply_markup=buttons(rows)
        )
        return
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

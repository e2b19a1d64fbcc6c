"""A volunteer logs a visit to one of their households from /households: their live location at
the household (when it has a pin), the minutes, what was done (needs ticked and a few words), an
optional photo. The lead's side is handlers/visit_review.py."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardMarkup, Message, Update

from bot.buttons import (
    RecordOpen,
    VisitDone,
    VisitNext,
    VisitStart,
)
from bot.domain.dialogues import Dialogue, VisitData, entered
from bot.domain.errors import DayOverfull, DomainError
from bot.domain.hours import parse_minutes
from bot.domain.households import (
    Household,
    NotPaired,
    VisitAlreadyLogged,
    VisitLiveLocationNeeded,
    VisitTooFar,
)
from bot.services.visits import NO_LOCATION
from handlers.common import (
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
from handlers.households import needs_keyboard, toggled
from handlers.locations import sent_from_own_device
from telegram_adapter.context import AppContext


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
    if not sent_from_own_device(message):
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
    last = (turn.t("button.no_visit_note"), VisitNext())
    return needs_keyboard(turn, ticked, VisitDone, last, household.needs)


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
    dialogue.data.done = toggled(done, press.need)
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

"""/checkin and /checkout: by a live location, a code or a deep link; a location shared
without a command also checks in."""

from __future__ import annotations

from telegram import (
    Message,
    Update,
)

from bot.buttons import CheckInCode, CheckInLocation, CheckInPick, CheckOut
from bot.domain.dialogues import CheckInData, Dialogue, entered
from bot.domain.errors import (
    DomainError,
)
from bot.services.checkin import CheckInResult
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
from handlers.dialogue import location_outside_dialogues, pressed_at, text_step
from handlers.locations import sent_from_own_device
from handlers.privacy import require_private
from telegram_adapter.context import AppContext


async def checkin_command(update: Update, context: AppContext) -> None:
    """My confirmed activities open for check-in, with the ways to check in to each."""
    turn = await turn_of(update, context)
    if not await require_private(context, turn):
        return
    try:
        found = await turn.services.checkin.open_for_checkin(turn.user_id)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    if not found:
        opens = turn.services.checkin.config.checkin_opens_minutes
        await reply(context, turn, turn.t("checkin.none", minutes=opens))
        return
    lines = [turn.t("checkin.header")]
    rows: list[list[Choice]] = []
    for activity, checkin in found:
        if checkin is not None:
            lines.append(
                turn.t(
                    "checkin.done_line",
                    title=activity.title,
                    at=turn.t.datetime(checkin.checked_in_at),
                )
            )
            continue
        lines.append(
            turn.t("checkin.line", title=activity.title, start=turn.t.datetime(activity.starts_at))
        )
        if activity.latitude is not None:
            label = turn.t("button.checkin_location", title=activity.title)
            rows.append([(label[:60], CheckInLocation(activity.id))])
    if any(checkin is None for _, checkin in found):
        rows.append([(turn.t("button.checkin_code"), CheckInCode())])
    await reply(context, turn, "\n".join(lines), buttons(rows))


async def on_location_button(update: Update, context: AppContext) -> None:
    """Asks for the person's live location. No keyboard button can ask for one (it would send
    a single point, which the map picker can fake), so the answer says how to share it."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    press = pressed(turn, CheckInLocation)
    if press is None:
        await answer_expired(turn)
        return
    await turn.query.answer()
    await turn.services.dialogues.begin(
        turn.user_id, CheckInData(activity_id=press.activity), "location"
    )
    await reply(context, turn, turn.t("checkin.ask_location"))


async def on_code_button(update: Update, context: AppContext) -> None:
    turn = await turn_of(update, context)
    assert turn.query is not None
    await turn.query.answer()
    await turn.services.dialogues.begin(turn.user_id, CheckInData(), "code")
    await reply(context, turn, turn.t("checkin.ask_code"))


async def _checked_in(context: AppContext, turn: Turn, result: CheckInResult) -> None:
    await turn.services.dialogues.end(turn.user_id)
    key = "checkin.already" if result.already else "checkin.done"
    text = turn.t(key, title=result.activity.title, at=turn.t.datetime(result.at))
    await reply(context, turn, text)


@text_step(CheckInData, "location", location=True)
async def checkin_location(
    context: AppContext, turn: Turn, dialogue: Dialogue[CheckInData], message: Message
) -> None:
    if message.location is None:
        await reply(context, turn, turn.t("checkin.ask_location"))
        return
    if not sent_from_own_device(message):
        await reply(context, turn, turn.t("checkin.not_forwarded"))
        return
    result = await turn.services.checkin.check_in_by_location(
        turn.user_id,
        entered(dialogue.data.activity_id),
        message.location.latitude,
        message.location.longitude,
        live=bool(message.location.live_period),
    )
    await _checked_in(context, turn, result)


@location_outside_dialogues
async def location_outside_a_dialogue(context: AppContext, turn: Turn, message: Message) -> bool:
    """A location shared with no check-in asked for (straight away, or after /checkin): with
    exactly one activity of theirs open for check-in by location, it checks them in; with
    several, they pick one. False if no activity is open, so the caller answers as usual."""
    try:
        found = await turn.services.checkin.awaiting_location_checkin(turn.user_id)
    except DomainError:
        return False
    if not found or message.location is None:
        return False
    if not sent_from_own_device(message):
        await reply(context, turn, turn.t("checkin.not_forwarded"))
        return True
    location = message.location
    if len(found) == 1:
        try:
            result = await turn.services.checkin.check_in_by_location(
                turn.user_id,
                found[0].id,
                location.latitude,
                location.longitude,
                live=bool(location.live_period),
            )
        except DomainError as error:
            await reply_error(context, turn, error)
            return True
        await _checked_in(context, turn, result)
        return True
    picking = CheckInData(
        latitude=location.latitude, longitude=location.longitude, live=bool(location.live_period)
    )
    await turn.services.dialogues.begin(turn.user_id, picking, "pick")
    rows = [[(activity.title[:60], CheckInPick(activity.id))] for activity in found]
    await reply(context, turn, turn.t("checkin.pick"), buttons(rows))
    return True


async def on_pick(update: Update, context: AppContext) -> None:
    """Checks in, with the location just shared, to the activity picked."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    press = pressed(turn, CheckInPick)
    if press is None:
        await answer_expired(turn)
        return
    dialogue = await pressed_at(context, turn, CheckInData, "pick")
    if dialogue is None:
        return
    await turn.query.answer()
    try:
        result = await turn.services.checkin.check_in_by_location(
            turn.user_id,
            press.activity,
            entered(dialogue.data.latitude),
            entered(dialogue.data.longitude),
            live=dialogue.data.live,
        )
    except DomainError as error:
        await turn.services.dialogues.end(turn.user_id)
        await reply_error(context, turn, error)
        return
    await _checked_in(context, turn, result)


async def on_live_location(update: Update, context: AppContext) -> None:
    """A live location moving (Telegram edits the message): a sign that the person is still
    there, for a check-out they may forget. Nothing is answered."""
    message, user = update.edited_message, update.effective_user
    if message is None or message.location is None or user is None:
        return
    if not sent_from_own_device(message) or not message.location.live_period:
        return
    services = context.runtime.services
    await services.checkin.live_location_moved(
        await services.identities.telegram_user(user.id),
        message.location.latitude,
        message.location.longitude,
    )


@text_step(CheckInData, "code")
async def checkin_code(
    context: AppContext, turn: Turn, dialogue: Dialogue[CheckInData], message: Message
) -> None:
    result = await turn.services.checkin.check_in_by_code(turn.user_id, message.text or "")
    await _checked_in(context, turn, result)


async def check_in_deep_link(context: AppContext, turn: Turn, token: str) -> None:
    """`/start ci_<code>` from the QR code the lead shows."""
    try:
        result = await turn.services.checkin.check_in_by_code(turn.user_id, token)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await _checked_in(context, turn, result)


# ---------------------------------------------------------------- check-out


async def _check_out(context: AppContext, turn: Turn, activity_id: int) -> None:
    try:
        result = await turn.services.checkin.check_out(turn.user_id, activity_id)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    if turn.query is not None:
        await turn.query.answer()
    await reply(
        context,
        turn,
        turn.t(
            "checkout.done",
            title=result.activity.title,
            start=turn.t.datetime(result.checked_in_at),
            end=turn.t.datetime(result.checked_out_at),
            hours=hours_text(turn, result.minutes),
        ),
    )


async def checkout_command(update: Update, context: AppContext) -> None:
    """Closes my open check-in (or asks which, if there are several)."""
    turn = await turn_of(update, context)
    if not await require_private(context, turn):
        return
    try:
        sessions = await turn.services.checkin.open_sessions(turn.user_id)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    if not sessions:
        await reply(context, turn, turn.t("checkout.none"))
        return
    if len(sessions) == 1:
        await _check_out(context, turn, sessions[0][0].id)
        return
    rows = [[(activity.title, CheckOut(activity.id))] for activity, _ in sessions]
    await reply(context, turn, turn.t("checkout.choose"), buttons(rows))


async def on_check_out(update: Update, context: AppContext) -> None:
    turn = await turn_of(update, context)
    press = pressed(turn, CheckOut)
    if press is None:
        await answer_expired(turn)
        return
    await _check_out(context, turn, press.activity)

"""/add_hours (admins): hours served outside the bot (补录), always with a reason, audited.
Volunteer (search) -> team -> date -> hours -> what was done -> reason -> confirm. A bare
number is hours; the amount is repeated in hours and minutes before anything is saved."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardMarkup, Message, Update

from bot.buttons import (
    AddHoursDiscard,
    AddHoursSave,
    AddHoursTeam,
    AddHoursTeamPage,
    AddHoursVolunteer,
)
from bot.domain.dialogues import AddHoursData, Dialogue, entered
from bot.domain.errors import DomainError, InvalidMinutes, NoTeamChosen
from bot.domain.hours import (
    MAX_RECORD_MINUTES,
    RecordState,
    parse_day,
    parse_minutes,
    parse_reason,
    parse_text,
)
from bot.domain.paging import page_of
from handlers.admin import volunteer_search
from handlers.common import (
    Choice,
    Turn,
    amount_text,
    answer_expired,
    buttons,
    page_buttons,
    pressed,
    reply,
    reply_error,
    team_names,
    turn_of,
)
from handlers.dialogue import pressed_at, text_step
from telegram_adapter.context import AppContext

TEAMS_PER_PAGE = 8


add_hours_command = volunteer_search(
    AddHoursData, AddHoursVolunteer, "add_hours.choose_volunteer", "add_hours.ask_query"
)


async def on_volunteer(update: Update, context: AppContext) -> None:
    turn = await turn_of(update, context)
    assert turn.query is not None
    press = pressed(turn, AddHoursVolunteer)
    if press is None:
        await answer_expired(turn)
        return
    try:
        volunteer = await turn.services.roles.candidate(await turn.actor(), press.volunteer)
        if not volunteer.team_keys:
            raise NoTeamChosen()
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await turn.query.answer()
    await turn.services.dialogues.begin(
        turn.user_id, AddHoursData(volunteer_id=volunteer.id), "team"
    )
    markup = await _team_keyboard(turn, volunteer.team_keys, 0)
    await reply(context, turn, turn.t("add_hours.choose_team", name=volunteer.name), markup)


async def _team_keyboard(turn: Turn, team_keys: Sequence[str], number: int) -> InlineKeyboardMarkup:
    """One page of the volunteer's teams (Telegram refuses keyboards over 100 buttons)."""
    page = page_of(team_keys, number, TEAMS_PER_PAGE)
    names = await team_names(turn)
    rows: list[list[Choice]] = [[(names.get(key, key), AddHoursTeam(key))] for key in page.items]
    rows.append(page_buttons(turn, page, AddHoursTeamPage))
    return buttons(rows)


async def on_team_page(update: Update, context: AppContext) -> None:
    """Shows another page of the volunteer's teams, while their team is being chosen."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    press = pressed(turn, AddHoursTeamPage)
    if press is None:
        await answer_expired(turn)
        return
    dialogue = await pressed_at(context, turn, AddHoursData, "team")
    if dialogue is None:
        return
    try:
        volunteer = await turn.services.roles.candidate(
            await turn.actor(), entered(dialogue.data.volunteer_id)
        )
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await turn.query.answer()
    await turn.query.edit_message_reply_markup(
        await _team_keyboard(turn, volunteer.team_keys, press.page)
    )


async def on_team(update: Update, context: AppContext) -> None:
    turn = await turn_of(update, context)
    assert turn.query is not None
    dialogue = await pressed_at(context, turn, AddHoursData, "team")
    if dialogue is None:
        return
    press = pressed(turn, AddHoursTeam)
    team_key = press.team if press else None
    try:
        volunteer = await turn.services.roles.candidate(
            await turn.actor(), entered(dialogue.data.volunteer_id)
        )
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    if team_key is None or team_key not in volunteer.team_keys:  # forged: only their own teams
        await answer_expired(turn)
        return
    await turn.query.answer()
    dialogue.data.team_key = team_key
    dialogue.step = "day"
    await turn.services.dialogues.save(turn.user_id, dialogue)
    await reply(context, turn, turn.t("add_hours.ask_day"))


@text_step(AddHoursData, "day")
async def add_hours_day(
    context: AppContext, turn: Turn, dialogue: Dialogue[AddHoursData], message: Message
) -> None:
    today = context.runtime.clock.now().astimezone(turn.t.zone).date()
    dialogue.data.day = parse_day(message.text or "", today)
    dialogue.step = "hours"
    await turn.services.dialogues.save(turn.user_id, dialogue)
    await reply(context, turn, turn.t("add_hours.ask_hours"))


@text_step(AddHoursData, "hours")
async def add_hours_minutes(
    context: AppContext, turn: Turn, dialogue: Dialogue[AddHoursData], message: Message
) -> None:
    minutes = parse_minutes(message.text or "", MAX_RECORD_MINUTES)
    if minutes == 0:
        raise InvalidMinutes(max=MAX_RECORD_MINUTES)
    await turn.services.records.preview_manual(
        await turn.actor(),
        entered(dialogue.data.volunteer_id),
        entered(dialogue.data.day),
        minutes,
    )
    dialogue.data.minutes = minutes
    dialogue.step = "title"
    await turn.services.dialogues.save(turn.user_id, dialogue)
    amount = amount_text(turn, minutes)
    await reply(context, turn, turn.t("add_hours.ask_title", amount=amount))


@text_step(AddHoursData, "title")
async def add_hours_title(
    context: AppContext, turn: Turn, dialogue: Dialogue[AddHoursData], message: Message
) -> None:
    dialogue.data.title = parse_text(message.text or "")
    dialogue.step = "reason"
    await turn.services.dialogues.save(turn.user_id, dialogue)
    await reply(context, turn, turn.t("add_hours.ask_reason"))


@text_step(AddHoursData, "reason")
async def add_hours_reason(
    context: AppContext, turn: Turn, dialogue: Dialogue[AddHoursData], message: Message
) -> None:
    data = dialogue.data
    data.reason = parse_reason(message.text or "")
    volunteer_id, team_key = entered(data.volunteer_id), entered(data.team_key)
    day, minutes = entered(data.day), entered(data.minutes)
    state = await turn.services.records.preview_manual(
        await turn.actor(), volunteer_id, day, minutes
    )
    dialogue.step = "confirm"
    await turn.services.dialogues.save(turn.user_id, dialogue)
    volunteer = await turn.services.roles.candidate(await turn.actor(), volunteer_id)
    teams = {team.key: team.name(turn.t.language) for team in await turn.services.teams.all()}
    text = turn.t(
        "add_hours.confirm",
        name=volunteer.name,
        team=teams.get(team_key, team_key),
        day=turn.t.day(day),
        amount=amount_text(turn, minutes),
        title=entered(data.title),
        reason=data.reason,
    )
    if state is RecordState.REVIEW:
        text += "\n" + turn.t("add_hours.goes_to_review")
    choice: list[list[Choice]] = [
        [(turn.t("button.save"), AddHoursSave()), (turn.t("button.discard"), AddHoursDiscard())]
    ]
    await reply(context, turn, text, buttons(choice))


async def on_confirm(update: Update, context: AppContext) -> None:
    """Saves the addition the admin has just read back (or drops it)."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    save = pressed(turn, AddHoursSave)
    if save is None and pressed(turn, AddHoursDiscard) is None:
        await answer_expired(turn)
        return
    dialogue = await pressed_at(context, turn, AddHoursData, "confirm")
    if dialogue is None:
        return
    await turn.query.answer()
    await turn.query.edit_message_reply_markup(None)
    await turn.services.dialogues.end(turn.user_id)
    if save is None:
        await reply(context, turn, turn.t("add_hours.discarded"))
        return
    data = dialogue.data
    try:
        record = await turn.services.records.add_manual(
            await turn.actor(),
            entered(data.volunteer_id),
            entered(data.team_key),
            entered(data.day),
            entered(data.minutes),
            entered(data.title),
            entered(data.reason),
        )
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await reply(
        context,
        turn,
        turn.t(
            "add_hours.done",
            title=record.title,
            day=turn.t.day(record.served_on),
            hours=amount_text(turn, record.minutes),
            state=turn.t(f"record.state.{record.state.value}"),
        ),
    )

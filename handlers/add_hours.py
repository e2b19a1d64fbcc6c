"""/add_hours (admins): hours served outside the bot (补录), always with a reason, audited.
Volunteer (search) -> team -> date -> hours -> what was done -> reason."""

from __future__ import annotations

from datetime import date

from telegram import Message, Update

from bot.domain.errors import DomainError, InvalidMinutes, NoTeamChosen
from bot.domain.hours import MAX_RECORD_MINUTES, parse_day, parse_minutes, parse_reason
from bot.domain.models import Dialogue
from handlers.admin import volunteer_search
from handlers.common import (
    Turn,
    answer_expired,
    buttons,
    reply,
    reply_error,
    small_number,
    turn_of,
)
from handlers.context import AppContext
from handlers.dialogue import text_step
from handlers.hours import hours_text

VOLUNTEER = "ah:v:"
TEAM = "ah:t:"


add_hours_command = volunteer_search(
    "add_hours", VOLUNTEER, "add_hours.choose_volunteer", "add_hours.ask_query"
)


async def on_volunteer(update: Update, context: AppContext) -> None:
    turn = await turn_of(update, context)
    assert turn.query is not None and turn.query.data is not None
    volunteer_id = small_number(turn.query.data.removeprefix(VOLUNTEER))
    if volunteer_id is None:
        await answer_expired(turn)
        return
    try:
        volunteer = await turn.services.roles.candidate(await turn.actor(), volunteer_id)
        if not volunteer.team_keys:
            raise NoTeamChosen()
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await turn.query.answer()
    await turn.services.dialogues.begin(turn.user_id, "add_hours", "team", volunteer=volunteer.id)
    names = {team.key: team.name(turn.t.language) for team in await turn.services.teams.all()}
    rows = [[(names.get(key, key), f"{TEAM}{key}")] for key in volunteer.team_keys]
    await reply(context, turn, turn.t("add_hours.choose_team", name=volunteer.name), buttons(rows))


async def on_team(update: Update, context: AppContext) -> None:
    turn = await turn_of(update, context)
    assert turn.query is not None and turn.query.data is not None
    dialogue = await turn.services.dialogues.current(turn.user_id)
    if dialogue is None or (dialogue.flow, dialogue.step) != ("add_hours", "team"):
        await answer_expired(turn)
        return
    team_key = turn.query.data.removeprefix(TEAM)
    try:
        volunteer = await turn.services.roles.candidate(
            await turn.actor(), int(dialogue.data["volunteer"])
        )
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    if team_key not in volunteer.team_keys:  # forged: only the volunteer's own teams
        await answer_expired(turn)
        return
    await turn.query.answer()
    dialogue.data["team"] = team_key
    dialogue.step = "day"
    await turn.services.dialogues.save(turn.user_id, dialogue)
    await reply(context, turn, turn.t("add_hours.ask_day"))


@text_step("add_hours", "day")
async def add_hours_day(
    context: AppContext, turn: Turn, dialogue: Dialogue, message: Message
) -> None:
    today = context.runtime.clock.now().astimezone(turn.t.zone).date()
    dialogue.data["day"] = parse_day(message.text or "", today).isoformat()
    dialogue.step = "hours"
    await turn.services.dialogues.save(turn.user_id, dialogue)
    await reply(context, turn, turn.t("add_hours.ask_hours"))


@text_step("add_hours", "hours")
async def add_hours_minutes(
    context: AppContext, turn: Turn, dialogue: Dialogue, message: Message
) -> None:
    minutes = parse_minutes(message.text or "", MAX_RECORD_MINUTES)
    if minutes == 0:
        raise InvalidMinutes(max=MAX_RECORD_MINUTES)
    dialogue.data["minutes"] = minutes
    dialogue.step = "title"
    await turn.services.dialogues.save(turn.user_id, dialogue)
    await reply(context, turn, turn.t("add_hours.ask_title"))


@text_step("add_hours", "title")
async def add_hours_title(
    context: AppContext, turn: Turn, dialogue: Dialogue, message: Message
) -> None:
    dialogue.data["title"] = parse_reason(message.text or "")
    dialogue.step = "reason"
    await turn.services.dialogues.save(turn.user_id, dialogue)
    await reply(context, turn, turn.t("add_hours.ask_reason"))


@text_step("add_hours", "reason")
async def add_hours_reason(
    context: AppContext, turn: Turn, dialogue: Dialogue, message: Message
) -> None:
    data = dialogue.data
    record = await turn.services.hours.add_manual(
        await turn.actor(),
        int(data["volunteer"]),
        str(data["team"]),
        date.fromisoformat(str(data["day"])),
        int(data["minutes"]),
        str(data["title"]),
        message.text or "",
    )
    await turn.services.dialogues.end(turn.user_id)
    await reply(
        context,
        turn,
        turn.t(
            "add_hours.done",
            title=record.title,
            day=turn.t.day(record.served_on),
            hours=hours_text(turn, record.minutes),
            state=turn.t(f"record.state.{record.state.value}"),
        ),
    )

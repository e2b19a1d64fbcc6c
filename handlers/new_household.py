"""Registering a household (leads and admins), step by step: the team (if they manage several)
-> code -> community -> needs (ticked) -> visit cadence -> pin (a location, or none) and its
radius -> the private contact note -> read back, then Save. The "next" button also serves a
household's pin being changed (handlers/households.py): there it removes the pin, or keeps the
default radius."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardMarkup, Message, Update

from bot.buttons import (
    HouseholdNeed,
    HouseholdNext,
    HouseholdSave,
    HouseholdTeam,
    HouseholdTeamPage,
)
from bot.domain.dialogues import Dialogue, HouseholdActionData, NewHouseholdData, entered
from bot.domain.errors import DomainError
from bot.domain.households import parse_cadence, parse_community, parse_note, parse_radius
from bot.domain.models import Team
from bot.services.households import HouseholdDraft
from handlers.common import (
    Choice,
    Turn,
    answer_expired,
    buttons,
    pressed,
    reply,
    reply_error,
    team_picker,
    turn_of,
)
from handlers.dialogue import pressed_at, text_step
from handlers.household_edit import save_pin
from handlers.households import need_names, needs_keyboard, show_file, team_name, toggled
from telegram_adapter.context import AppContext


def _teams_keyboard(turn: Turn, teams: list[Team], number: int) -> InlineKeyboardMarkup:
    return team_picker(turn, teams, number, HouseholdTeam, HouseholdTeamPage)


async def on_new(update: Update, context: AppContext) -> None:
    """Starts registering a household: the team first, if the presser manages several."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    try:
        teams = await turn.services.households.teams_managed(await turn.actor())
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await turn.query.answer()
    if len(teams) == 1:
        data = NewHouseholdData(team_key=teams[0].key)
        await turn.services.dialogues.begin(turn.user_id, data, "code")
        await reply(context, turn, turn.t("households.ask_code"))
        return
    await turn.services.dialogues.begin(turn.user_id, NewHouseholdData(), "team")
    await reply(context, turn, turn.t("households.ask_team"), _teams_keyboard(turn, teams, 0))


async def on_team_page(update: Update, context: AppContext) -> None:
    turn = await turn_of(update, context)
    assert turn.query is not None
    press = pressed(turn, HouseholdTeamPage)
    if press is None or await pressed_at(context, turn, NewHouseholdData, "team") is None:
        if press is None:
            await answer_expired(turn)
        return
    try:
        teams = await turn.services.households.teams_managed(await turn.actor())
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await turn.query.answer()
    await turn.query.edit_message_reply_markup(_teams_keyboard(turn, teams, press.page))


async def on_team(update: Update, context: AppContext) -> None:
    turn = await turn_of(update, context)
    assert turn.query is not None
    dialogue = await pressed_at(context, turn, NewHouseholdData, "team")
    if dialogue is None:
        return
    press = pressed(turn, HouseholdTeam)
    try:
        teams = await turn.services.households.teams_managed(await turn.actor())
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    if press is None or press.team not in {team.key for team in teams}:
        await answer_expired(turn)  # forged: only the teams offered
        return
    await turn.query.answer()
    dialogue.data.team_key = press.team
    dialogue.step = "code"
    await turn.services.dialogues.save(turn.user_id, dialogue)
    await reply(context, turn, turn.t("households.ask_code"))


@text_step(NewHouseholdData, "code")
async def new_code(
    context: AppContext, turn: Turn, dialogue: Dialogue[NewHouseholdData], message: Message
) -> None:
    dialogue.data.code = await turn.services.households.code_free(
        await turn.actor(), message.text or ""
    )
    dialogue.step = "community"
    await turn.services.dialogues.save(turn.user_id, dialogue)
    await reply(context, turn, turn.t("households.ask_community"))


def _needs_keyboard(turn: Turn, chosen: Sequence[str]) -> InlineKeyboardMarkup:
    return needs_keyboard(
        turn, chosen, HouseholdNeed, (turn.t("button.next_step"), HouseholdNext())
    )


@text_step(NewHouseholdData, "community")
async def new_community(
    context: AppContext, turn: Turn, dialogue: Dialogue[NewHouseholdData], message: Message
) -> None:
    dialogue.data.community = parse_community(message.text or "")
    dialogue.data.need_keys = []
    dialogue.step = "needs"
    await turn.services.dialogues.save(turn.user_id, dialogue)
    await reply(context, turn, turn.t("households.ask_needs"), _needs_keyboard(turn, []))


async def on_need(update: Update, context: AppContext) -> None:
    """Ticks or unticks a need of the household being registered."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    dialogue = await pressed_at(context, turn, NewHouseholdData, "needs")
    if dialogue is None:
        return
    press = pressed(turn, HouseholdNeed)
    if press is None or press.need not in turn.services.households.config.need_keys:
        await answer_expired(turn)
        return
    chosen = toggled(dialogue.data.need_keys or [], press.need)
    dialogue.data.need_keys = chosen
    await turn.services.dialogues.save(turn.user_id, dialogue)
    await turn.query.answer()
    await turn.query.edit_message_reply_markup(_needs_keyboard(turn, chosen))


def _skip(turn: Turn, key: str = "button.skip", **params: object) -> InlineKeyboardMarkup:
    return buttons([[(turn.t(key, **params), HouseholdNext())]])


async def _ask_cadence(
    context: AppContext, turn: Turn, dialogue: Dialogue[NewHouseholdData]
) -> None:
    dialogue.step = "cadence"
    await turn.services.dialogues.save(turn.user_id, dialogue)
    days = turn.services.households.config.cadence_days
    await reply(
        context,
        turn,
        turn.t("households.ask_cadence", days=days),
        _skip(turn, "button.default_cadence", days=days),
    )


async def _ask_pin(context: AppContext, turn: Turn, dialogue: Dialogue[NewHouseholdData]) -> None:
    dialogue.step = "pin"
    await turn.services.dialogues.save(turn.user_id, dialogue)
    await reply(context, turn, turn.t("households.ask_pin"), _skip(turn, "button.no_pin"))


async def _ask_note(context: AppContext, turn: Turn, dialogue: Dialogue[NewHouseholdData]) -> None:
    dialogue.step = "note"
    await turn.services.dialogues.save(turn.user_id, dialogue)
    await reply(context, turn, turn.t("households.ask_note"), _skip(turn))


def _draft(data: NewHouseholdData) -> HouseholdDraft:
    return HouseholdDraft(
        team_key=entered(data.team_key),
        code=entered(data.code),
        community=entered(data.community),
        needs=tuple(entered(data.need_keys)),
        cadence_days=entered(data.cadence_days),
        contact_note=data.contact_note,
        latitude=data.latitude,
        longitude=data.longitude,
        radius_m=data.radius_m,
    )


async def _confirm(context: AppContext, turn: Turn, dialogue: Dialogue[NewHouseholdData]) -> None:
    dialogue.step = "confirm"
    await turn.services.dialogues.save(turn.user_id, dialogue)
    draft = _draft(dialogue.data)
    pin = (
        turn.t(
            "households.pin_set", radius=draft.radius_m or turn.services.households.config.radius_m
        )
        if draft.latitude is not None
        else turn.t("households.pin_none")
    )
    text = turn.t(
        "households.confirm",
        code=draft.code,
        team=await team_name(turn, draft.team_key),
        community=draft.community,
        needs=need_names(turn, draft.needs),
        cadence=draft.cadence_days,
        pin=pin,
        note=draft.contact_note or turn.t("households.no_note"),
    )
    rows: list[list[Choice]] = [
        [
            (turn.t("button.save"), HouseholdSave(True)),
            (turn.t("button.discard"), HouseholdSave(False)),
        ]
    ]
    await reply(context, turn, text, buttons(rows))


async def on_next(update: Update, context: AppContext) -> None:
    """On from the step the presser is at: the needs are chosen, or an optional step (the
    cadence, the pin, the radius, the note; a household's pin, to remove it) is skipped."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    action = await turn.services.dialogues.at(
        turn.user_id, HouseholdActionData, "pin", "pin_radius"
    )
    if action is not None:
        await turn.query.answer()
        try:
            if action.step == "pin":
                action.data.latitude = action.data.longitude = None
            await save_pin(context, turn, action, None)
        except DomainError as error:
            await turn.services.dialogues.end(turn.user_id)
            await reply_error(context, turn, error)
        return
    dialogue = await pressed_at(
        context, turn, NewHouseholdData, "needs", "cadence", "pin", "radius", "note"
    )
    if dialogue is None:
        return
    await turn.query.answer()
    step = dialogue.step
    if step == "needs":
        await _ask_cadence(context, turn, dialogue)
    elif step == "cadence":
        dialogue.data.cadence_days = turn.services.households.config.cadence_days
        await _ask_pin(context, turn, dialogue)
    elif step in ("pin", "radius"):
        await _ask_note(context, turn, dialogue)
    else:
        await _confirm(context, turn, dialogue)


@text_step(NewHouseholdData, "cadence")
async def new_cadence(
    context: AppContext, turn: Turn, dialogue: Dialogue[NewHouseholdData], message: Message
) -> None:
    dialogue.data.cadence_days = parse_cadence(message.text or "")
    await _ask_pin(context, turn, dialogue)


@text_step(NewHouseholdData, "pin", location=True)
async def new_pin(
    context: AppContext, turn: Turn, dialogue: Dialogue[NewHouseholdData], message: Message
) -> None:
    if message.location is None:
        await reply(context, turn, turn.t("households.ask_pin_location"))
        return
    dialogue.data.latitude = message.location.latitude
    dialogue.data.longitude = message.location.longitude
    dialogue.step = "radius"
    await turn.services.dialogues.save(turn.user_id, dialogue)
    radius = turn.services.households.config.radius_m
    await reply(
        context,
        turn,
        turn.t("households.ask_radius", radius=radius),
        _skip(turn, "button.default_radius", radius=radius),
    )


@text_step(NewHouseholdData, "radius")
async def new_radius(
    context: AppContext, turn: Turn, dialogue: Dialogue[NewHouseholdData], message: Message
) -> None:
    dialogue.data.radius_m = parse_radius(message.text or "")
    await _ask_note(context, turn, dialogue)


@text_step(NewHouseholdData, "note")
async def new_note(
    context: AppContext, turn: Turn, dialogue: Dialogue[NewHouseholdData], message: Message
) -> None:
    dialogue.data.contact_note = parse_note(message.text or "")
    await _confirm(context, turn, dialogue)


async def on_save(update: Update, context: AppContext) -> None:
    """Registers the household as read back (or drops it)."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    dialogue = await pressed_at(context, turn, NewHouseholdData, "confirm")
    if dialogue is None:
        return
    press = pressed(turn, HouseholdSave)
    if press is None:
        await answer_expired(turn)
        return
    await turn.query.answer()
    if not press.save:
        await turn.services.dialogues.end(turn.user_id)
        await reply(context, turn, turn.t("households.discarded"))
        return
    actor = await turn.actor()
    try:
        household = await turn.services.households.register(actor, _draft(dialogue.data))
    except DomainError as error:
        await turn.services.dialogues.end(turn.user_id)
        await reply_error(context, turn, error)
        return
    await turn.services.dialogues.end(turn.user_id)
    await reply(context, turn, turn.t("households.saved", code=household.code))
    await show_file(
        context, turn, await turn.services.households.household_file(actor, household.id)
    )

"""A lead (or an admin) corrects a household from its file: the community, the needs (ticked),
the visit cadence or the private contact note (which may be removed); or its pin (a location,
then the radius; or none). Each typed value is checked as on registration; a bad one repeats
the question with an example."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardMarkup, Message, Update

from bot.buttons import (
    HouseholdEdit,
    HouseholdEditDone,
    HouseholdEditNeed,
    HouseholdNext,
    HouseholdPin,
)
from bot.domain.dialogues import Dialogue, HouseholdActionData, HouseholdEditData
from bot.domain.errors import DomainError, NotTeamLead
from bot.domain.households import HouseholdFile, UnknownHousehold, parse_cadence, parse_radius
from handlers.common import (
    Turn,
    answer_expired,
    buttons,
    pressed,
    reply,
    reply_error,
    turn_of,
)
from handlers.dialogue import pressed_at, text_step
from handlers.households import (
    need_names,
    needs_keyboard,
    pressed_household,
    show_file,
    toggled,
)
from telegram_adapter.context import AppContext

# Refusals no retyping mends: the household is gone, or no longer the person's to change.
_EDIT_ENDS = (UnknownHousehold, NotTeamLead)


def _needs_keyboard(turn: Turn, chosen: Sequence[str]) -> InlineKeyboardMarkup:
    return needs_keyboard(
        turn, chosen, HouseholdEditNeed, (turn.t("button.save"), HouseholdEditDone())
    )


async def on_edit(update: Update, context: AppContext) -> None:
    """Asks for the new value of the detail pressed, showing the current one."""
    turn = await turn_of(update, context)
    chosen = await pressed_household(context, turn, HouseholdEdit)
    if chosen is None:
        return
    press, found = chosen
    household = found.household
    data = HouseholdEditData(household_id=household.id, need_keys=list(household.needs))
    await turn.services.dialogues.begin(turn.user_id, data, press.field)
    t = turn.t
    if press.field == "community":
        text = t("households.edit_community", code=household.code, now=household.community)
        await reply(context, turn, f"{text}\n\n{t('households.ask_community')}")
    elif press.field == "needs":
        text = t("households.edit_needs", code=household.code)
        await reply(context, turn, text, _needs_keyboard(turn, household.needs))
    elif press.field == "cadence":
        text = t("households.edit_cadence", code=household.code, days=household.cadence_days)
        await reply(context, turn, text)
    else:
        text = t(
            "households.edit_note",
            code=household.code,
            now=found.contact_note or t("households.no_note"),
        )
        remove = [[(t("button.remove_note"), HouseholdEditDone())]]
        await reply(context, turn, text, buttons(remove) if found.contact_note else None)


async def _saved(context: AppContext, turn: Turn, found: HouseholdFile) -> None:
    await turn.services.dialogues.end(turn.user_id)
    await reply(context, turn, turn.t("households.edited", code=found.household.code))
    await show_file(context, turn, found)


@text_step(HouseholdEditData, "community", ends_on=_EDIT_ENDS)
async def community_step(
    context: AppContext, turn: Turn, dialogue: Dialogue[HouseholdEditData], message: Message
) -> None:
    found = await turn.services.households.edit(
        await turn.actor(), dialogue.data.household_id, community=message.text or ""
    )
    await _saved(context, turn, found)


@text_step(HouseholdEditData, "cadence", ends_on=_EDIT_ENDS)
async def cadence_step(
    context: AppContext, turn: Turn, dialogue: Dialogue[HouseholdEditData], message: Message
) -> None:
    found = await turn.services.households.edit(
        await turn.actor(),
        dialogue.data.household_id,
        cadence_days=parse_cadence(message.text or ""),
    )
    await _saved(context, turn, found)


@text_step(HouseholdEditData, "note", ends_on=_EDIT_ENDS)
async def note_step(
    context: AppContext, turn: Turn, dialogue: Dialogue[HouseholdEditData], message: Message
) -> None:
    found = await turn.services.households.edit(
        await turn.actor(), dialogue.data.household_id, contact_note=message.text or ""
    )
    await _saved(context, turn, found)


@text_step(HouseholdEditData, "needs")
async def needs_typed(
    context: AppContext, turn: Turn, dialogue: Dialogue[HouseholdEditData], message: Message
) -> None:
    await reply(
        context,
        turn,
        turn.t("households.ask_needs"),
        _needs_keyboard(turn, dialogue.data.need_keys),
    )


async def on_need(update: Update, context: AppContext) -> None:
    """Ticks or unticks a need of the household being corrected."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    dialogue = await pressed_at(context, turn, HouseholdEditData, "needs")
    if dialogue is None:
        return
    press = pressed(turn, HouseholdEditNeed)
    if press is None or press.need not in turn.services.households.config.need_keys:
        await answer_expired(turn)
        return
    dialogue.data.need_keys = toggled(dialogue.data.need_keys, press.need)
    await turn.services.dialogues.save(turn.user_id, dialogue)
    await turn.query.answer(need_names(turn, dialogue.data.need_keys)[:200])
    await turn.query.edit_message_reply_markup(_needs_keyboard(turn, dialogue.data.need_keys))


async def on_done(update: Update, context: AppContext) -> None:
    """Saves the needs ticked, or removes the contact note."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    if pressed(turn, HouseholdEditDone) is None:
        await answer_expired(turn)
        return
    dialogue = await pressed_at(context, turn, HouseholdEditData, "needs", "note")
    if dialogue is None:
        return
    actor, household_id = await turn.actor(), dialogue.data.household_id
    try:
        if dialogue.step == "needs":
            found = await turn.services.households.edit(
                actor, household_id, needs=dialogue.data.need_keys
            )
        else:
            found = await turn.services.households.edit(actor, household_id, contact_note="")
    except DomainError as error:
        await turn.services.dialogues.end(turn.user_id)
        await reply_error(context, turn, error)
        return
    await turn.query.answer()
    await turn.query.edit_message_reply_markup(None)
    await _saved(context, turn, found)


# ---------------------------------------------------------------- leads: the pin


async def on_pin(update: Update, context: AppContext) -> None:
    """Asks for the household's location (or "none", to remove the pin)."""
    turn = await turn_of(update, context)
    chosen = await pressed_household(context, turn, HouseholdPin)
    if chosen is None:
        return
    found = chosen[1]
    data = HouseholdActionData(household_id=found.household.id)
    await turn.services.dialogues.begin(turn.user_id, data, "pin")
    await reply(
        context,
        turn,
        turn.t("households.ask_pin_change", code=found.household.code),
        buttons([[(turn.t("button.remove_pin"), HouseholdNext())]]),
    )


@text_step(HouseholdActionData, "pin", location=True)
async def pin_location(
    context: AppContext, turn: Turn, dialogue: Dialogue[HouseholdActionData], message: Message
) -> None:
    if message.location is None:
        await reply(context, turn, turn.t("households.ask_pin_location"))
        return
    await turn.services.households.household_file(await turn.actor(), dialogue.data.household_id)
    dialogue.data.latitude = message.location.latitude
    dialogue.data.longitude = message.location.longitude
    dialogue.step = "pin_radius"
    await turn.services.dialogues.save(turn.user_id, dialogue)
    radius = turn.services.households.config.radius_m
    await reply(
        context,
        turn,
        turn.t("households.ask_radius", radius=radius),
        buttons([[(turn.t("button.default_radius", radius=radius), HouseholdNext())]]),
    )


@text_step(HouseholdActionData, "pin_radius")
async def pin_radius(
    context: AppContext, turn: Turn, dialogue: Dialogue[HouseholdActionData], message: Message
) -> None:
    await save_pin(context, turn, dialogue, parse_radius(message.text or ""))


async def save_pin(
    context: AppContext, turn: Turn, dialogue: Dialogue[HouseholdActionData], radius: int | None
) -> None:
    actor = await turn.actor()
    household = await turn.services.households.set_pin(
        actor, dialogue.data.household_id, dialogue.data.latitude, dialogue.data.longitude, radius
    )
    await turn.services.dialogues.end(turn.user_id)
    key = "households.pin_saved" if household.has_pin else "households.pin_removed"
    await reply(context, turn, turn.t(key, code=household.code))
    await show_file(
        context, turn, await turn.services.households.household_file(actor, household.id)
    )

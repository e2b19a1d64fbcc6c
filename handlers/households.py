"""/households: for a volunteer, the households they are paired with (code, community, needs,
when the next visit is due) with a button to log a visit; for a team's leads and admins, the
team's households the most overdue first, each household's file (with its private contact
note), registering a household step by step, pairing and unpairing volunteers, setting a pin.
Logging and deciding visits is handlers/visits.py."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardMarkup, Message, Update

from bot.buttons import (
    HouseholdNeed,
    HouseholdNew,
    HouseholdNext,
    HouseholdOpen,
    HouseholdPair,
    HouseholdPairVolunteer,
    HouseholdPin,
    HouseholdSave,
    HouseholdsMine,
    HouseholdsPage,
    HouseholdTeam,
    HouseholdTeamPage,
    HouseholdUnpair,
    VisitsPending,
    VisitStart,
)
from bot.domain.dialogues import Dialogue, HouseholdActionData, NewHouseholdData, entered
from bot.domain.errors import DomainError
from bot.domain.households import (
    Household,
    HouseholdFile,
    parse_cadence,
    parse_community,
    parse_note,
    parse_radius,
)
from bot.domain.models import Team
from bot.domain.paging import page_of
from bot.services.households import HouseholdDraft
from handlers.common import (
    Choice,
    Turn,
    answer_expired,
    buttons,
    page_buttons,
    pressed,
    reply,
    reply_error,
    turn_of,
)
from handlers.dialogue import pressed_at, text_step
from handlers.privacy import require_private
from telegram_adapter.context import AppContext

TEAMS_PER_PAGE = 8


def need_names(turn: Turn, keys: Sequence[str]) -> str:
    return turn.services.households.need_names(turn.t, keys)


def due_text(turn: Turn, household: Household) -> str:
    """When the next visit is due, or since when it is."""
    today = turn.services.households.today()
    if household.is_due(today):
        return turn.t("households.due_since", day=turn.t.day(household.due_on))
    return turn.t("households.due_by", day=turn.t.day(household.due_on))


def volunteer_line(turn: Turn, household: Household) -> str:
    """A household as a volunteer sees it: code, community, needs, when due. Never a name,
    never the contact note."""
    return turn.t(
        "households.mine_line",
        code=household.code,
        community=household.community,
        needs=need_names(turn, household.needs),
        due=due_text(turn, household),
    )


# ---------------------------------------------------------------- the command


async def households_command(update: Update, context: AppContext) -> None:
    """A volunteer's households; for leads and admins, the households they manage."""
    turn = await turn_of(update, context)
    if not await require_private(context, turn):
        return
    actor = await turn.actor()
    if actor.is_admin or actor.lead_team_keys:
        await _show_page(context, turn, 0)
        return
    await show_mine(context, turn)


async def show_mine(context: AppContext, turn: Turn) -> None:
    try:
        mine = await turn.services.households.mine(turn.user_id)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    if not mine:
        await reply(context, turn, turn.t("households.mine_none"))
        return
    lines = [turn.t("households.mine_header", count=len(mine))]
    lines += [volunteer_line(turn, household) for household in mine]
    rows: list[list[Choice]] = [
        [(turn.t("button.log_visit_to", code=h.code), VisitStart(h.id))] for h in mine
    ]
    await reply(context, turn, "\n\n".join(lines), buttons(rows))


async def on_mine(update: Update, context: AppContext) -> None:
    """The "my households" button under a pairing notice."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    await turn.query.answer()
    await show_mine(context, turn)


# ---------------------------------------------------------------- leads: the list


async def _page_text(turn: Turn, number: int) -> tuple[str, InlineKeyboardMarkup]:
    actor = await turn.actor()
    page = await turn.services.households.page(actor, number)
    today = turn.services.households.today()
    due = sum(1 for h in page.households if h.is_due(today))
    lines = [turn.t("households.list_header", count=page.total)]
    if not page.total:
        lines.append(turn.t("households.list_empty"))
    for n, household in enumerate(page.households, start=number * page.per_page + 1):
        mark = "⏰" if household.is_due(today) else "🏠"
        lines.append(
            turn.t(
                "households.list_line",
                n=n,
                mark=mark,
                code=household.code,
                community=household.community,
                due=due_text(turn, household),
            )
        )
    if due and number == 0:
        lines.append(turn.t("households.list_due_first"))
    rows: list[list[Choice]] = [
        [(f"{h.code} · {h.community}"[:60], HouseholdOpen(h.id))] for h in page.households
    ]
    nav: list[Choice] = []
    if page.has_previous:
        nav.append((turn.t("button.previous"), HouseholdsPage(page.number - 1)))
    if page.has_next:
        nav.append((turn.t("button.next"), HouseholdsPage(page.number + 1)))
    rows.append(nav)
    rows.append(
        [
            (turn.t("button.new_household"), HouseholdNew()),
            (turn.t("button.visits_pending"), VisitsPending()),
        ]
    )
    if actor.volunteer is not None and await turn.services.households.mine(turn.user_id):
        rows.append([(turn.t("button.my_households"), HouseholdsMine())])
    return "\n".join(lines), buttons(rows)


async def _show_page(context: AppContext, turn: Turn, number: int) -> None:
    try:
        text, markup = await _page_text(turn, number)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await reply(context, turn, text, markup)


async def on_page(update: Update, context: AppContext) -> None:
    """Another page of the households list, in place."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    press = pressed(turn, HouseholdsPage)
    if press is None:
        await answer_expired(turn)
        return
    try:
        text, markup = await _page_text(turn, press.page)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await turn.query.answer()
    await turn.query.edit_message_text(text, reply_markup=markup)


# ---------------------------------------------------------------- leads: one household


def file_text(turn: Turn, found: HouseholdFile, team_name: str) -> str:
    """A household's file, private contact note included: for its team's leads and admins."""
    household = found.household
    if household.has_pin:
        pin = turn.t("households.pin_set", radius=turn.services.visits.radius(household))
    else:
        pin = turn.t("households.pin_none")
    last = (
        turn.t.day(household.last_visited_on)
        if household.last_visited_on
        else turn.t("households.never_visited")
    )
    paired = turn.t.join([p.name for p in found.pairings]) or turn.t("households.nobody_paired")
    return turn.t(
        "households.file",
        code=household.code,
        team=team_name,
        community=household.community,
        needs=need_names(turn, household.needs),
        cadence=household.cadence_days,
        pin=pin,
        last=last,
        due=due_text(turn, household),
        paired=paired,
        note=found.contact_note or turn.t("households.no_note"),
    )


async def _team_name(turn: Turn, key: str) -> str:
    team = next((t for t in await turn.services.teams.all() if t.key == key), None)
    return team.name(turn.t.language) if team else key


async def show_file(context: AppContext, turn: Turn, found: HouseholdFile) -> None:
    household = found.household
    rows: list[list[Choice]] = [[(turn.t("button.pair_volunteer"), HouseholdPair(household.id))]]
    for pairing in found.pairings:
        label = turn.t("button.unpair", name=pairing.name)[:60]
        rows.append([(label, HouseholdUnpair(household.id, pairing.volunteer_id))])
    rows.append([(turn.t("button.set_pin"), HouseholdPin(household.id))])
    rows.append([(turn.t("button.back_to_households"), HouseholdsPage(0))])
    text = file_text(turn, found, await _team_name(turn, household.team_key))
    await reply(context, turn, text, buttons(rows))


async def on_open(update: Update, context: AppContext) -> None:
    """A household's file, for its team's leads and admins."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    press = pressed(turn, HouseholdOpen)
    if press is None:
        await answer_expired(turn)
        return
    try:
        found = await turn.services.households.household_file(await turn.actor(), press.household)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await turn.query.answer()
    await show_file(context, turn, found)


# ---------------------------------------------------------------- leads: pairing


async def on_pair(update: Update, context: AppContext) -> None:
    """Asks for part of the name of the team member to pair with the household."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    press = pressed(turn, HouseholdPair)
    if press is None:
        await answer_expired(turn)
        return
    try:
        found = await turn.services.households.household_file(await turn.actor(), press.household)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await turn.query.answer()
    data = HouseholdActionData(household_id=found.household.id)
    await turn.services.dialogues.begin(turn.user_id, data, "pair")
    await reply(context, turn, turn.t("households.ask_pair", code=found.household.code))


@text_step(HouseholdActionData, "pair")
async def pair_query(
    context: AppContext, turn: Turn, dialogue: Dialogue[HouseholdActionData], message: Message
) -> None:
    household_id = dialogue.data.household_id
    matches = await turn.services.households.candidates(
        await turn.actor(), household_id, message.text or ""
    )
    if not matches:
        await reply(context, turn, turn.t("households.pair_none"))
        return
    rows: list[list[Choice]] = [
        [(v.name, HouseholdPairVolunteer(household_id, v.id))] for v in matches
    ]
    await reply(context, turn, turn.t("households.pair_choose"), buttons(rows))


async def on_pair_volunteer(update: Update, context: AppContext) -> None:
    """Pairs the volunteer picked (they are told) and shows the household again."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    press = pressed(turn, HouseholdPairVolunteer)
    if press is None:
        await answer_expired(turn)
        return
    try:
        found = await turn.services.households.pair(
            await turn.actor(), press.household, press.volunteer
        )
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await turn.query.answer()
    await turn.services.dialogues.end(turn.user_id)
    name = next((p.name for p in found.pairings if p.volunteer_id == press.volunteer), "")
    await reply(
        context, turn, turn.t("households.paired_done", name=name, code=found.household.code)
    )
    await show_file(context, turn, found)


async def on_unpair(update: Update, context: AppContext) -> None:
    """Unpairs the volunteer (they are told) and shows the household again."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    press = pressed(turn, HouseholdUnpair)
    if press is None:
        await answer_expired(turn)
        return
    try:
        found = await turn.services.households.unpair(
            await turn.actor(), press.household, press.volunteer
        )
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await turn.query.answer()
    await reply(context, turn, turn.t("households.unpaired_done", code=found.household.code))
    await show_file(context, turn, found)


# ---------------------------------------------------------------- leads: the pin


async def on_pin(update: Update, context: AppContext) -> None:
    """Asks for the household's location (or "none", to remove the pin)."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    press = pressed(turn, HouseholdPin)
    if press is None:
        await answer_expired(turn)
        return
    try:
        found = await turn.services.households.household_file(await turn.actor(), press.household)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await turn.query.answer()
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
    await _save_pin(context, turn, dialogue, parse_radius(message.text or ""))


async def _save_pin(
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


# ---------------------------------------------------------------- leads: registering


async def _teams_keyboard(turn: Turn, teams: list[Team], number: int) -> InlineKeyboardMarkup:
    page = page_of(teams, number, TEAMS_PER_PAGE)
    rows: list[list[Choice]] = [
        [(team.name(turn.t.language), HouseholdTeam(team.key))] for team in page.items
    ]
    rows.append(page_buttons(turn, page, HouseholdTeamPage))
    return buttons(rows)


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
    await reply(context, turn, turn.t("households.ask_team"), await _teams_keyboard(turn, teams, 0))


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
    await turn.query.edit_message_reply_markup(await _teams_keyboard(turn, teams, press.page))


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
    rows: list[list[Choice]] = []
    for need in turn.services.households.config.needs:
        name = need.name_zh if turn.t.language == "zh" else need.name_en
        tick = "✅" if need.key in chosen else "⬜"
        rows.append([(f"{tick} {name}", HouseholdNeed(need.key))])
    rows.append([(turn.t("button.next_step"), HouseholdNext())])
    return buttons(rows)


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
    chosen = list(dialogue.data.need_keys or [])
    chosen = (
        [key for key in chosen if key != press.need]
        if press.need in chosen
        else [
            *chosen,
            press.need,
        ]
    )
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
        team=await _team_name(turn, draft.team_key),
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
            await _save_pin(context, turn, action, None)
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

"""/households: for a volunteer, the households they are paired with (code, community, needs,
when the next visit is due) with a button to log a visit; for a team's leads and admins, the
team's households the most overdue first, each household's file (with its private contact
note), pairing and unpairing volunteers. Registering a household is handlers/new_household.py,
correcting its details or pin handlers/household_edit.py; logging visits handlers/visits.py,
deciding them handlers/visit_review.py."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from telegram import InlineKeyboardMarkup, Message, Update

from bot.buttons import (
    ButtonData,
    HouseholdEdit,
    HouseholdNew,
    HouseholdOpen,
    HouseholdPair,
    HouseholdPairVolunteer,
    HouseholdPin,
    HouseholdsMine,
    HouseholdsPage,
    HouseholdUnpair,
    VisitsPending,
    VisitStart,
)
from bot.domain.dialogues import Dialogue, HouseholdActionData
from bot.domain.errors import DomainError
from bot.domain.households import (
    Household,
    HouseholdFile,
)
from handlers.common import (
    Choice,
    Turn,
    answer_expired,
    buttons,
    pressed,
    reply,
    reply_error,
    turn_of,
)
from handlers.dialogue import text_step
from handlers.privacy import require_private
from telegram_adapter.context import AppContext


def need_names(turn: Turn, keys: Sequence[str]) -> str:
    return turn.services.households.need_names(turn.t, keys)


def needs_keyboard(
    turn: Turn,
    ticked: Sequence[str],
    tick: Callable[[str], ButtonData],
    last: Choice,
    offered: Sequence[str] = (),
) -> InlineKeyboardMarkup:
    """The configured needs (those `offered`, if any) to tick, each ✅ or ⬜ with `tick(key)`,
    then the `last` button."""
    rows: list[list[Choice]] = [
        [(f"{'✅' if need.key in ticked else '⬜'} {need.name(turn.t.language)}", tick(need.key))]
        for need in turn.services.households.config.needs
        if not offered or need.key in offered
    ]
    rows.append([last])
    return buttons(rows)


def toggled(keys: Sequence[str], key: str) -> list[str]:
    """`keys` with `key` added, or taken out if it was there."""
    return [k for k in keys if k != key] if key in keys else [*keys, key]


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

HouseholdPress = TypeVar(
    "HouseholdPress", HouseholdOpen, HouseholdPair, HouseholdPin, HouseholdEdit
)


async def pressed_household(
    context: AppContext, turn: Turn, kind: type[HouseholdPress]
) -> tuple[HouseholdPress, HouseholdFile] | None:
    """The button a lead pressed on a household, with its file, the press answered; None
    (and the presser told why) if the button is stale or forged, or the household is not one
    they manage."""
    assert turn.query is not None
    press = pressed(turn, kind)
    if press is None:
        await answer_expired(turn)
        return None
    try:
        found = await turn.services.households.household_file(await turn.actor(), press.household)
    except DomainError as error:
        await reply_error(context, turn, error)
        return None
    await turn.query.answer()
    return press, found


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


async def team_name(turn: Turn, key: str) -> str:
    team = next((t for t in await turn.services.teams.all() if t.key == key), None)
    return team.name(turn.t.language) if team else key


async def show_file(context: AppContext, turn: Turn, found: HouseholdFile) -> None:
    household = found.household
    rows: list[list[Choice]] = [[(turn.t("button.pair_volunteer"), HouseholdPair(household.id))]]
    for pairing in found.pairings:
        label = turn.t("button.unpair", name=pairing.name)[:60]
        rows.append([(label, HouseholdUnpair(household.id, pairing.volunteer_id))])
    t = turn.t
    rows += [
        [
            (t("button.edit_community"), HouseholdEdit(household.id, "community")),
            (t("button.edit_needs"), HouseholdEdit(household.id, "needs")),
        ],
        [
            (t("button.edit_cadence"), HouseholdEdit(household.id, "cadence")),
            (t("button.edit_note"), HouseholdEdit(household.id, "note")),
        ],
        [(t("button.set_pin"), HouseholdPin(household.id))],
        [(t("button.back_to_households"), HouseholdsPage(0))],
    ]
    text = file_text(turn, found, await team_name(turn, household.team_key))
    await reply(context, turn, text, buttons(rows))


async def on_open(update: Update, context: AppContext) -> None:
    """A household's file, for its team's leads and admins."""
    turn = await turn_of(update, context)
    chosen = await pressed_household(context, turn, HouseholdOpen)
    if chosen is not None:
        await show_file(context, turn, chosen[1])


# ---------------------------------------------------------------- leads: pairing


async def on_pair(update: Update, context: AppContext) -> None:
    """Asks for part of the name of the team member to pair with the household."""
    turn = await turn_of(update, context)
    chosen = await pressed_household(context, turn, HouseholdPair)
    if chosen is None:
        return
    found = chosen[1]
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

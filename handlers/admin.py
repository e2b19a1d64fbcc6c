"""Admin tools: /promote, /demote and /teams (with adding a team)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from functools import partial
from typing import Any, Literal

from telegram import InlineKeyboardMarkup, Message, Update

from bot.buttons import (
    AddTeam,
    ButtonData,
    DemoteLead,
    DemotePage,
    PromotePage,
    PromoteTeam,
    PromoteVolunteer,
    TeamsPage,
)
from bot.domain.dialogues import AddTeamData, Dialogue, DialogueData, PromoteData, entered
from bot.domain.errors import DomainError, NotAdmin
from bot.domain.paging import page_of
from bot.domain.validation import parse_team_name
from handlers.common import (
    Choice,
    Turn,
    answer_expired,
    buttons,
    capped,
    keyboard_pager,
    page_buttons,
    pressed,
    reply,
    reply_error,
    turn_of,
)
from handlers.dialogue import text_step
from handlers.privacy import require_private
from telegram_adapter.context import AppContext

TEAM_BUTTONS_PER_PAGE = 8
TEAM_LINES_PER_PAGE = 10  # with at most 5 leads named each, a page stays under 4096 characters
LEADS_NAMED = 5


async def admin_turn(update: Update, context: AppContext) -> Turn | None:
    """The turn if the sender is an admin in a private chat; otherwise they are told why not."""
    turn = await turn_of(update, context)
    if not await require_private(context, turn):
        return None
    if not turn.services.roles.is_admin(turn.user_id):
        await reply_error(context, turn, NotAdmin())
        return None
    return turn


async def show_volunteer_matches(
    context: AppContext, turn: Turn, query: str, pick: Callable[[int], ButtonData], prompt: str
) -> None:
    """Volunteers matching a name or phone fragment (admins only), each a `pick(<id>)`
    button; the search dialogue ends once something is found."""
    found = await turn.services.roles.search(await turn.actor(), query)
    if not found:
        await reply(context, turn, turn.t("promote.none", query=query))
        return
    await turn.services.dialogues.end(turn.user_id)
    rows = [[(f"{v.name} {v.phone}", pick(v.id))] for v in found]
    await reply(context, turn, turn.t(prompt), buttons(rows))


def volunteer_search(
    model: type[DialogueData], pick: Callable[[int], ButtonData], results_key: str, ask_key: str
) -> Callable[[Update, AppContext], Coroutine[Any, Any, None]]:
    """An admin command that finds a volunteer by name or phone fragment, typed after the
    command or asked for (the answer goes to the `query` step of `model`'s flow); the matches
    become `pick(<id>)` buttons."""

    async def show(context: AppContext, turn: Turn, query: str) -> None:
        await show_volunteer_matches(context, turn, query, pick, results_key)

    @text_step(model, "query")
    async def typed(
        context: AppContext, turn: Turn, dialogue: Dialogue[DialogueData], message: Message
    ) -> None:
        await show(context, turn, message.text or "")

    async def command(update: Update, context: AppContext) -> None:
        turn = await admin_turn(update, context)
        if turn is None:
            return
        if context.args:
            try:
                await show(context, turn, " ".join(context.args))
            except DomainError as error:
                await reply_error(context, turn, error)
            return
        await turn.services.dialogues.begin(turn.user_id, model(), "query")
        await reply(context, turn, turn.t(ask_key))

    return command


# Finds a volunteer by name or phone fragment to make them a team lead.
promote_command = volunteer_search(
    PromoteData, PromoteVolunteer, "promote.results", "promote.ask_query"
)


async def on_pick_volunteer(update: Update, context: AppContext) -> None:
    """Offers the teams the chosen volunteer could lead."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    press = pressed(turn, PromoteVolunteer)
    if press is None:
        await answer_expired(turn)
        return
    try:
        volunteer = await turn.services.roles.candidate(await turn.actor(), press.volunteer)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await turn.query.answer()
    text = turn.t("promote.choose_team", name=volunteer.name, phone=volunteer.phone)
    await reply(context, turn, text, await _promote_team_keyboard(turn, volunteer.id, 0))


async def _promote_team_keyboard(
    turn: Turn, volunteer_id: int, number: int
) -> InlineKeyboardMarkup:
    page = page_of(await turn.services.teams.all(), number, TEAM_BUTTONS_PER_PAGE)
    rows: list[list[Choice]] = [
        [(team.name(turn.t.language), PromoteTeam(volunteer_id, team.key))] for team in page.items
    ]
    rows.append(page_buttons(turn, page, partial(PromotePage, volunteer_id)))
    return buttons(rows)


async def on_promote_page(update: Update, context: AppContext) -> None:
    """Shows another page of teams to choose from when promoting."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    press = pressed(turn, PromotePage)
    if press is None:
        await answer_expired(turn)
        return
    try:
        volunteer = await turn.services.roles.candidate(await turn.actor(), press.volunteer)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await turn.query.answer()
    await turn.query.edit_message_reply_markup(
        await _promote_team_keyboard(turn, volunteer.id, press.page)
    )


async def _change_role(
    update: Update,
    context: AppContext,
    kind: type[PromoteTeam] | type[DemoteLead],
    action: Literal["promote", "demote"],
) -> None:
    """Apply a promotion or demotion from a button, report it and tell the person."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    press = pressed(turn, kind)
    if press is None:
        await answer_expired(turn)
        return
    roles = turn.services.roles
    change_role = roles.promote if action == "promote" else roles.demote
    try:
        change = await change_role(await turn.actor(), press.volunteer, press.team)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await turn.query.answer()
    await turn.query.edit_message_reply_markup(None)
    team = change.team.name(turn.t.language)
    text = turn.t(f"{action}.done", name=change.volunteer.name, team=team)
    if not change.notified:
        text += "\n" + turn.t("notify.unreachable")
    await reply(context, turn, text)


async def on_pick_team(update: Update, context: AppContext) -> None:
    """Makes the chosen volunteer a lead of the chosen team and tells them."""
    await _change_role(update, context, PromoteTeam, "promote")


async def demote_command(update: Update, context: AppContext) -> None:
    """Lists the team leads, one button each, to remove the role."""
    turn = await admin_turn(update, context)
    if turn is None:
        return
    markup = await _leads_keyboard(turn, 0)
    if markup is None:
        await reply(context, turn, turn.t("demote.none"))
        return
    await reply(context, turn, turn.t("demote.choose"), markup)


async def _leads_keyboard(turn: Turn, number: int) -> InlineKeyboardMarkup | None:
    """One page of lead buttons; None if there are no leads."""
    assignments = await turn.services.roles.lead_assignments(await turn.actor())
    if not assignments:
        return None
    page = page_of(assignments, number, TEAM_BUTTONS_PER_PAGE)
    rows: list[list[Choice]] = [
        [
            (
                f"{a.volunteer_name} · {a.team.name(turn.t.language)}",
                DemoteLead(a.volunteer_id, a.team.key),
            )
        ]
        for a in page.items
    ]
    rows.append(page_buttons(turn, page, DemotePage))
    return buttons(rows)


async def on_demote(update: Update, context: AppContext) -> None:
    """Removes a lead role and tells the former lead."""
    await _change_role(update, context, DemoteLead, "demote")


on_demote_page = keyboard_pager(DemotePage.parse, _leads_keyboard)


async def teams_command(update: Update, context: AppContext) -> None:
    """Lists every team with its leads and member count; admins may add a team."""
    turn = await admin_turn(update, context)
    if turn is None:
        return
    text, markup = await _teams_page(turn, 0)
    await reply(context, turn, text, markup)


async def on_teams_page(update: Update, context: AppContext) -> None:
    """Shows another page of the team overview."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    press = pressed(turn, TeamsPage)
    if press is None:
        await answer_expired(turn)
        return
    try:
        text, markup = await _teams_page(turn, press.page)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await turn.query.answer()
    await turn.query.edit_message_text(text, reply_markup=markup)


async def _teams_page(turn: Turn, number: int) -> tuple[str, InlineKeyboardMarkup]:
    overview = await turn.services.teams.overview(await turn.actor())
    page = page_of(overview, number, TEAM_LINES_PER_PAGE)
    lines = [turn.t("teams.header", count=len(overview))]
    for item in page.items:
        leads = (
            capped(turn, item.lead_names, LEADS_NAMED)
            if item.lead_names
            else turn.t("teams.no_leads")
        )
        lines.append(
            turn.t(
                "teams.line",
                name=item.team.name(turn.t.language),
                key=item.team.key,
                members=turn.t.number(item.member_count),
                leads=leads,
            )
        )
    if page.count > 1:
        lines.append(turn.t("page.indicator", page=page.number + 1, pages=page.count))
    rows: list[list[Choice]] = [
        page_buttons(turn, page, TeamsPage),
        [(turn.t("button.add_team"), AddTeam())],
    ]
    return "\n".join(lines), buttons(rows)


async def on_add_team(update: Update, context: AppContext) -> None:
    """Starts the add-a-team dialogue."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    if not turn.services.roles.is_admin(turn.user_id):
        await reply_error(context, turn, NotAdmin())
        return
    await turn.query.answer()
    await turn.services.dialogues.begin(turn.user_id, AddTeamData(), "key")
    await reply(context, turn, turn.t("teams.ask_key"))


@text_step(AddTeamData, "key")
async def add_team_key(
    context: AppContext, turn: Turn, dialogue: Dialogue[AddTeamData], message: Message
) -> None:
    dialogue.data.key = await turn.services.teams.check_new_key(
        await turn.actor(), message.text or ""
    )
    dialogue.step = "name_zh"
    await turn.services.dialogues.save(turn.user_id, dialogue)
    await reply(context, turn, turn.t("teams.ask_name_zh"))


@text_step(AddTeamData, "name_zh")
async def add_team_name_zh(
    context: AppContext, turn: Turn, dialogue: Dialogue[AddTeamData], message: Message
) -> None:
    dialogue.data.name_zh = parse_team_name(message.text or "")
    dialogue.step = "name_en"
    await turn.services.dialogues.save(turn.user_id, dialogue)
    await reply(context, turn, turn.t("teams.ask_name_en"))


@text_step(AddTeamData, "name_en")
async def add_team_name_en(
    context: AppContext, turn: Turn, dialogue: Dialogue[AddTeamData], message: Message
) -> None:
    data = dialogue.data
    team = await turn.services.teams.add(
        await turn.actor(), entered(data.key), entered(data.name_zh), message.text or ""
    )
    await turn.services.dialogues.end(turn.user_id)
    await reply(context, turn, turn.t("teams.added", name=team.name(turn.t.language), key=team.key))

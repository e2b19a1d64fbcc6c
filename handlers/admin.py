"""Admin tools: /promote, /demote and /teams (with adding a team)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, Literal

from telegram import InlineKeyboardMarkup, Message, Update

from bot.domain.errors import DomainError, NotAdmin
from bot.domain.models import Dialogue
from bot.domain.paging import page_of
from bot.domain.validation import parse_team_name
from handlers.common import (
    Turn,
    answer_expired,
    buttons,
    capped,
    keyboard_pager,
    page_buttons,
    page_number,
    reply,
    reply_error,
    small_number,
    turn_of,
)
from handlers.dialogue import text_step
from handlers.privacy import require_private
from telegram_adapter.context import AppContext

PICK_VOLUNTEER = "a:pv:"
PICK_TEAM = "a:pt:"
DEMOTE = "a:d:"
ADD_TEAM = "a:nt"
PROMOTE_PAGE = "a:pp:"
TEAMS_PAGE = "a:tp:"
DEMOTE_PAGE = "a:dp:"
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
    context: AppContext, turn: Turn, query: str, prefix: str, prompt: str
) -> None:
    """Volunteers matching a name or phone fragment (admins only), each a `<prefix><id>`
    button; the search dialogue ends once something is found."""
    found = await turn.services.roles.search(await turn.actor(), query)
    if not found:
        await reply(context, turn, turn.t("promote.none", query=query))
        return
    await turn.services.dialogues.end(turn.user_id)
    rows = [[(f"{v.name} {v.phone}", f"{prefix}{v.id}")] for v in found]
    await reply(context, turn, turn.t(prompt), buttons(rows))


def volunteer_search(
    flow: str, prefix: str, results_key: str, ask_key: str
) -> Callable[[Update, AppContext], Coroutine[Any, Any, None]]:
    """An admin command that finds a volunteer by name or phone fragment, typed after the
    command or asked for (the answer goes to the `<flow>/query` step); the matches become
    `<prefix><id>` buttons."""

    async def show(context: AppContext, turn: Turn, query: str) -> None:
        await show_volunteer_matches(context, turn, query, prefix, results_key)

    @text_step(flow, "query")
    async def typed(context: AppContext, turn: Turn, dialogue: Dialogue, message: Message) -> None:
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
        await turn.services.dialogues.begin(turn.user_id, flow, "query")
        await reply(context, turn, turn.t(ask_key))

    return command


# Finds a volunteer by name or phone fragment to make them a team lead.
promote_command = volunteer_search(
    "promote", PICK_VOLUNTEER, "promote.results", "promote.ask_query"
)


def _ids(data: str, prefix: str) -> tuple[int, str] | None:
    """Parse `<prefix><volunteer id>[:<team key>]` from callback data."""
    volunteer, _, team = data.removeprefix(prefix).partition(":")
    number = small_number(volunteer)
    return None if number is None else (number, team)


async def on_pick_volunteer(update: Update, context: AppContext) -> None:
    """Offers the teams the chosen volunteer could lead."""
    turn = await turn_of(update, context)
    assert turn.query is not None and turn.query.data is not None
    parsed = _ids(turn.query.data, PICK_VOLUNTEER)
    if parsed is None:
        await answer_expired(turn)
        return
    try:
        volunteer = await turn.services.roles.candidate(await turn.actor(), parsed[0])
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
    rows = [
        [(team.name(turn.t.language), f"{PICK_TEAM}{volunteer_id}:{team.key}")]
        for team in page.items
    ]
    rows.append(page_buttons(turn, page, f"{PROMOTE_PAGE}{volunteer_id}:"))
    return buttons(rows)


async def on_promote_page(update: Update, context: AppContext) -> None:
    """Shows another page of teams to choose from when promoting."""
    turn = await turn_of(update, context)
    assert turn.query is not None and turn.query.data is not None
    parsed = _ids(turn.query.data, PROMOTE_PAGE)
    number = page_number(parsed[1], "") if parsed else None
    if parsed is None or number is None:
        await answer_expired(turn)
        return
    try:
        volunteer = await turn.services.roles.candidate(await turn.actor(), parsed[0])
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await turn.query.answer()
    await turn.query.edit_message_reply_markup(
        await _promote_team_keyboard(turn, volunteer.id, number)
    )


async def _change_role(
    update: Update, context: AppContext, prefix: str, action: Literal["promote", "demote"]
) -> None:
    """Apply a promotion or demotion from a button, report it and tell the person."""
    turn = await turn_of(update, context)
    assert turn.query is not None and turn.query.data is not None
    parsed = _ids(turn.query.data, prefix)
    if parsed is None:
        await answer_expired(turn)
        return
    roles = turn.services.roles
    change_role = roles.promote if action == "promote" else roles.demote
    try:
        change = await change_role(await turn.actor(), *parsed)
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
    await _change_role(update, context, PICK_TEAM, "promote")


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
    rows = [
        [
            (
                f"{a.volunteer_name} · {a.team.name(turn.t.language)}",
                f"{DEMOTE}{a.volunteer_id}:{a.team.key}",
            )
        ]
        for a in page.items
    ]
    rows.append(page_buttons(turn, page, DEMOTE_PAGE))
    return buttons(rows)


async def on_demote(update: Update, context: AppContext) -> None:
    """Removes a lead role and tells the former lead."""
    await _change_role(update, context, DEMOTE, "demote")


on_demote_page = keyboard_pager(DEMOTE_PAGE, _leads_keyboard)


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
    assert turn.query is not None and turn.query.data is not None
    number = page_number(turn.query.data, TEAMS_PAGE)
    if number is None:
        await answer_expired(turn)
        return
    try:
        text, markup = await _teams_page(turn, number)
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
    rows = [page_buttons(turn, page, TEAMS_PAGE), [(turn.t("button.add_team"), ADD_TEAM)]]
    return "\n".join(lines), buttons(rows)


async def on_add_team(update: Update, context: AppContext) -> None:
    """Starts the add-a-team dialogue."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    if not turn.services.roles.is_admin(turn.user_id):
        await reply_error(context, turn, NotAdmin())
        return
    await turn.query.answer()
    await turn.services.dialogues.begin(turn.user_id, "add_team", "key")
    await reply(context, turn, turn.t("teams.ask_key"))


@text_step("add_team", "key")
async def add_team_key(
    context: AppContext, turn: Turn, dialogue: Dialogue, message: Message
) -> None:
    dialogue.data["key"] = await turn.services.teams.check_new_key(
        await turn.actor(), message.text or ""
    )
    dialogue.step = "name_zh"
    await turn.services.dialogues.save(turn.user_id, dialogue)
    await reply(context, turn, turn.t("teams.ask_name_zh"))


@text_step("add_team", "name_zh")
async def add_team_name_zh(
    context: AppContext, turn: Turn, dialogue: Dialogue, message: Message
) -> None:
    dialogue.data["name_zh"] = parse_team_name(message.text or "")
    dialogue.step = "name_en"
    await turn.services.dialogues.save(turn.user_id, dialogue)
    await reply(context, turn, turn.t("teams.ask_name_en"))


@text_step("add_team", "name_en")
async def add_team_name_en(
    context: AppContext, turn: Turn, dialogue: Dialogue, message: Message
) -> None:
    data = dialogue.data
    team = await turn.services.teams.add(
        await turn.actor(), data["key"], data["name_zh"], message.text or ""
    )
    await turn.services.dialogues.end(turn.user_id)
    await reply(context, turn, turn.t("teams.added", name=team.name(turn.t.language), key=team.key))

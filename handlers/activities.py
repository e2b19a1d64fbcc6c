"""/activities, activity cards, signing up and cancelling from a card, deep links act_<id>."""

from __future__ import annotations

from functools import partial

from telegram import InlineKeyboardMarkup, Message, Update

from bot.buttons import (
    ActivitiesPage,
    ActivityOpen,
    CategoryFilter,
    SignUp,
    SignUpCancel,
    TeamFilter,
)
from bot.domain.errors import DomainError, NotRegistered
from bot.domain.models import Team
from bot.domain.paging import Page, page_of
from bot.domain.roster import Placement
from bot.services.activity_pages import ActivityView
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
from handlers.privacy import require_private
from handlers.registration import after_registration, begin_registration
from telegram_adapter.context import AppContext

PER_PAGE = 5
TEAMS_PER_PAGE = 8


async def card(
    turn: Turn, view: ActivityView, status: Placement | None
) -> tuple[str, InlineKeyboardMarkup]:
    """The activity as a card, with the buttons that fit this person's status."""
    activity, t = view.activity, turn.t
    teams = {team.key: team.name(t.language) for team in await turn.services.teams.all()}
    categories = turn.category_names()
    text = t(
        "activity.card",
        title=activity.title,
        team=teams.get(activity.team_key, activity.team_key),
        category=categories.get(activity.category, activity.category),
        start=t.datetime(activity.starts_at),
        end=t.datetime(activity.ends_at),
        place=activity.place,
        left=t.number(view.slots_left),
        capacity=t.number(activity.capacity),
        waiting=t.number(view.waiting),
    )
    if activity.description:
        text += "\n\n" + activity.description
    if activity.state == "cancelled":
        return text + "\n\n" + t("activity.status.cancelled"), buttons([])
    if status is Placement.CONFIRMED:
        text += "\n\n" + t("activity.status.confirmed")
        row: list[Choice] = [(t("button.cancel_signup"), SignUpCancel(activity.id))]
    elif status is Placement.WAITLISTED:
        text += "\n\n" + t("activity.status.waitlisted")
        row = [(t("button.leave_waitlist"), SignUpCancel(activity.id))]
    else:
        row = [(t("button.sign_up"), SignUp(activity.id))]
    return text, buttons([row])


async def show_card(context: AppContext, turn: Turn, activity_id: int) -> None:
    """Send one activity's card (the deep link `act_<id>` and the list both open it)."""
    try:
        view, status = await turn.services.activities.view(activity_id, turn.user_id)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    text, markup = await card(turn, view, status)
    await reply(context, turn, text, markup)


async def _list(
    turn: Turn, number: int, team_id: int = 0, category: int = 0
) -> tuple[str, InlineKeyboardMarkup]:
    categories = list(turn.categories)
    category_key = categories[category - 1].key if 0 < category <= len(categories) else None
    views, total = await turn.services.activities.upcoming(
        number, PER_PAGE, team_id or None, category_key
    )
    teams = tuple(await turn.services.teams.all())
    return turn.remembered(
        ("activities", turn.t.language, number, team_id, category),
        (tuple(views), total, teams),
        lambda: _render_list(turn, views, total, teams, number, team_id, category),
    )


def _render_list(
    turn: Turn,
    views: list[ActivityView],
    total: int,
    all_teams: tuple[Team, ...],
    number: int,
    team_id: int,
    category: int,
) -> tuple[str, InlineKeyboardMarkup]:
    categories = list(turn.categories)
    category_key = categories[category - 1].key if 0 < category <= len(categories) else None
    count = max(1, -(-total // PER_PAGE))
    page = Page(views, min(max(number, 0), count - 1), count)
    teams = {team.id: team for team in all_teams}
    team_label = (
        teams[team_id].name(turn.t.language) if team_id in teams else turn.t("filter.all_teams")
    )
    category_label = (
        (
            categories[category - 1].name_zh
            if turn.t.language == "zh"
            else categories[category - 1].name_en
        )
        if category_key
        else turn.t("filter.all_categories")
    )
    filters: list[Choice] = [
        (f"👥 {team_label}", TeamFilter(category, 0)),
        (f"🏷 {category_label}", CategoryFilter(team_id)),
    ]
    if not views:
        return turn.t("activities.none"), buttons([filters])
    lines = [turn.t("activities.header", page=page.number + 1, pages=page.count)]
    rows: list[list[Choice]] = []
    for n, view in enumerate(views, start=page.number * PER_PAGE + 1):
        lines.append(
            turn.t(
                "activities.line",
                n=n,
                title=view.activity.title,
                start=turn.t.datetime(view.activity.starts_at),
                place=view.activity.place,
                count=view.slots_left,
            )
        )
        rows.append([(f"{n}. {view.activity.title}", ActivityOpen(view.activity.id))])
    rows.append(page_buttons(turn, page, lambda n: ActivitiesPage(n, team_id, category)))
    rows.append(filters)
    return "\n".join(lines), buttons(rows)


async def activities_command(update: Update, context: AppContext) -> None:
    """Lists upcoming activities, five a page, each with a button to open its card, and
    filter buttons by team and category."""
    turn = await turn_of(update, context)
    if not await require_private(context, turn):
        return
    text, markup = await _list(turn, 0)
    await reply(context, turn, text, markup)


async def on_page(update: Update, context: AppContext) -> None:
    """Shows a page of the list, with the filters the button carries."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    press = pressed(turn, ActivitiesPage)
    if press is None:
        await answer_expired(turn)
        return
    text, markup = await _list(turn, press.page, press.team_id, press.category)
    await turn.query.answer()
    await turn.query.edit_message_text(text, reply_markup=markup)


async def on_team_filter(update: Update, context: AppContext) -> None:
    """Offers the teams to filter by (paged), keeping the category filter."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    press = pressed(turn, TeamFilter)
    if press is None:
        await answer_expired(turn)
        return
    chosen_category = press.category
    page = page_of(await turn.services.teams.all(), press.page, TEAMS_PER_PAGE)
    rows: list[list[Choice]] = [
        [(turn.t("filter.all_teams"), ActivitiesPage(0, 0, chosen_category))]
    ]
    rows += [
        [(team.name(turn.t.language), ActivitiesPage(0, team.id, chosen_category))]
        for team in page.items
    ]
    rows.append(page_buttons(turn, page, partial(TeamFilter, chosen_category)))
    await turn.query.answer()
    await turn.query.edit_message_reply_markup(buttons(rows))


async def on_category_filter(update: Update, context: AppContext) -> None:
    """Offers the categories to filter by, keeping the team filter."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    press = pressed(turn, CategoryFilter)
    if press is None:
        await answer_expired(turn)
        return
    team_id = press.team_id
    rows = [[(turn.t("filter.all_categories"), ActivitiesPage(0, team_id, 0))]]
    rows += [
        [((c.name_zh if turn.t.language == "zh" else c.name_en), ActivitiesPage(0, team_id, n))]
        for n, c in enumerate(turn.categories, start=1)
    ]
    await turn.query.answer()
    await turn.query.edit_message_reply_markup(buttons(rows))


@after_registration("activity")
async def _resume_card(context: AppContext, turn: Turn, activity_id: int) -> None:
    await show_card(context, turn, activity_id)


async def on_open(update: Update, context: AppContext) -> None:
    """Opens one activity's card from the list."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    press = pressed(turn, ActivityOpen)
    if press is None:
        await answer_expired(turn)
        return
    await turn.query.answer()
    await show_card(context, turn, press.activity)


async def on_sign_up_or_cancel(update: Update, context: AppContext) -> None:
    """Signs up (confirmed or waitlisted) or cancels from a card; the card shows the result.
    Someone not registered is offered registration and brought back to the card after it."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    press = pressed(turn, SignUp) or pressed(turn, SignUpCancel)
    if press is None:
        await answer_expired(turn)
        return
    signing_up, activity_id = isinstance(press, SignUp), press.activity
    try:
        if signing_up:
            result = await turn.services.signups.sign_up(turn.user_id, activity_id)
            toast = (
                turn.t("signup.confirmed", title=result.activity.title)
                if result.placement is Placement.CONFIRMED
                else turn.t("signup.waitlisted", position=result.waitlist_position)
            )
        else:
            cancelled = await turn.services.signups.cancel(turn.user_id, activity_id)
            toast = turn.t(
                "signup.cancelled"
                if cancelled.was is Placement.CONFIRMED
                else "signup.left_waitlist"
            )
    except NotRegistered:
        await turn.query.answer()
        await begin_registration(context, turn, resume_activity=activity_id)
        return
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await turn.query.answer(toast)
    view, status = await turn.services.activities.view(activity_id, turn.user_id)
    text, markup = await card(turn, view, status)
    shown = turn.query.message
    if isinstance(shown, Message) and shown.text == text and shown.reply_markup == markup:
        return  # a repeated press: the card already says this
    await turn.query.edit_message_text(text, reply_markup=markup)

"""/wishes: the wall of open micro-wishes (5 a page, newest first, filters by team and
community), one wish's card (the deep link wish_<id> opens it too), claiming and releasing
from the card, and a person's own claims (with, for leads, the deliveries to decide)."""

from __future__ import annotations

import logging
from functools import partial

from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot.buttons import (
    WishClaim,
    WishCommunityFilter,
    WishConfirm,
    WishDeliver,
    WishesMine,
    WishesPage,
    WishNew,
    WishOpen,
    WishRelease,
    WishSendBack,
    WishTeamFilter,
)
from bot.domain.errors import DomainError, NotRegistered
from bot.domain.models import Team
from bot.domain.paging import Page, page_of
from bot.domain.wishes import Wish, WishState
from bot.services.photos import is_kept
from bot.services.wishes import WishView
from bot.views.wishes import MINE_MOST, mine_text, wall_header, wall_line, wish_text
from handlers.common import (
    Choice,
    Turn,
    answer_expired,
    buttons,
    page_buttons,
    pressed,
    reply,
    reply_error,
    team_names,
    turn_of,
)
from handlers.privacy import require_private
from handlers.registration import after_registration, begin_registration
from telegram_adapter.context import AppContext

log = logging.getLogger(__name__)

PER_PAGE = 5
FILTERS_PER_PAGE = 8


async def wish_card(turn: Turn, view: WishView) -> tuple[str, InlineKeyboardMarkup]:
    """The wish as a card for this reader, with the buttons they may press."""
    wish, t = view.wish, turn.t
    text = wish_text(t, view, await team_names(turn))
    rows: list[list[Choice]] = []
    if view.may.claim:
        rows.append([(t("button.claim_wish"), WishClaim(wish.id))])
    if view.may.deliver:
        rows.append([(t("button.deliver_wish"), WishDeliver(wish.id))])
    if view.may.release:
        rows.append([(t("button.release_wish"), WishRelease(wish.id))])
    if view.may.decide:
        rows.append(
            [
                (t("button.confirm_wish"), WishConfirm(wish.id)),
                (t("button.send_back_wish"), WishSendBack(wish.id)),
            ]
        )
    rows.append([(t("button.wish_wall"), WishesPage(0))])
    return text, buttons(rows)


async def _send_photo(context: AppContext, turn: Turn, file_id: str, caption: str) -> None:
    """A stored photo, by its Telegram file_id, or one the bot keeps (sent on WeChat); one
    that cannot be had any more is left out (the card follows all the same)."""
    photo: str | bytes = file_id
    if is_kept(file_id):
        kept = await turn.services.photos.read(file_id)
        if kept is None:
            log.warning("a kept wish photo is gone")
            return
        photo = kept
    try:
        await context.bot.send_photo(turn.chat_id, photo, caption=caption[:1000])
    except BadRequest as error:
        log.warning("a wish photo could not be sent: %s", error.message)


async def show_wish(context: AppContext, turn: Turn, wish_id: int) -> None:
    """Send one wish's card: its photo first if it has one (and, for its claimer and the
    team's leads, the delivery photo), then the card (the deep link `wish_<id>` and the wall
    both open it)."""
    try:
        view = await turn.services.wishes.view(await turn.actor(), wish_id)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    wish = view.wish
    if wish.photo:
        await _send_photo(context, turn, wish.photo, wish.title)
    if wish.delivery_photo and (view.mine or view.manages) and wish.state is not WishState.OPEN:
        caption = turn.t("wish.delivery_photo_caption", title=wish.title)
        await _send_photo(context, turn, wish.delivery_photo, caption)
    text, markup = await wish_card(turn, view)
    await reply(context, turn, text, markup)


# ---------------------------------------------------------------- the wall


async def _wall(
    turn: Turn, number: int, team_id: int = 0, community: int = 0
) -> tuple[str, InlineKeyboardMarkup]:
    found = await turn.services.wish_board.wall(
        number, PER_PAGE, team_id or None, community or None
    )
    teams = tuple(await turn.services.teams.all())
    community_name = await turn.services.wish_board.community_name(community) if community else None
    posts = await turn.services.wish_board.may_post(turn.user_id)
    return turn.remembered(
        ("wishes", turn.t.language, found.number, team_id, community, posts),
        (found.wishes, found.total, found.count, teams, community_name),
        lambda: _render_wall(
            turn,
            found.wishes,
            found.total,
            found.number,
            found.count,
            teams,
            team_id,
            community,
            community_name,
            posts,
        ),
    )


def _render_wall(
    turn: Turn,
    wishes: tuple[Wish, ...],
    total: int,
    number: int,
    count: int,
    all_teams: tuple[Team, ...],
    team_id: int,
    community: int,
    community_name: str | None,
    posts: bool,
) -> tuple[str, InlineKeyboardMarkup]:
    t = turn.t
    teams = {team.id: team for team in all_teams}
    team_label = teams[team_id].name(t.language) if team_id in teams else t("filter.all_teams")
    place_label = community_name if community_name else t("wish.filter_all_communities")
    filters: list[Choice] = [
        (f"👥 {team_label}", WishTeamFilter(community)),
        (f"📍 {place_label}", WishCommunityFilter(team_id)),
    ]
    extra: list[Choice] = [(t("button.my_wishes"), WishesMine())]
    if posts:
        extra.append((t("button.new_wish"), WishNew()))
    if not wishes:
        return t("wish.wall_empty"), buttons([filters, extra])
    lines = [wall_header(t, total, number, count)]
    rows: list[list[Choice]] = []
    for n, wish in enumerate(wishes, start=number * PER_PAGE + 1):
        lines.append(wall_line(t, n, wish))
        rows.append([(f"{n}. {wish.title}", WishOpen(wish.id))])
    page = Page(list(wishes), number, count)
    rows.append(page_buttons(turn, page, lambda n: WishesPage(n, team_id, community)))
    rows.append(filters)
    rows.append(extra)
    return "\n".join(lines), buttons(rows)


async def wishes_command(update: Update, context: AppContext) -> None:
    """Lists open wishes, five a page, newest first, each with a button to its card, and
    filter buttons by team and community."""
    turn = await turn_of(update, context)
    if not await require_private(context, turn):
        return
    text, markup = await _wall(turn, 0)
    await reply(context, turn, text, markup)


async def on_page(update: Update, context: AppContext) -> None:
    """Shows a page of the wall, with the filters the button carries."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    press = pressed(turn, WishesPage)
    if press is None:
        await answer_expired(turn)
        return
    text, markup = await _wall(turn, press.page, press.team_id, press.community)
    await turn.query.answer()
    await turn.query.edit_message_text(text, reply_markup=markup)


async def on_team_filter(update: Update, context: AppContext) -> None:
    """Offers the teams to filter the wall by (paged), keeping the community filter."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    press = pressed(turn, WishTeamFilter)
    if press is None:
        await answer_expired(turn)
        return
    page = page_of(await turn.services.teams.all(), press.page, FILTERS_PER_PAGE)
    rows: list[list[Choice]] = [[(turn.t("filter.all_teams"), WishesPage(0, 0, press.community))]]
    rows += [
        [(team.name(turn.t.language), WishesPage(0, team.id, press.community))]
        for team in page.items
    ]
    rows.append(page_buttons(turn, page, partial(WishTeamFilter, press.community)))
    await turn.query.answer()
    await turn.query.edit_message_reply_markup(buttons(rows))


async def on_community_filter(update: Update, context: AppContext) -> None:
    """Offers the communities with open wishes to filter by (paged), keeping the team
    filter."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    press = pressed(turn, WishCommunityFilter)
    if press is None:
        await answer_expired(turn)
        return
    found = await turn.services.wish_board.communities(press.team_id or None)
    page = page_of(found, press.page, FILTERS_PER_PAGE)
    rows: list[list[Choice]] = [
        [(turn.t("wish.filter_all_communities"), WishesPage(0, press.team_id, 0))]
    ]
    rows += [
        [(f"{name} ({turn.t.number(n)})", WishesPage(0, press.team_id, community))]
        for community, name, n in page.items
    ]
    rows.append(page_buttons(turn, page, partial(WishCommunityFilter, press.team_id)))
    await turn.query.answer()
    await turn.query.edit_message_reply_markup(buttons(rows))


# ---------------------------------------------------------------- one wish


async def on_open(update: Update, context: AppContext) -> None:
    """Opens one wish's card (from the wall, a notice or the person's own list)."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    press = pressed(turn, WishOpen)
    if press is None:
        await answer_expired(turn)
        return
    await turn.query.answer()
    await show_wish(context, turn, press.wish)


async def _refresh_card(turn: Turn, wish_id: int) -> None:
    """The pressed card, redrawn as the wish now stands."""
    assert turn.query is not None
    view = await turn.services.wishes.view(await turn.actor(), wish_id)
    text, markup = await wish_card(turn, view)
    await turn.query.edit_message_text(text, reply_markup=markup)


@after_registration("wish")
async def _resume_card(context: AppContext, turn: Turn, wish_id: int) -> None:
    await show_wish(context, turn, wish_id)


async def on_claim(update: Update, context: AppContext) -> None:
    """Claims the wish with one press; the card shows who holds it. Someone not registered is
    walked through registration and brought back to the wish after it."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    press = pressed(turn, WishClaim)
    if press is None:
        await answer_expired(turn)
        return
    try:
        wish = await turn.services.wishes.claim(turn.user_id, press.wish)
    except NotRegistered:
        await turn.query.answer()
        await begin_registration(context, turn, resume_wish=press.wish)
        return
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await turn.query.answer(turn.t("wish.claimed_toast", title=wish.title)[:200])
    await _refresh_card(turn, wish.id)
    await reply(
        context, turn, turn.t("wish.claimed", title=wish.title, day=turn.t.day(wish.deadline))
    )


async def on_release(update: Update, context: AppContext) -> None:
    """Gives a claimed, undelivered wish back to the wall."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    press = pressed(turn, WishRelease)
    if press is None:
        await answer_expired(turn)
        return
    try:
        wish = await turn.services.wishes.release(turn.user_id, press.wish)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await turn.query.answer(turn.t("wish.released", title=wish.title)[:200])
    await _refresh_card(turn, wish.id)


async def on_mine(update: Update, context: AppContext) -> None:
    """The presser's claims not yet confirmed and, for leads and admins, the deliveries of
    their teams waiting for their word; each with a button to its card."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    if pressed(turn, WishesMine) is None:
        await answer_expired(turn)
        return
    await turn.query.answer()
    mine = await turn.services.wishes.mine(await turn.actor())
    t = turn.t
    rows: list[list[Choice]] = [
        [(wish.title, WishOpen(wish.id))] for wish in mine.claims[:MINE_MOST]
    ]
    rows += [[(f"✅ {wish.title}", WishOpen(wish.id))] for wish in mine.awaiting[:MINE_MOST]]
    rows.append([(t("button.wish_wall"), WishesPage(0))])
    await reply(context, turn, mine_text(t, mine), buttons(rows))

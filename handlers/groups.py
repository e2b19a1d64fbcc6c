"""Group chats: /link_group, the bot being added or removed, people blocking the bot."""

from __future__ import annotations

import logging

from telegram import ChatMember, InlineKeyboardMarkup, Update

from bot.domain.errors import DomainError
from bot.domain.paging import page_of
from handlers.common import (
    Turn,
    answer_expired,
    buttons,
    keyboard_pager,
    page_buttons,
    reply,
    reply_error,
    turn_of,
)
from handlers.context import AppContext

log = logging.getLogger(__name__)

LINK = "g:l:"
LINK_PAGE = "g:p:"
TEAMS_PER_PAGE = 8
GONE = {ChatMember.LEFT, ChatMember.BANNED}


async def _link(context: AppContext, turn: Turn, team_key: str) -> None:
    chat = turn.message.chat if turn.message else None
    title = chat.title if chat else None
    team = await turn.services.groups.link(await turn.actor(), turn.chat_id, title, team_key)
    await reply(context, turn, turn.t("group.linked", team=team.name(turn.t.language)))


async def _team_keyboard(turn: Turn, number: int) -> InlineKeyboardMarkup:
    page = page_of(
        await turn.services.groups.linkable_teams(await turn.actor()), number, TEAMS_PER_PAGE
    )
    rows = [[(team.name(turn.t.language), f"{LINK}{team.key}")] for team in page.items]
    rows.append(page_buttons(turn, page, LINK_PAGE))
    return buttons(rows)


async def link_group_command(update: Update, context: AppContext) -> None:
    """In a group: makes it the group of one of the sender's teams."""
    turn = await turn_of(update, context)
    if turn.private:
        await reply(context, turn, turn.t("group.only"))
        return
    try:
        teams = await turn.services.groups.linkable_teams(await turn.actor())
        if len(teams) == 1:
            await _link(context, turn, teams[0].key)
            return
        markup = await _team_keyboard(turn, 0)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await reply(context, turn, turn.t("group.choose_team"), markup)


async def on_link(update: Update, context: AppContext) -> None:
    """Links the group to the team pressed; anyone in the group can press, so rights are
    checked for the presser."""
    turn = await turn_of(update, context)
    assert turn.query is not None and turn.query.data is not None
    if turn.private:
        await answer_expired(turn)
        return
    try:
        await _link(context, turn, turn.query.data.removeprefix(LINK))
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await turn.query.answer()
    await turn.query.edit_message_reply_markup(None)


on_link_page = keyboard_pager(LINK_PAGE, _team_keyboard)


async def on_my_chat_member(update: Update, context: AppContext) -> None:
    """The bot's membership changed: blocked or unblocked by a person, removed from a group."""
    change = update.my_chat_member
    if change is None:
        return
    services = context.runtime.services
    status = change.new_chat_member.status
    if change.chat.type == change.chat.PRIVATE:
        blocked = status in GONE
        since = context.runtime.clock.now() if blocked else None
        await services.accounts.unreachable(change.chat.id, since)
        log.info("user %s %s the bot", change.chat.id, "blocked" if blocked else "unblocked")
    elif status in GONE and await services.groups.bot_removed(change.chat.id):
        log.info("removed from group %s; unlinked it from its team", change.chat.id)


async def on_migrate(update: Update, context: AppContext) -> None:
    """A group became a supergroup: its id changed."""
    message = update.effective_message
    if message is not None and message.migrate_to_chat_id is not None:
        await context.runtime.services.groups.moved(message.chat.id, message.migrate_to_chat_id)

"""Group chats: /link_group, the bot being added or removed, people blocking the bot."""

from __future__ import annotations

import logging

from telegram import ChatMember, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden

from bot.buttons import GroupKeep, GroupLink, GroupLinkPage
from bot.domain.errors import DomainError
from handlers.common import (
    Choice,
    Turn,
    answer_expired,
    buttons,
    keyboard_pager,
    pressed,
    reply,
    reply_error,
    team_picker,
    turn_of,
)
from telegram_adapter.context import AppContext

log = logging.getLogger(__name__)

GONE = {ChatMember.LEFT, ChatMember.BANNED}
RUNS_GROUP = {ChatMember.OWNER, ChatMember.ADMINISTRATOR}


async def _group_admin(context: AppContext, turn: Turn) -> bool:
    """Whether the sender runs this group (its creator or an administrator), as Telegram says
    now; asked on every request, since a role in the group can change at any time."""
    try:
        member = await context.bot.get_chat_member(turn.chat_id, turn.user_id)
    except (BadRequest, Forbidden):
        return False
    return member.status in RUNS_GROUP


async def _link(
    context: AppContext, turn: Turn, team_key: str, group_admin: bool, replacing: int | None = None
) -> None:
    chat = turn.message.chat if turn.message else None
    title = chat.title if chat else None
    outcome = await turn.services.groups.link(
        await turn.actor(),
        turn.chat_id,
        title,
        team_key,
        group_admin=group_admin,
        replacing=replacing,
    )
    language = turn.t.language
    if outcome.linked:
        await reply(context, turn, turn.t("group.linked", team=outcome.team.name(language)))
        return
    assert outcome.current is not None
    text = turn.t(
        "group.linked_elsewhere",
        current=outcome.current.name(language),
        team=outcome.team.name(language),
    )
    choice: list[Choice] = [
        (turn.t("button.move_group"), GroupLink(outcome.team.key, outcome.current.id)),
        (turn.t("button.keep_group"), GroupKeep()),
    ]
    await reply(context, turn, text, buttons([choice]))


async def _team_keyboard(turn: Turn, number: int) -> InlineKeyboardMarkup:
    teams = await turn.services.groups.linkable_teams(await turn.actor())
    return team_picker(turn, teams, number, GroupLink, GroupLinkPage)


async def link_group_command(update: Update, context: AppContext) -> None:
    """In a group: makes it the group of one of the sender's teams. The sender must lead the
    team (or be an admin) and run the group; a group of another team is moved only after a
    confirmation."""
    turn = await turn_of(update, context)
    if turn.private:
        await reply(context, turn, turn.t("group.only"))
        return
    try:
        group_admin = await _group_admin(context, turn)
        teams = await turn.services.groups.may_link(await turn.actor(), group_admin)
        if len(teams) == 1:
            await _link(context, turn, teams[0].key, group_admin)
            return
        markup = await _team_keyboard(turn, 0)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await reply(context, turn, turn.t("group.choose_team"), markup)


async def on_link(update: Update, context: AppContext) -> None:
    """Links the group to the team pressed (or moves it there, confirmed); anyone in the group
    can press, so rights are checked for the presser."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    press = pressed(turn, GroupLink)
    if turn.private or press is None:
        await answer_expired(turn)
        return
    try:
        group_admin = await _group_admin(context, turn)
        await _link(context, turn, press.team, group_admin, press.replacing)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await turn.query.answer()
    await turn.query.edit_message_reply_markup(None)


async def on_keep(update: Update, context: AppContext) -> None:
    """The group stays with its team; only someone who could have moved it closes the
    question."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    if turn.private:
        await answer_expired(turn)
        return
    try:
        await turn.services.groups.may_link(await turn.actor(), await _group_admin(context, turn))
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await turn.query.answer(turn.t("group.kept"))
    await turn.query.edit_message_reply_markup(None)


on_link_page = keyboard_pager(GroupLinkPage.parse, _team_keyboard)


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

"""Posting a wish (leads for their teams, admins for any), from the wall's "post a wish"
button: team → what is wished → story (may be skipped) → community → value (may be skipped) →
deadline → photo (may be skipped) → the private note on the beneficiary → preview → post.
Every typed step is validated; a bad answer repeats the step with an example."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Message, Update

from bot.buttons import WishNew, WishPostSave, WishPostSkip, WishPostTeam, WishPostTeamPage
from bot.domain.dialogues import Dialogue, WishPostData, entered
from bot.domain.errors import DomainError
from bot.domain.wishes import (
    WishDraft,
    parse_community,
    parse_deadline,
    parse_note,
    parse_story,
    parse_value,
    parse_wish_title,
)
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
from handlers.wishes import show_wish
from telegram_adapter.context import AppContext


def _skip(turn: Turn) -> InlineKeyboardMarkup:
    return buttons([[(turn.t("button.skip"), WishPostSkip())]])


async def _ask_title(context: AppContext, turn: Turn, team_key: str) -> None:
    await turn.services.dialogues.begin(turn.user_id, WishPostData(team_key=team_key), "title")
    await reply(context, turn, turn.t("wish.ask_title"))


async def _team_keyboard(turn: Turn, number: int) -> InlineKeyboardMarkup:
    teams = await turn.services.wishes.teams_to_post(await turn.actor())
    return team_picker(turn, teams, number, WishPostTeam, WishPostTeamPage)


async def on_new(update: Update, context: AppContext) -> None:
    """Starts posting a wish (leads for their teams, admins for any)."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    if pressed(turn, WishNew) is None:
        await answer_expired(turn)
        return
    try:
        teams = await turn.services.wishes.teams_to_post(await turn.actor())
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await turn.query.answer()
    if len(teams) == 1:
        await _ask_title(context, turn, teams[0].key)
        return
    await turn.services.dialogues.begin(turn.user_id, WishPostData(), "team")
    await reply(context, turn, turn.t("wish.choose_team"), await _team_keyboard(turn, 0))


async def on_team(update: Update, context: AppContext) -> None:
    """Takes the team (checked again against the presser's role) and asks what is wished."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    if await pressed_at(context, turn, WishPostData, "team") is None:
        return
    press = pressed(turn, WishPostTeam)
    try:
        allowed = {t.key for t in await turn.services.wishes.teams_to_post(await turn.actor())}
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    if press is None or press.team not in allowed:
        await answer_expired(turn)
        return
    await turn.query.answer()
    await turn.query.edit_message_reply_markup(None)
    await _ask_title(context, turn, press.team)


async def on_team_page(update: Update, context: AppContext) -> None:
    """Another page of teams."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    press = pressed(turn, WishPostTeamPage)
    if press is None:
        await answer_expired(turn)
        return
    if await pressed_at(context, turn, WishPostData, "team") is None:
        return
    try:
        markup = await _team_keyboard(turn, press.page)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await turn.query.answer()
    await turn.query.edit_message_reply_markup(markup)


async def _go(
    context: AppContext,
    turn: Turn,
    dialogue: Dialogue[WishPostData],
    step: str,
    key: str,
    markup: InlineKeyboardMarkup | None = None,
) -> None:
    dialogue.step = step
    await turn.services.dialogues.save(turn.user_id, dialogue)
    await reply(context, turn, turn.t(key), markup)


@text_step(WishPostData, "title")
async def title_step(
    context: AppContext, turn: Turn, dialogue: Dialogue[WishPostData], message: Message
) -> None:
    dialogue.data.title = parse_wish_title(message.text or "")
    await _go(context, turn, dialogue, "story", "wish.ask_story", _skip(turn))


@text_step(WishPostData, "story")
async def story_step(
    context: AppContext, turn: Turn, dialogue: Dialogue[WishPostData], message: Message
) -> None:
    dialogue.data.story = parse_story(message.text or "")
    await _go(context, turn, dialogue, "community", "wish.ask_community")


@text_step(WishPostData, "community")
async def community_step(
    context: AppContext, turn: Turn, dialogue: Dialogue[WishPostData], message: Message
) -> None:
    dialogue.data.community = parse_community(message.text or "")
    await _go(context, turn, dialogue, "value", "wish.ask_value", _skip(turn))


@text_step(WishPostData, "value")
async def value_step(
    context: AppContext, turn: Turn, dialogue: Dialogue[WishPostData], message: Message
) -> None:
    dialogue.data.value_yuan = parse_value(message.text or "")
    await _go(context, turn, dialogue, "deadline", "wish.ask_deadline")


@text_step(WishPostData, "deadline")
async def deadline_step(
    context: AppContext, turn: Turn, dialogue: Dialogue[WishPostData], message: Message
) -> None:
    dialogue.data.deadline = parse_deadline(message.text or "", turn.services.wishes.today())
    await _go(context, turn, dialogue, "photo", "wish.ask_photo", _skip(turn))


@text_step(WishPostData, "photo", photo=True)
async def photo_step(
    context: AppContext, turn: Turn, dialogue: Dialogue[WishPostData], message: Message
) -> None:
    if not message.photo:
        await reply(context, turn, turn.t("wish.ask_photo"), _skip(turn))
        return
    dialogue.data.photo = message.photo[-1].file_id
    await _go(context, turn, dialogue, "note", "wish.ask_note")


@text_step(WishPostData, "note")
async def note_step(
    context: AppContext, turn: Turn, dialogue: Dialogue[WishPostData], message: Message
) -> None:
    dialogue.data.note = parse_note(message.text or "")
    dialogue.step = "preview"
    await turn.services.dialogues.save(turn.user_id, dialogue)
    await _preview(context, turn, dialogue.data)


def _draft(data: WishPostData) -> WishDraft:
    return WishDraft(
        team_key=entered(data.team_key),
        title=entered(data.title),
        story=data.story,
        community=entered(data.community),
        value_yuan=data.value_yuan or None,
        deadline=entered(data.deadline),
        photo=data.photo or None,
        private_note=entered(data.note),
    )


async def _preview(context: AppContext, turn: Turn, data: WishPostData) -> None:
    draft, t = _draft(data), turn.t
    teams = {team.key: team.name(t.language) for team in await turn.services.teams.all()}
    text = t(
        "wish.preview",
        title=draft.title,
        team=teams.get(draft.team_key, draft.team_key),
        community=draft.community,
        day=t.day(draft.deadline),
        value=t.number(draft.value_yuan) if draft.value_yuan else "—",
        story=draft.story or "—",
        photo=t("wish.preview_photo") if draft.photo else "—",
        note=draft.private_note,
    )
    rows: list[list[Choice]] = [
        [
            (t("button.post_wish"), WishPostSave(save=True)),
            (t("button.discard"), WishPostSave(save=False)),
        ]
    ]
    await reply(context, turn, text, buttons(rows))


async def on_skip(update: Update, context: AppContext) -> None:
    """Leaves out the optional step the dialogue is at (story, value or photo)."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    if pressed(turn, WishPostSkip) is None:
        await answer_expired(turn)
        return
    dialogue = await pressed_at(context, turn, WishPostData, "story", "value", "photo")
    if dialogue is None:
        return
    await turn.query.answer()
    await turn.query.edit_message_reply_markup(None)
    following = {
        "story": ("community", "wish.ask_community", None),
        "value": ("deadline", "wish.ask_deadline", None),
        "photo": ("note", "wish.ask_note", None),
    }
    step, key, markup = following[dialogue.step]
    await _go(context, turn, dialogue, step, key, markup)


async def on_save(update: Update, context: AppContext) -> None:
    """Posts the wish the lead has just read back (or drops it)."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    press = pressed(turn, WishPostSave)
    if press is None:
        await answer_expired(turn)
        return
    dialogue = await pressed_at(context, turn, WishPostData, "preview")
    if dialogue is None:
        return
    await turn.query.answer()
    await turn.query.edit_message_reply_markup(None)
    await turn.services.dialogues.end(turn.user_id)
    if not press.save:
        await reply(context, turn, turn.t("wish.discarded"))
        return
    try:
        wish = await turn.services.wishes.post(await turn.actor(), _draft(dialogue.data))
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    link = f"https://t.me/{context.bot.username}?start=wish_{wish.id}"
    await reply(context, turn, turn.t("wish.posted", title=wish.title, link=link))
    await show_wish(context, turn, wish.id)

"""/new_activity: team → title → category → start → end → place → capacity → description →
preview → publish. Every typed step is validated; a bad answer repeats the step."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Message, Update

from bot.buttons import (
    NewActivityCategory,
    NewActivityDiscard,
    NewActivityPublish,
    NewActivityQuickStart,
    NewActivitySkip,
    NewActivityTeam,
    NewActivityTeamPage,
)
from bot.domain.dialogues import Dialogue, NewActivityData, entered
from bot.domain.errors import DomainError, InvalidCategory
from bot.domain.when import parse_when
from bot.services.activities import parse_capacity
from bot.services.activity_pages import ActivityView
from handlers.activities import card
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
from handlers.privacy import require_private
from telegram_adapter.context import AppContext

QUICK_PICKS = (
    ("quick.tomorrow", "明天", "9:00"),
    ("quick.tomorrow", "明天", "14:00"),
    ("quick.day_after", "后天", "9:00"),
    ("quick.day_after", "后天", "14:00"),
)


async def _ask_title(context: AppContext, turn: Turn, team_key: str) -> None:
    await turn.services.dialogues.begin(turn.user_id, NewActivityData(team_key=team_key), "title")
    await reply(context, turn, turn.t("new.ask_title"))


async def _team_keyboard(turn: Turn, number: int) -> InlineKeyboardMarkup:
    teams = await turn.services.activities.teams_for(await turn.actor())
    return team_picker(turn, teams, number, NewActivityTeam, NewActivityTeamPage)


async def new_activity_command(update: Update, context: AppContext) -> None:
    """Starts creating an activity (leads for their teams, admins for any)."""
    turn = await turn_of(update, context)
    if not await require_private(context, turn):
        return
    try:
        teams = await turn.services.activities.teams_for(await turn.actor())
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    if len(teams) == 1:
        await _ask_title(context, turn, teams[0].key)
        return
    await turn.services.dialogues.begin(turn.user_id, NewActivityData(), "team")
    markup = await _team_keyboard(turn, 0)
    await reply(context, turn, turn.t("new.choose_team"), markup)


async def on_team(update: Update, context: AppContext) -> None:
    """Takes the team (checked again against the presser's role) and asks for the title."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    if await pressed_at(context, turn, NewActivityData, "team") is None:
        return
    press = pressed(turn, NewActivityTeam)
    key = press.team if press else None
    allowed = {t.key for t in await turn.services.activities.teams_for(await turn.actor())}
    if key is None or key not in allowed:
        await answer_expired(turn)
        return
    await turn.query.answer()
    await turn.query.edit_message_reply_markup(None)
    await _ask_title(context, turn, key)


async def on_team_page(update: Update, context: AppContext) -> None:
    """Another page of teams."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    press = pressed(turn, NewActivityTeamPage)
    if press is None:
        await answer_expired(turn)
        return
    if await pressed_at(context, turn, NewActivityData, "team") is None:
        return
    await turn.query.answer()
    await turn.query.edit_message_reply_markup(await _team_keyboard(turn, press.page))


@text_step(NewActivityData, "title")
async def title_step(
    context: AppContext, turn: Turn, dialogue: Dialogue[NewActivityData], message: Message
) -> None:
    dialogue.data.title = turn.services.activities.check_title(message.text or "")
    dialogue.step = "category"
    await turn.services.dialogues.save(turn.user_id, dialogue)
    rows = [
        [((c.name_zh if turn.t.language == "zh" else c.name_en), NewActivityCategory(c.key))]
        for c in turn.categories
    ]
    await reply(context, turn, turn.t("new.ask_category"), buttons(rows))


def _quick_picks(turn: Turn) -> InlineKeyboardMarkup:
    return buttons(
        [
            [(turn.t(label, time=clock), NewActivityQuickStart(n))]
            for n, (label, _, clock) in enumerate(QUICK_PICKS)
        ]
    )


async def on_category(update: Update, context: AppContext) -> None:
    """Takes the category and asks for the start."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    dialogue = await pressed_at(context, turn, NewActivityData, "category")
    if dialogue is None:
        return
    press = pressed(turn, NewActivityCategory)
    key = press.category if press else None
    if key is None or key not in {c.key for c in turn.categories}:
        await reply_error(context, turn, InvalidCategory())
        return
    await turn.query.answer()
    await turn.query.edit_message_reply_markup(None)
    dialogue.data.category = key
    dialogue.step = "start"
    await turn.services.dialogues.save(turn.user_id, dialogue)
    await reply(context, turn, turn.t("new.ask_start"), _quick_picks(turn))


async def _take_start(
    context: AppContext, turn: Turn, dialogue: Dialogue[NewActivityData], typed: str
) -> None:
    now = context.runtime.clock.now()
    starts_at = turn.services.activities.check_start(parse_when(typed, now, turn.t.zone))
    dialogue.data.starts_at = starts_at
    dialogue.step = "end"
    await turn.services.dialogues.save(turn.user_id, dialogue)
    await reply(context, turn, turn.t("new.ask_end", start=turn.t.datetime(starts_at)))


async def on_quick_pick(update: Update, context: AppContext) -> None:
    """A suggested start time."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    dialogue = await pressed_at(context, turn, NewActivityData, "start")
    press = pressed(turn, NewActivityQuickStart)
    if dialogue is None:
        return
    if press is None or press.pick >= len(QUICK_PICKS):
        await answer_expired(turn)
        return
    await turn.query.answer()
    _, day, clock = QUICK_PICKS[press.pick]
    try:
        await _take_start(context, turn, dialogue, f"{day} {clock}")
    except DomainError as error:
        await reply_error(context, turn, error)


@text_step(NewActivityData, "start")
async def start_step(
    context: AppContext, turn: Turn, dialogue: Dialogue[NewActivityData], message: Message
) -> None:
    await _take_start(context, turn, dialogue, message.text or "")


@text_step(NewActivityData, "end")
async def end_step(
    context: AppContext, turn: Turn, dialogue: Dialogue[NewActivityData], message: Message
) -> None:
    starts_at = entered(dialogue.data.starts_at)
    ends_at = turn.services.activities.check_end(
        starts_at, parse_when(message.text or "", context.runtime.clock.now(), turn.t.zone)
    )
    dialogue.data.ends_at = ends_at
    dialogue.step = "place"
    await turn.services.dialogues.save(turn.user_id, dialogue)
    await reply(context, turn, turn.t("new.ask_place"))


@text_step(NewActivityData, "place", location=True)
async def place_step(
    context: AppContext, turn: Turn, dialogue: Dialogue[NewActivityData], message: Message
) -> None:
    if message.location is not None:
        dialogue.data.latitude = message.location.latitude
        dialogue.data.longitude = message.location.longitude
        await turn.services.dialogues.save(turn.user_id, dialogue)
        await reply(context, turn, turn.t("new.location_saved"))
        return
    dialogue.data.place = turn.services.activities.check_place(message.text or "")
    dialogue.step = "capacity"
    await turn.services.dialogues.save(turn.user_id, dialogue)
    await reply(context, turn, turn.t("new.ask_capacity"))


@text_step(NewActivityData, "capacity")
async def capacity_step(
    context: AppContext, turn: Turn, dialogue: Dialogue[NewActivityData], message: Message
) -> None:
    dialogue.data.capacity = parse_capacity(message.text or "")
    dialogue.step = "description"
    await turn.services.dialogues.save(turn.user_id, dialogue)
    skip = buttons([[(turn.t("button.skip"), NewActivitySkip())]])
    await reply(context, turn, turn.t("new.ask_description"), skip)


async def _preview(context: AppContext, turn: Turn, dialogue: Dialogue[NewActivityData]) -> None:
    draft = turn.services.activities.validate(dialogue.data.draft())
    dialogue.step = "preview"
    await turn.services.dialogues.save(turn.user_id, dialogue)
    text, _ = await card(turn, ActivityView(draft, 0, 0), None)
    await reply(context, turn, text)
    choice: list[list[Choice]] = [
        [
            (turn.t("button.publish"), NewActivityPublish()),
            (turn.t("button.discard"), NewActivityDiscard()),
        ]
    ]
    await reply(context, turn, turn.t("new.preview"), buttons(choice))


@text_step(NewActivityData, "description")
async def description_step(
    context: AppContext, turn: Turn, dialogue: Dialogue[NewActivityData], message: Message
) -> None:
    dialogue.data.description = turn.services.activities.check_description(message.text or "")
    await _preview(context, turn, dialogue)


async def on_skip(update: Update, context: AppContext) -> None:
    """No description."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    dialogue = await pressed_at(context, turn, NewActivityData, "description")
    if dialogue is None:
        return
    await turn.query.answer()
    await turn.query.edit_message_reply_markup(None)
    try:
        await _preview(context, turn, dialogue)
    except DomainError as error:
        await reply_error(context, turn, error)


async def on_publish(update: Update, context: AppContext) -> None:
    """Publishes the previewed activity (the announcement goes out through the outbox)."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    publish = pressed(turn, NewActivityPublish)
    if publish is None and pressed(turn, NewActivityDiscard) is None:
        await answer_expired(turn)
        return
    dialogue = await pressed_at(context, turn, NewActivityData, "preview")
    if dialogue is None:
        return
    await turn.query.answer()
    await turn.query.edit_message_reply_markup(None)
    await turn.services.dialogues.end(turn.user_id)
    if publish is None:
        await reply(context, turn, turn.t("new.discarded"))
        return
    try:
        draft = dialogue.data.draft()
        activity = await turn.services.activities.publish(
            await turn.actor(), draft, context.bot.username
        )
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await reply(context, turn, turn.t("new.published"))
    from handlers.activities import show_card

    await show_card(context, turn, activity.id)

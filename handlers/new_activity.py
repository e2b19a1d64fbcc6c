"""/new_activity: team → title → category → start → end → place → capacity → description →
preview → publish. Every typed step is validated; a bad answer repeats the step."""

from __future__ import annotations

from datetime import datetime

from telegram import InlineKeyboardMarkup, Message, Update

from bot.domain.errors import DomainError, InvalidCategory
from bot.domain.models import Activity, Dialogue
from bot.domain.paging import page_of
from bot.domain.when import parse_when
from bot.services.activities import ActivityView, parse_capacity
from handlers.activities import card
from handlers.common import (
    Turn,
    answer_expired,
    buttons,
    page_buttons,
    page_number,
    reply,
    reply_error,
    turn_of,
)
from handlers.dialogue import text_step
from handlers.privacy import require_private
from telegram_adapter.context import AppContext

FLOW = "new_activity"
TEAM = "n:t:"
TEAM_PAGE = "n:p:"
CATEGORY = "n:c:"
QUICK = "n:q:"
SKIP = "n:skip"
PUBLISH = "n:go"
DISCARD = "n:no"
TEAMS_PER_PAGE = 8
QUICK_PICKS = (
    ("quick.tomorrow", "明天", "9:00"),
    ("quick.tomorrow", "明天", "14:00"),
    ("quick.day_after", "后天", "9:00"),
    ("quick.day_after", "后天", "14:00"),
)


def _draft(data: dict[str, object]) -> Activity:
    def when(key: str) -> datetime:
        return datetime.fromisoformat(str(data[key]))

    latitude, longitude = data.get("latitude"), data.get("longitude")
    return Activity(
        id=0,
        team_key=str(data["team"]),
        title=str(data["title"]),
        category=str(data["category"]),
        starts_at=when("starts_at"),
        ends_at=when("ends_at"),
        place=str(data["place"]),
        capacity=int(str(data["capacity"])),
        state="published",
        latitude=float(str(latitude)) if latitude is not None else None,
        longitude=float(str(longitude)) if longitude is not None else None,
        description=str(data["description"]) if data.get("description") else None,
    )


async def _ask_title(context: AppContext, turn: Turn, team_key: str) -> None:
    await turn.services.dialogues.begin(turn.user_id, FLOW, "title", team=team_key)
    await reply(context, turn, turn.t("new.ask_title"))


async def _team_keyboard(turn: Turn, number: int) -> InlineKeyboardMarkup:
    teams = await turn.services.activities.teams_for(await turn.actor())
    page = page_of(teams, number, TEAMS_PER_PAGE)
    rows = [[(team.name(turn.t.language), f"{TEAM}{team.key}")] for team in page.items]
    rows.append(page_buttons(turn, page, TEAM_PAGE))
    return buttons(rows)


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
    await turn.services.dialogues.begin(turn.user_id, FLOW, "team")
    markup = await _team_keyboard(turn, 0)
    await reply(context, turn, turn.t("new.choose_team"), markup)


async def _at(turn: Turn, step: str) -> Dialogue | None:
    dialogue = await turn.services.dialogues.current(turn.user_id)
    if dialogue is None or (dialogue.flow, dialogue.step) != (FLOW, step):
        await answer_expired(turn)
        return None
    return dialogue


async def on_team(update: Update, context: AppContext) -> None:
    """Takes the team (checked again against the presser's role) and asks for the title."""
    turn = await turn_of(update, context)
    assert turn.query is not None and turn.query.data is not None
    if await _at(turn, "team") is None:
        return
    key = turn.query.data.removeprefix(TEAM)
    allowed = {t.key for t in await turn.services.activities.teams_for(await turn.actor())}
    if key not in allowed:
        await answer_expired(turn)
        return
    await turn.query.answer()
    await turn.query.edit_message_reply_markup(None)
    await _ask_title(context, turn, key)


async def on_team_page(update: Update, context: AppContext) -> None:
    """Another page of teams."""
    turn = await turn_of(update, context)
    assert turn.query is not None and turn.query.data is not None
    number = page_number(turn.query.data, TEAM_PAGE)
    if number is None or await _at(turn, "team") is None:
        if number is None:
            await answer_expired(turn)
        return
    await turn.query.answer()
    await turn.query.edit_message_reply_markup(await _team_keyboard(turn, number))


@text_step(FLOW, "title")
async def title_step(context: AppContext, turn: Turn, dialogue: Dialogue, message: Message) -> None:
    dialogue.data["title"] = turn.services.activities.check_title(message.text or "")
    dialogue.step = "category"
    await turn.services.dialogues.save(turn.user_id, dialogue)
    rows = [
        [((c.name_zh if turn.t.language == "zh" else c.name_en), f"{CATEGORY}{c.key}")]
        for c in turn.categories
    ]
    await reply(context, turn, turn.t("new.ask_category"), buttons(rows))


def _quick_picks(turn: Turn) -> InlineKeyboardMarkup:
    return buttons(
        [
            [(turn.t(label, time=clock), f"{QUICK}{n}")]
            for n, (label, _, clock) in enumerate(QUICK_PICKS)
        ]
    )


async def on_category(update: Update, context: AppContext) -> None:
    """Takes the category and asks for the start."""
    turn = await turn_of(update, context)
    assert turn.query is not None and turn.query.data is not None
    dialogue = await _at(turn, "category")
    if dialogue is None:
        return
    key = turn.query.data.removeprefix(CATEGORY)
    if key not in {c.key for c in turn.categories}:
        await reply_error(context, turn, InvalidCategory())
        return
    await turn.query.answer()
    await turn.query.edit_message_reply_markup(None)
    dialogue.data["category"] = key
    dialogue.step = "start"
    await turn.services.dialogues.save(turn.user_id, dialogue)
    await reply(context, turn, turn.t("new.ask_start"), _quick_picks(turn))


async def _take_start(context: AppContext, turn: Turn, dialogue: Dialogue, typed: str) -> None:
    now = context.runtime.clock.now()
    starts_at = turn.services.activities.check_start(parse_when(typed, now, turn.t.zone))
    dialogue.data["starts_at"] = starts_at.isoformat()
    dialogue.step = "end"
    await turn.services.dialogues.save(turn.user_id, dialogue)
    await reply(context, turn, turn.t("new.ask_end", start=turn.t.datetime(starts_at)))


async def on_quick_pick(update: Update, context: AppContext) -> None:
    """A suggested start time."""
    turn = await turn_of(update, context)
    assert turn.query is not None and turn.query.data is not None
    dialogue = await _at(turn, "start")
    index = page_number(turn.query.data, QUICK)
    if dialogue is None:
        return
    if index is None or index >= len(QUICK_PICKS):
        await answer_expired(turn)
        return
    await turn.query.answer()
    _, day, clock = QUICK_PICKS[index]
    try:
        await _take_start(context, turn, dialogue, f"{day} {clock}")
    except DomainError as error:
        await reply_error(context, turn, error)


@text_step(FLOW, "start")
async def start_step(context: AppContext, turn: Turn, dialogue: Dialogue, message: Message) -> None:
    await _take_start(context, turn, dialogue, message.text or "")


@text_step(FLOW, "end")
async def end_step(context: AppContext, turn: Turn, dialogue: Dialogue, message: Message) -> None:
    starts_at = datetime.fromisoformat(dialogue.data["starts_at"])
    ends_at = turn.services.activities.check_end(
        starts_at, parse_when(message.text or "", context.runtime.clock.now(), turn.t.zone)
    )
    dialogue.data["ends_at"] = ends_at.isoformat()
    dialogue.step = "place"
    await turn.services.dialogues.save(turn.user_id, dialogue)
    await reply(context, turn, turn.t("new.ask_place"))


@text_step(FLOW, "place", location=True)
async def place_step(context: AppContext, turn: Turn, dialogue: Dialogue, message: Message) -> None:
    if message.location is not None:
        dialogue.data.update(
            latitude=message.location.latitude, longitude=message.location.longitude
        )
        await turn.services.dialogues.save(turn.user_id, dialogue)
        await reply(context, turn, turn.t("new.location_saved"))
        return
    dialogue.data["place"] = turn.services.activities.check_place(message.text or "")
    dialogue.step = "capacity"
    await turn.services.dialogues.save(turn.user_id, dialogue)
    await reply(context, turn, turn.t("new.ask_capacity"))


@text_step(FLOW, "capacity")
async def capacity_step(
    context: AppContext, turn: Turn, dialogue: Dialogue, message: Message
) -> None:
    dialogue.data["capacity"] = parse_capacity(message.text or "")
    dialogue.step = "description"
    await turn.services.dialogues.save(turn.user_id, dialogue)
    await reply(
        context, turn, turn.t("new.ask_description"), buttons([[(turn.t("button.skip"), SKIP)]])
    )


async def _preview(context: AppContext, turn: Turn, dialogue: Dialogue) -> None:
    draft = turn.services.activities.validate(_draft(dialogue.data))
    dialogue.step = "preview"
    await turn.services.dialogues.save(turn.user_id, dialogue)
    text, _ = await card(turn, ActivityView(draft, 0, 0), None)
    await reply(context, turn, text)
    choice = [[(turn.t("button.publish"), PUBLISH), (turn.t("button.discard"), DISCARD)]]
    await reply(context, turn, turn.t("new.preview"), buttons(choice))


@text_step(FLOW, "description")
async def description_step(
    context: AppContext, turn: Turn, dialogue: Dialogue, message: Message
) -> None:
    dialogue.data["description"] = turn.services.activities.check_description(message.text or "")
    await _preview(context, turn, dialogue)


async def on_skip(update: Update, context: AppContext) -> None:
    """No description."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    dialogue = await _at(turn, "description")
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
    dialogue = await _at(turn, "preview")
    if dialogue is None:
        return
    await turn.query.answer()
    await turn.query.edit_message_reply_markup(None)
    await turn.services.dialogues.end(turn.user_id)
    if turn.query.data != PUBLISH:
        await reply(context, turn, turn.t("new.discarded"))
        return
    try:
        draft = _draft(dialogue.data)
        activity = await turn.services.activities.publish(
            await turn.actor(), draft, context.bot.username
        )
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await reply(context, turn, turn.t("new.published"))
    from handlers.activities import show_card

    await show_card(context, turn, activity.id)

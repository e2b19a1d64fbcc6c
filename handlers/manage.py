"""/manage: a lead's (or admin's) activities; the roster with phone numbers (paged); changing
the time, place or capacity (those signed up are told); cancelling with a reason."""

from __future__ import annotations

from functools import partial

from telegram import InlineKeyboardMarkup, Message, Update

from bot.buttons import (
    ActivityField,
    CodeNew,
    ManageCancel,
    ManageEdit,
    ManageOpen,
    ManagePage,
    ManageRoster,
    Presence,
    Sheet,
)
from bot.domain.dialogues import Dialogue, ManageData, entered
from bot.domain.errors import DomainError
from bot.domain.models import Activity, Volunteer
from bot.domain.paging import page_of
from bot.domain.when import parse_when
from bot.services.activities import parse_capacity
from bot.services.activity_pages import ActivityView
from handlers.activities import card
from handlers.common import (
    Choice,
    Turn,
    answer_expired,
    buttons,
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

FIELDS: tuple[ActivityField, ...] = ("time", "place", "capacity")
PER_PAGE = 8
PEOPLE_PER_PAGE = 40  # names are at most 30 characters: a page stays well under 4096


async def _list_keyboard(turn: Turn, number: int) -> InlineKeyboardMarkup:
    return _keyboard(turn, await turn.services.activities.managed(await turn.actor()), number)


def _keyboard(turn: Turn, managed: list[Activity], number: int) -> InlineKeyboardMarkup:
    page = page_of(managed, number, PER_PAGE)
    rows: list[list[Choice]] = [
        [(f"{turn.t.datetime(a.starts_at)} {a.title}", ManageOpen(a.id))] for a in page.items
    ]
    rows.append(page_buttons(turn, page, ManagePage))
    return buttons(rows)


async def manage_command(update: Update, context: AppContext) -> None:
    """Lists the activities this lead (or admin) manages."""
    turn = await turn_of(update, context)
    if not await require_private(context, turn):
        return
    try:
        managed = await turn.services.activities.managed(await turn.actor())
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    if not managed:
        await reply(context, turn, turn.t("manage.none"))
        return
    await reply(context, turn, turn.t("manage.choose"), _keyboard(turn, managed, 0))


on_page = keyboard_pager(ManagePage.parse, _list_keyboard)


async def _pressed(
    update: Update, context: AppContext, kind: type[ManageOpen | ManageCancel]
) -> tuple[Turn, Activity, list[Volunteer], list[Volunteer]] | None:
    """The activity a `kind` of button names, with its roster, if the presser manages it;
    otherwise the press is answered (expired, or the refusal) and None returned."""
    turn = await turn_of(update, context)
    press = pressed(turn, kind)
    roster = await _roster_of(context, turn, press.activity if press else None)
    return None if roster is None else (turn, *roster)


async def _roster_of(
    context: AppContext, turn: Turn, activity_id: int | None
) -> tuple[Activity, list[Volunteer], list[Volunteer]] | None:
    """The activity and its roster if the presser manages it; otherwise the press is answered
    (expired, or the refusal) and None returned."""
    if activity_id is None:
        await answer_expired(turn)
        return None
    try:
        roster = await turn.services.activity_changes.roster(await turn.actor(), activity_id)
    except DomainError as error:
        await reply_error(context, turn, error)
        return None
    assert turn.query is not None
    await turn.query.answer()
    return roster


async def on_open(update: Update, context: AppContext) -> None:
    """One managed activity: its card, counts and what the lead can do."""
    found = await _pressed(update, context, ManageOpen)
    if found is None:
        return
    turn, activity, confirmed, waiting = found
    text, _ = await card(turn, ActivityView(activity, len(confirmed), len(waiting)), None)
    rows: list[list[Choice]] = [[(turn.t("button.roster"), ManageRoster(activity.id))]]
    ended = activity.ends_at <= context.runtime.clock.now()
    if activity.state == "published" and not ended:
        rows.append(
            [
                (turn.t("button.checkin_qr"), CodeNew(activity.id)),
                (turn.t("button.presence"), Presence(activity.id)),
            ]
        )
        rows.append(
            [(turn.t(f"button.edit_{field}"), ManageEdit(field, activity.id)) for field in FIELDS]
        )
        rows.append([(turn.t("button.cancel_activity"), ManageCancel(activity.id))])
    elif activity.state == "published":
        rows.append([(turn.t("button.open_sheet"), Sheet(activity.id))])
    await reply(context, turn, text, buttons(rows))


async def on_roster(update: Update, context: AppContext) -> None:
    """Names and phone numbers of those confirmed and waiting, a page at a time (the page
    buttons turn the same message); the service decides whether the numbers are shown in
    full or masked."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    press = pressed(turn, ManageRoster)
    roster = await _roster_of(context, turn, press.activity if press else None)
    if roster is None or press is None:
        return
    text, markup = _roster_page(turn, *roster, press.page or 0)
    shown = turn.query.message
    if press.page is None:  # from the activity's card: a message of its own
        await reply(context, turn, text, markup)
    elif not (isinstance(shown, Message) and shown.text == text):  # else already on that page
        await turn.query.edit_message_text(text, reply_markup=markup)


def _roster_page(
    turn: Turn,
    activity: Activity,
    confirmed: list[Volunteer],
    waiting: list[Volunteer],
    number: int,
) -> tuple[str, InlineKeyboardMarkup | None]:
    """One page of the roster: those confirmed, then those waiting, each part under its
    heading (repeated on the page where the part goes on)."""
    t = turn.t
    people = [(True, n, v) for n, v in enumerate(confirmed, 1)]
    people += [(False, n, v) for n, v in enumerate(waiting, 1)]
    page = page_of(people, number, PEOPLE_PER_PAGE)
    headings = {
        True: t("manage.confirmed", confirmed=len(confirmed)),
        False: t("manage.waitlist", waiting=len(waiting)),
    }
    lines = [t("manage.roster", title=activity.title)]
    if not confirmed and not page.has_previous:
        lines.append(headings[True])
    part: bool | None = None
    for is_confirmed, n, volunteer in page.items:
        if is_confirmed is not part:
            lines.append(headings[is_confirmed])
            part = is_confirmed
        lines.append(t("manage.person", n=n, name=volunteer.name, phone=volunteer.phone))
    if not waiting and not page.has_next:
        lines.append(headings[False])
    if page.count > 1:
        lines.append(t("page.indicator", page=page.number + 1, pages=page.count))
    nav = page_buttons(turn, page, partial(ManageRoster, activity.id))
    return "\n".join(lines), buttons([nav]) if nav else None


async def on_cancel(update: Update, context: AppContext) -> None:
    """Asks for the reason before cancelling an activity."""
    found = await _pressed(update, context, ManageCancel)
    if found is None:
        return
    turn, activity, _, _ = found
    await turn.services.dialogues.begin(turn.user_id, ManageData(activity_id=activity.id), "reason")
    await reply(context, turn, turn.t("manage.ask_reason", title=activity.title))


async def on_edit(update: Update, context: AppContext) -> None:
    """Starts changing the time, place or capacity of an activity."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    press = pressed(turn, ManageEdit)
    if press is None:
        await answer_expired(turn)
        return
    field, activity_id = press.field, press.activity
    try:
        activity, _, _ = await turn.services.activity_changes.roster(
            await turn.actor(), activity_id
        )
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await turn.query.answer()
    step = "start" if field == "time" else field
    await turn.services.dialogues.begin(turn.user_id, ManageData(activity_id=activity_id), step)
    prompt = {
        "start": turn.t("manage.ask_start"),
        "place": turn.t("manage.ask_place"),
        "capacity": turn.t("manage.ask_capacity", capacity=activity.capacity),
    }[step]
    await reply(context, turn, prompt)


@text_step(ManageData, "start")
async def edit_start(
    context: AppContext, turn: Turn, dialogue: Dialogue[ManageData], message: Message
) -> None:
    now = context.runtime.clock.now()
    starts_at = turn.services.activities.check_start(
        parse_when(message.text or "", now, turn.t.zone)
    )
    dialogue.data.starts_at = starts_at
    dialogue.step = "end"
    await turn.services.dialogues.save(turn.user_id, dialogue)
    await reply(context, turn, turn.t("manage.ask_end", start=turn.t.datetime(starts_at)))


@text_step(ManageData, "end")
async def edit_end(
    context: AppContext, turn: Turn, dialogue: Dialogue[ManageData], message: Message
) -> None:
    ends_at = parse_when(message.text or "", context.runtime.clock.now(), turn.t.zone)
    told = await turn.services.activity_changes.change_time(
        await turn.actor(),
        dialogue.data.activity_id,
        entered(dialogue.data.starts_at),
        ends_at,
    )
    await turn.services.dialogues.end(turn.user_id)
    await reply(context, turn, turn.t("manage.changed", count=told))


@text_step(ManageData, "place")
async def edit_place(
    context: AppContext, turn: Turn, dialogue: Dialogue[ManageData], message: Message
) -> None:
    told = await turn.services.activity_changes.change_place(
        await turn.actor(), dialogue.data.activity_id, message.text or ""
    )
    await turn.services.dialogues.end(turn.user_id)
    await reply(context, turn, turn.t("manage.changed", count=told))


@text_step(ManageData, "capacity")
async def edit_capacity(
    context: AppContext, turn: Turn, dialogue: Dialogue[ManageData], message: Message
) -> None:
    promoted = await turn.services.activity_changes.change_capacity(
        await turn.actor(), dialogue.data.activity_id, parse_capacity(message.text or "")
    )
    await turn.services.dialogues.end(turn.user_id)
    await reply(context, turn, turn.t("manage.capacity_saved", promoted=promoted))


@text_step(ManageData, "reason")
async def cancel_reason(
    context: AppContext, turn: Turn, dialogue: Dialogue[ManageData], message: Message
) -> None:
    activity_id = dialogue.data.activity_id
    told = await turn.services.activity_changes.cancel_activity(
        await turn.actor(), activity_id, message.text or ""
    )
    await turn.services.dialogues.end(turn.user_id)
    activity = await turn.services.activities.get(activity_id)
    await reply(context, turn, turn.t("manage.cancelled", title=activity.title, count=told))

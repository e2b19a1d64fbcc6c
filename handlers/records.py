"""/hours and the records behind it: a person's own, and for admins anyone's (/records). The
record view draws the actions its reader may take (disputes.py answers them)."""

from __future__ import annotations

from telegram import (
    InlineKeyboardMarkup,
    Update,
)

from bot.domain.errors import (
    DomainError,
)
from bot.domain.hours import AuditEntry, RecordState, ServiceRecord
from bot.domain.models import Actor
from bot.domain.paging import Page
from bot.services.records import RECORDS_PER_PAGE, RecordView
from handlers.admin import volunteer_search
from handlers.common import (
    Turn,
    answer_expired,
    buttons,
    hours_text,
    page_buttons,
    page_number,
    reply,
    reply_error,
    turn_of,
)
from handlers.privacy import require_private
from telegram_adapter.context import AppContext

RECORDS = "h:l:"  # page of my records, shown in place
RECORDS_OPEN = "h:o"  # the first page, as a new message
RECORD = "h:r:"  # one record
DISPUTE = "h:d:"
ADJUST = "h:a:"
REJECT = "h:x:"
APPROVE_REVIEW = "h:v:"
CERTIFICATE = "h:c"
THEIR_RECORDS = "h:u:"  # h:u:<volunteer id>:<page>, for admins, shown in place
THEIR_RECORDS_OPEN = "h:w:"  # h:w:<volunteer id>: the first page as a new message


async def hours_command(update: Update, context: AppContext) -> None:
    """Approved and pending hours this year and in all, by category and team, and stars."""
    turn = await turn_of(update, context)
    if not await require_private(context, turn):
        return
    try:
        summary, level = await turn.services.records.summary(turn.user_id)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    t = turn.t
    categories = turn.category_names()
    teams = {team.key: team.name(t.language) for team in await turn.services.teams.all()}
    lines = [
        t(
            "hours.summary",
            year=hours_text(turn, summary.approved_year),
            total=hours_text(turn, summary.approved_total),
            pending_year=hours_text(turn, summary.pending_year),
            pending=hours_text(turn, summary.pending_total),
            no_shows=t.number(summary.no_shows),
        )
    ]
    stars = "★" * level.level if level.level else t("hours.no_stars")
    if level.next_hours is None:
        lines.append(t("hours.stars_top", stars=stars))
    else:
        lines.append(
            t(
                "hours.stars",
                stars=stars,
                next=level.next_hours,
                to_next=hours_text(turn, level.minutes_to_next or 0),
            )
        )
    if summary.by_category:
        lines.append(t("hours.by_category"))
        lines += [
            f"· {categories.get(key, key)}: {hours_text(turn, minutes)}"
            for key, minutes in summary.by_category
        ]
    if summary.by_team:
        lines.append(t("hours.by_team"))
        lines += [
            f"· {teams.get(key, key)}: {hours_text(turn, minutes)}"
            for key, minutes in summary.by_team
        ]
    markup = buttons(
        [
            [(t("button.my_records"), RECORDS_OPEN)],
            [(t("button.certificate"), CERTIFICATE)],
        ]
    )
    await reply(context, turn, "\n".join(lines), markup)


def _state_label(turn: Turn, record: ServiceRecord) -> str:
    return turn.t(f"record.state.{record.state.value}")


async def _records_page(
    turn: Turn, number: int, volunteer_id: int | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    """My records; or, for an admin, those of a volunteer."""
    if volunteer_id is None:
        records, total = await turn.services.records.records(turn.user_id, number)
        header, pager = "hours.records_header", RECORDS
        name = ""
    else:
        volunteer, records, total = await turn.services.records.records_of(
            await turn.actor(), volunteer_id, number
        )
        header, pager, name = "records.header", f"{THEIR_RECORDS}{volunteer_id}:", volunteer.name
    count = max(1, -(-total // RECORDS_PER_PAGE))
    page = Page(records, min(max(number, 0), count - 1), count)
    if not records:
        return turn.t("hours.no_records"), buttons([])
    lines = [turn.t(header, page=page.number + 1, pages=page.count, name=name)]
    rows = []
    for record in records:
        label = turn.t(
            "hours.record_line",
            day=turn.t.day(record.served_on),
            title=record.title,
            hours=hours_text(turn, record.minutes),
            state=_state_label(turn, record),
        )
        lines.append(label)
        rows.append([(label[:60], f"{RECORD}{record.id}")])
    rows.append(page_buttons(turn, page, pager))
    return "\n".join(lines), buttons(rows)


async def on_records(update: Update, context: AppContext) -> None:
    """My records, newest first, a page at a time; each opens with a button."""
    turn = await turn_of(update, context)
    assert turn.query is not None and turn.query.data is not None
    opening = turn.query.data == RECORDS_OPEN
    number = 0 if opening else page_number(turn.query.data, RECORDS)
    if number is None:
        await answer_expired(turn)
        return
    try:
        text, markup = await _records_page(turn, number)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await turn.query.answer()
    if opening:
        await reply(context, turn, text, markup)
    else:
        await turn.query.edit_message_text(text, reply_markup=markup)


def _actor_label(turn: Turn, view: RecordView, telegram_id: int | None) -> str:
    if telegram_id is None:
        return turn.t("audit.bot")
    if telegram_id in view.actors:
        return view.actors[telegram_id]
    if turn.services.roles.is_admin(telegram_id):
        return turn.t("audit.admin")
    return f"#{telegram_id}"


def _history_lines(turn: Turn, view: RecordView, history: tuple[AuditEntry, ...]) -> list[str]:
    lines = [turn.t("record.history")]
    for entry in history:
        after = entry.after
        lines.append(
            turn.t(
                "record.history_line",
                at=turn.t.datetime(entry.at),
                action=turn.t(f"audit.{entry.action}"),
                actor=turn.t("audit.erased")
                if entry.actor_erased
                else _actor_label(turn, view, entry.actor_telegram_id),
                hours=hours_text(turn, int(str(after.get("minutes", 0)))),
                state=turn.t(f"record.state.{after.get('state', 'pending')}"),
            )
            + (f" — {entry.reason}" if entry.reason else "")
        )
    return lines


def _record_text(turn: Turn, view: RecordView) -> str:
    record, t = view.record, turn.t
    lines = [
        t(
            "record.card",
            title=record.title,
            name=view.volunteer_name,
            day=turn.t.day(record.served_on),
            place=record.place,
            hours=hours_text(turn, record.minutes),
            proposed=hours_text(turn, record.proposed_minutes),
            state=_state_label(turn, record),
        )
    ]
    if record.checked_in_at is not None:
        out = t.datetime(record.checked_out_at) if record.checked_out_at else "—"
        lines.append(t("record.times", start=t.datetime(record.checked_in_at), end=out))
    for flag in record.warnings:
        lines.append(t(f"record.flag.{flag}"))
    if view.dispute:
        lines.append(t("record.dispute", text=view.dispute))
    if view.history is not None:
        lines += _history_lines(turn, view, view.history)
    return "\n".join(lines)


def _record_buttons(turn: Turn, actor: Actor, view: RecordView) -> InlineKeyboardMarkup:
    record, t = view.record, turn.t
    own = actor.volunteer is not None and actor.volunteer.id == record.volunteer_id
    manages = actor.is_admin or record.team_key in actor.lead_team_keys
    rows = []
    if own and record.state in (RecordState.APPROVED, RecordState.NO_SHOW):
        rows.append([(t("button.dispute"), f"{DISPUTE}{record.id}")])
    if manages and not own:
        if record.state is RecordState.DISPUTED:
            rows.append(
                [
                    (t("button.resolve_adjust"), f"{ADJUST}{record.id}"),
                    (t("button.resolve_reject"), f"{REJECT}{record.id}"),
                ]
            )
        elif actor.is_admin:
            row = [(t("button.correct"), f"{ADJUST}{record.id}")]
            if record.state is RecordState.REVIEW:
                row.insert(0, (t("button.approve_review"), f"{APPROVE_REVIEW}{record.id}"))
            rows.append(row)
    return buttons(rows)


async def show_record(context: AppContext, turn: Turn, record_id: int) -> None:
    actor = await turn.actor()
    try:
        view = await turn.services.records.record_view(actor, record_id)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    if turn.query is not None:
        await turn.query.answer()
    await reply(context, turn, _record_text(turn, view), _record_buttons(turn, actor, view))


async def pressed_record(update: Update, context: AppContext, prefix: str) -> tuple[Turn, int]:
    turn = await turn_of(update, context)
    assert turn.query is not None and turn.query.data is not None
    return turn, page_number(turn.query.data, prefix) or 0


async def on_record(update: Update, context: AppContext) -> None:
    turn, record_id = await pressed_record(update, context, RECORD)
    if not record_id:
        await answer_expired(turn)
        return
    await show_record(context, turn, record_id)


# ---------------------------------------------------------------- admins: anyone's records


# Admins find a volunteer by name or phone fragment and open any of their records.
records_command = volunteer_search(
    "records", THEIR_RECORDS_OPEN, "records.choose_volunteer", "records.ask_query"
)


async def on_their_records(update: Update, context: AppContext) -> None:
    turn = await turn_of(update, context)
    assert turn.query is not None and turn.query.data is not None
    opening = turn.query.data.startswith(THEIR_RECORDS_OPEN)
    prefix = THEIR_RECORDS_OPEN if opening else THEIR_RECORDS
    raw_id, _, raw_page = turn.query.data.removeprefix(prefix).partition(":")
    volunteer_id = page_number(raw_id, "")
    number = 0 if opening else page_number(raw_page, "")
    if volunteer_id is None or number is None:
        await answer_expired(turn)
        return
    try:
        text, markup = await _records_page(turn, number, volunteer_id)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await turn.query.answer()
    if opening:
        await reply(context, turn, text, markup)
    else:
        await turn.query.edit_message_text(text, reply_markup=markup)

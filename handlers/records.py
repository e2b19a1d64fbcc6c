"""/hours and the records behind it: a person's own, and for admins anyone's (/records). The
record view draws the actions its reader may take (disputes.py answers them)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Protocol

from telegram import (
    InlineKeyboardMarkup,
    Update,
)

from bot.buttons import (
    ButtonData,
    CertificateRequest,
    MyRecordsOpen,
    MyRecordsPage,
    RecordAdjust,
    RecordApproveReview,
    RecordDispute,
    RecordOpen,
    RecordReject,
    TheirRecordsOpen,
    TheirRecordsPage,
)
from bot.domain.dialogues import RecordsSearchData
from bot.domain.errors import (
    DomainError,
)
from bot.domain.hours import AuditEntry, ServiceRecord
from bot.domain.paging import Page
from bot.services.records import RECORDS_PER_PAGE, RecordView
from bot.views.hours import hours_text as summary_text
from handlers.admin import volunteer_search
from handlers.common import (
    Choice,
    Turn,
    answer_expired,
    buttons,
    hours_text,
    page_buttons,
    pressed,
    reply,
    reply_error,
    team_names,
    turn_of,
)
from handlers.privacy import require_private
from telegram_adapter.context import AppContext


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
    text = summary_text(t, summary, level, turn.category_names(), await team_names(turn))
    markup = buttons(
        [
            [(t("button.my_records"), MyRecordsOpen())],
            [(t("button.certificate"), CertificateRequest())],
        ]
    )
    await reply(context, turn, text, markup)


def _state_label(turn: Turn, record: ServiceRecord) -> str:
    return turn.t(f"record.state.{record.state.value}")


async def _records_page(
    turn: Turn, number: int, volunteer_id: int | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    """My records; or, for an admin, those of a volunteer."""
    pager: Callable[[int], ButtonData]
    if volunteer_id is None:
        records, total = await turn.services.records.records(turn.user_id, number)
        header, pager = "hours.records_header", MyRecordsPage
        name = ""
    else:
        volunteer, records, total = await turn.services.records.records_of(
            await turn.actor(), volunteer_id, number
        )
        header, name = "records.header", volunteer.name
        pager = partial(TheirRecordsPage, volunteer_id)
    count = max(1, -(-total // RECORDS_PER_PAGE))
    page = Page(records, min(max(number, 0), count - 1), count)
    if not records:
        return turn.t("hours.no_records"), buttons([])
    lines = [turn.t(header, page=page.number + 1, pages=page.count, name=name)]
    rows: list[list[Choice]] = []
    for record in records:
        label = turn.t(
            "hours.record_line",
            day=turn.t.day(record.served_on),
            title=record.title,
            hours=hours_text(turn, record.minutes),
            state=_state_label(turn, record),
        )
        lines.append(label)
        rows.append([(label[:60], RecordOpen(record.id))])
    rows.append(page_buttons(turn, page, pager))
    return "\n".join(lines), buttons(rows)


async def on_records(update: Update, context: AppContext) -> None:
    """My records, newest first, a page at a time; each opens with a button."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    opening = pressed(turn, MyRecordsOpen) is not None
    paged = pressed(turn, MyRecordsPage)
    number = 0 if opening else paged.page if paged else None
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


def _record_buttons(turn: Turn, view: RecordView) -> InlineKeyboardMarkup:
    """The actions the service says the reader may take on the record (RecordView.may)."""
    record, may, t = view.record, view.may, turn.t
    rows: list[list[Choice]] = []
    if may.dispute:
        rows.append([(t("button.dispute"), RecordDispute(record.id))])
    if may.resolve:
        rows.append(
            [
                (t("button.resolve_adjust"), RecordAdjust(record.id)),
                (t("button.resolve_reject"), RecordReject(record.id)),
            ]
        )
    decisions: list[Choice] = []
    if may.approve:
        decisions.append((t("button.approve_review"), RecordApproveReview(record.id)))
    if may.correct:
        decisions.append((t("button.correct"), RecordAdjust(record.id)))
    if decisions:
        rows.append(decisions)
    return buttons(rows)


async def show_record(context: AppContext, turn: Turn, record_id: int) -> None:
    try:
        view = await turn.services.records.record_view(await turn.actor(), record_id)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    if turn.query is not None:
        await turn.query.answer()
    await reply(context, turn, _record_text(turn, view), _record_buttons(turn, view))


class RecordButton(Protocol):
    @property
    def record(self) -> int: ...


async def pressed_record(
    update: Update, context: AppContext, kind: Callable[[str | None], RecordButton | None]
) -> tuple[Turn, int | None]:
    """The turn and the record the button names (`kind`: e.g. `RecordOpen.parse`)."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    press = kind(turn.query.data)
    return turn, press.record if press else None


async def on_record(update: Update, context: AppContext) -> None:
    turn, record_id = await pressed_record(update, context, RecordOpen.parse)
    if not record_id:
        await answer_expired(turn)
        return
    await show_record(context, turn, record_id)


# ---------------------------------------------------------------- admins: anyone's records


# Admins find a volunteer by name or phone fragment and open any of their records.
records_command = volunteer_search(
    RecordsSearchData, TheirRecordsOpen, "records.choose_volunteer", "records.ask_query"
)


async def on_their_records(update: Update, context: AppContext) -> None:
    turn = await turn_of(update, context)
    assert turn.query is not None
    opened, paged = pressed(turn, TheirRecordsOpen), pressed(turn, TheirRecordsPage)
    if opened is not None:
        volunteer_id, number = opened.volunteer, 0
    elif paged is not None:
        volunteer_id, number = paged.volunteer, paged.page
    else:
        await answer_expired(turn)
        return
    opening = opened is not None
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

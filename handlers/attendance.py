"""The lead's side of attendance, from /manage: the rotating check-in code with its QR image,
marking presence by hand, and the attendance sheet (present, absent or adjusted; approve)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import partial
from typing import cast

from telegram import InlineKeyboardMarkup, InputMediaPhoto, Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import JobQueue

from bot.buttons import (
    CodeNew,
    Presence,
    PresencePage,
    PresenceToggle,
    RecordAdjust,
    Sheet,
    SheetApprove,
    SheetMark,
    SheetPage,
    SheetPerson,
)
from bot.domain.errors import DomainError
from bot.domain.hours import DECIDED, CodeDisplay, Mark, RecordState, ServiceRecord
from bot.domain.paging import page_of
from bot.i18n import Translator
from bot.services.attendance import SheetLine
from bot.services.qr import qr_png
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
    turn_of,
)
from telegram_adapter.context import AppContext, AppType

PER_PAGE = 10
ROTATION_JOB = "check-in code display "
ROTATE_BEFORE_EXPIRY_SECONDS = 30


# ---------------------------------------------------------------- check-in code


def _code_caption(
    turn_t: Translator, title: str, code: str, expires: datetime, minutes: int
) -> str:
    return turn_t(
        "attendance.code", title=title, code=code, until=turn_t.datetime(expires), minutes=minutes
    )


async def on_code(update: Update, context: AppContext) -> None:
    """A fresh code, good for a few minutes, as text and as a QR image of the deep link. The
    message then rotates by itself: a new code replaces it shortly before each one expires,
    until the activity ends (or the lead asks for a new message)."""
    turn = await turn_of(update, context)
    press = pressed(turn, CodeNew)
    if press is None:
        await answer_expired(turn)
        return
    try:
        activity, code, expires = await turn.services.checkin.issue_code(
            await turn.actor(), press.activity
        )
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    assert turn.query is not None
    await turn.query.answer()
    minutes = turn.services.checkin.config.code_minutes
    markup = buttons([[(turn.t("button.new_code"), CodeNew(activity.id))]])
    sent = await context.bot.send_photo(
        turn.chat_id,
        qr_png(_check_in_link(context, code)),
        caption=_code_caption(turn.t, activity.title, code, expires, minutes),
        reply_markup=markup,
    )
    display = CodeDisplay(turn.chat_id, sent.message_id, activity.id, turn.user_id)
    await turn.services.checkin.keep_code_display(display)
    # CallbackContext does not carry its own type to the job queue it reaches.
    _rotate_every(
        cast("JobQueue[AppContext] | None", context.application.job_queue), display, minutes
    )


def _rotate_every(jobs: JobQueue[AppContext] | None, display: CodeDisplay, minutes: int) -> None:
    """One rotating display per chat and activity (the newest): a fresh code shortly before
    each one expires."""
    assert jobs is not None
    name = f"{ROTATION_JOB}{display.chat}:{display.activity}"
    for job in jobs.get_jobs_by_name(name):
        job.schedule_removal()
    jobs.run_repeating(
        rotate_code,
        interval=max(30, minutes * 60 - ROTATE_BEFORE_EXPIRY_SECONDS),
        name=name,
        data=display,
    )


async def resume_code_rotations(application: AppType) -> int:
    """At start-up: every display of an activity still in progress rotates again a second
    after start (its code may have expired while the bot was down). How many."""
    services = application.bot_data.runtime.services
    found = await services.checkin.code_displays_to_rotate()
    jobs = application.job_queue
    assert jobs is not None
    for display in found:
        _rotate_every(jobs, display, services.checkin.config.code_minutes)
        # An interval job whose first run falls before the job queue has started is pushed
        # a whole interval back; a one-off run is late, not skipped.
        jobs.run_once(
            rotate_code,
            when=1,
            data=display,
            name=f"{ROTATION_JOB}{display.chat}:{display.activity} at start",
            job_kwargs={"misfire_grace_time": None},
        )
    return len(found)


def _check_in_link(context: AppContext, code: str) -> str:
    return f"https://t.me/{context.bot.username}?start=ci_{code}"


async def rotate_code(context: AppContext) -> None:
    """Replace the displayed code with a fresh one; stop once the activity has ended or the
    person is no longer allowed to issue codes."""
    job = context.job
    assert job is not None and isinstance(job.data, CodeDisplay)
    display = job.data
    services = context.runtime.services
    actor = await services.roles.actor(display.lead)
    t = context.runtime.catalogs.translator(await services.accounts.language_of(display.lead))
    try:
        activity, code, expires = await services.checkin.issue_code(actor, display.activity)
    except DomainError:
        job.schedule_removal()
        await services.checkin.end_code_display(display.chat, display.activity)
        return
    caption = _code_caption(t, activity.title, code, expires, services.checkin.config.code_minutes)
    try:
        await context.bot.edit_message_media(
            InputMediaPhoto(qr_png(_check_in_link(context, code)), caption=caption),
            chat_id=display.chat,
            message_id=display.message,
            reply_markup=buttons([[(t("button.new_code"), CodeNew(activity.id))]]),
        )
    except (BadRequest, Forbidden):
        job.schedule_removal()  # the message was deleted, or the lead blocked the bot
        await services.checkin.end_code_display(display.chat, display.activity)


# ---------------------------------------------------------------- presence by hand


async def _presence(turn: Turn, activity_id: int, number: int) -> tuple[str, InlineKeyboardMarkup]:
    activity, people = await turn.services.checkin.presence(await turn.actor(), activity_id)
    page = page_of(people, number, PER_PAGE)
    t = turn.t
    lines = [t("attendance.presence_header", title=activity.title, count=len(people))]
    rows: list[list[Choice]] = []
    for person in page.items:
        if person.checkin is None:
            state = t("attendance.absent_now")
        else:
            state = t(
                f"attendance.method.{person.checkin.method}",
                at=t.datetime(person.checkin.checked_in_at),
            )
        lines.append(f"· {person.volunteer.name}: {state}")
        if person.checkin is None or person.checkin.method == "lead":
            label = t(
                "button.mark_present" if person.checkin is None else "button.unmark",
                name=person.volunteer.name,
            )
            wanted = person.checkin is None  # the state the press asks for
            data = PresenceToggle(activity.id, person.volunteer.id, page.number, wanted)
            rows.append([(label[:60], data)])
    rows.append(page_buttons(turn, page, partial(PresencePage, activity.id)))
    return "\n".join(lines), buttons(rows)


async def _paged(
    update: Update,
    context: AppContext,
    opening: type[Presence | Sheet],
    paging: type[PresencePage | SheetPage],
    render: Callable[[Turn, int, int], Awaitable[tuple[str, InlineKeyboardMarkup]]],
) -> None:
    """An `opening` button sends an activity's first page as a new message; a `paging` one
    shows another page in place."""
    turn = await turn_of(update, context)
    opened, paged = pressed(turn, opening), pressed(turn, paging)
    if opened is not None:
        activity_id, number = opened.activity, 0
    elif paged is not None:
        activity_id, number = paged.activity, paged.page
    else:
        await answer_expired(turn)
        return
    try:
        text, markup = await render(turn, activity_id, number)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    assert turn.query is not None
    await turn.query.answer()
    if opened is not None:
        await reply(context, turn, text, markup)
    else:
        await turn.query.edit_message_text(text, reply_markup=markup)


async def on_presence(update: Update, context: AppContext) -> None:
    """Who is confirmed and who checked in; a button marks a person present by hand."""
    await _paged(update, context, Presence, PresencePage, _presence)


async def on_toggle(update: Update, context: AppContext) -> None:
    turn = await turn_of(update, context)
    press = pressed(turn, PresenceToggle)
    if press is None:
        await answer_expired(turn)
        return
    actor = await turn.actor()
    try:
        # The button says which state it asks for, so a second press has no further effect.
        changed = await turn.services.checkin.mark_present(
            actor, press.activity, press.volunteer, press.present
        )
        text, markup = await _presence(turn, press.activity, press.page)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    assert turn.query is not None
    await turn.query.answer()
    if changed:
        await turn.query.edit_message_text(text, reply_markup=markup)


# ---------------------------------------------------------------- the attendance sheet


def _line(turn: Turn, n: int, line: SheetLine) -> str:
    record, t = line.record, turn.t
    times = "—"
    if record.checked_in_at is not None:
        out = t.datetime(record.checked_out_at)[-5:] if record.checked_out_at else "?"
        times = f"{t.datetime(record.checked_in_at)[-5:]}–{out}"
        if record.checked_out_at is None and record.last_seen_at is not None:
            times += " " + t("attendance.last_seen", at=t.datetime(record.last_seen_at)[-5:])
    text = t(
        "attendance.line",
        n=n,
        name=line.name,
        times=times,
        proposed=hours_text(turn, record.proposed_minutes),
        hours=hours_text(turn, record.minutes),
        mark=t(f"attendance.mark.{record.mark.value}"),
    )
    flags = " ".join(t(f"record.flag_short.{flag}") for flag in record.warnings)
    if record.state is not RecordState.PENDING:
        state = f" · {t(f'record.state.{record.state}')}"
    elif record.needs_decision:
        state = " · " + t("attendance.needs_decision")
    elif DECIDED in record.flags:
        state = " · " + t("attendance.decided")
    else:
        state = ""
    return f"{text}{state}{(' ' + flags) if flags else ''}"


async def _sheet(turn: Turn, activity_id: int, number: int) -> tuple[str, InlineKeyboardMarkup]:
    view = await turn.services.attendance.sheet(await turn.actor(), activity_id)
    page = page_of(list(view.lines), number, PER_PAGE)
    t = turn.t
    key = "attendance.sheet_approved" if view.approved else "attendance.sheet_header"
    lines = [
        t(
            key,
            title=view.activity.title,
            start=t.datetime(view.activity.starts_at),
            count=len(view.lines),
        )
    ]
    to_decide = sum(
        1
        for line in view.lines
        if line.record.state is RecordState.PENDING and line.record.needs_decision
    )
    if to_decide:
        lines.append(t("attendance.flagged_note", count=to_decide))
    rows: list[list[Choice]] = []
    for n, line in enumerate(page.items, start=page.number * PER_PAGE + 1):
        lines.append(_line(turn, n, line))
        if line.record.state is RecordState.PENDING:
            rows.append([(f"{n}. {line.name}"[:60], SheetPerson(line.record.id))])
    rows.append(page_buttons(turn, page, partial(SheetPage, activity_id)))
    if any(line.record.state is RecordState.PENDING for line in view.lines):
        rows.append([(t("button.approve_sheet"), SheetApprove(activity_id))])
    return "\n".join(lines), buttons(rows)


async def on_sheet(update: Update, context: AppContext) -> None:
    """The sheet: each confirmed volunteer's check-in, check-out, proposed minutes and mark."""
    await _paged(update, context, Sheet, SheetPage, _sheet)


def _person(
    turn: Turn, record: ServiceRecord, name: str, present_minutes: int
) -> tuple[str, InlineKeyboardMarkup]:
    """One record of the sheet with its flags spelled out, and the lead's choices. For a
    forgotten check-out, "present" says that it credits up to the scheduled end."""
    t = turn.t
    lines = [_line(turn, 1, SheetLine(record, name)).split(". ", 1)[-1]]
    lines += [t(f"record.flag.{flag}") for flag in record.warnings]
    if "no_checkout" in record.flags:
        present = t("button.present_until_end", hours=hours_text(turn, present_minutes))
    else:
        present = t("button.mark_present_short")
    rows: list[list[Choice]] = [
        [
            (present, SheetMark("p", record.id)),
            (t("button.mark_absent"), SheetMark("a", record.id)),
        ],
        [(t("button.adjust"), RecordAdjust(record.id))],
    ]
    return "\n".join(lines), buttons(rows)


async def on_person(update: Update, context: AppContext) -> None:
    turn = await turn_of(update, context)
    press = pressed(turn, SheetPerson)
    if press is None:
        await answer_expired(turn)
        return
    actor = await turn.actor()
    try:
        view = await turn.services.records.team_record(actor, press.record)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    assert turn.query is not None
    await turn.query.answer()
    present = await turn.services.attendance.present_minutes(view.record)
    text, markup = _person(turn, view.record, view.volunteer_name, present)
    await reply(context, turn, text, markup)


async def on_mark(update: Update, context: AppContext) -> None:
    """Present (the proposed minutes) or absent, on one pending record."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    press = pressed(turn, SheetMark)
    if press is None:
        await answer_expired(turn)
        return
    mark = Mark.PRESENT if press.mark == "p" else Mark.ABSENT
    actor = await turn.actor()
    try:
        record = await turn.services.attendance.set_mark(actor, press.record, mark)
        view = await turn.services.records.record_view(actor, record.id)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await turn.query.answer()
    present = await turn.services.attendance.present_minutes(record)
    text, markup = _person(turn, record, view.volunteer_name, present)
    await turn.query.edit_message_text(text, reply_markup=markup)


async def on_approve(update: Update, context: AppContext) -> None:
    """Approves the sheet; volunteers are told what was credited."""
    turn = await turn_of(update, context)
    press = pressed(turn, SheetApprove)
    if press is None:
        await answer_expired(turn)
        return
    try:
        result = await turn.services.attendance.approve_sheet(await turn.actor(), press.activity)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    assert turn.query is not None
    await turn.query.answer()
    t = turn.t
    text = t(
        "attendance.approved_partly" if result.held else "attendance.approved",
        approved=t.number(result.approved),
        no_shows=t.number(result.no_shows),
        review=t.number(result.in_review),
    )
    if result.own_left:
        text += "\n" + t("attendance.own_left")
    if result.held:
        text += "\n" + t("attendance.held", count=result.held)
    await reply(context, turn, text)

"""/checkin, /checkout, /hours with records, disputes and their resolution, /certificate and
/verify."""

from __future__ import annotations

import asyncio

from telegram import (
    InlineKeyboardMarkup,
    Message,
    Update,
)

from bot.domain.errors import (
    DomainError,
    NotAdmin,
    NotDisputable,
    NotDisputed,
    NotLeadOrAdmin,
    NotTeamLead,
    OwnHours,
    RecordNotOpen,
    UnknownRecord,
)
from bot.domain.hours import AuditEntry, RecordState, ServiceRecord, parse_minutes
from bot.domain.models import Actor, Dialogue
from bot.domain.paging import Page
from bot.services.certificate import render_pdf
from bot.services.hours import RECORDS_PER_PAGE, CheckInResult, RecordView
from handlers.admin import volunteer_search
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
from handlers.context import AppContext
from handlers.dialogue import location_outside_dialogues, text_step
from handlers.privacy import require_private

LOCATION = "ci:l:"  # share a location for activity <id>
PICK = "ci:p:"  # the activity a location shared outside the dialogue is for
CODE = "ci:c"  # type a code (it names the activity)
CHECK_OUT = "co:"
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


# Refusals that no retyping can cure: the dialogue about the record ends with them.
FINAL: tuple[type[DomainError], ...] = (
    NotDisputable,
    NotDisputed,
    RecordNotOpen,
    UnknownRecord,
    OwnHours,
    NotTeamLead,
    NotLeadOrAdmin,
    NotAdmin,
)


def hours_text(turn: Turn, minutes: int) -> str:
    return turn.t.number(round(minutes / 60, 2))


def amount_text(turn: Turn, minutes: int) -> str:
    """A length in hours and minutes, as the reader says it: "2 h 30 min", "2小时30分钟"."""
    whole, rest = divmod(minutes, 60)
    if whole and rest:
        return turn.t("amount.hours_minutes", hours=whole, minutes=rest)
    if whole:
        return turn.t("amount.hours", hours=whole)
    return turn.t("amount.minutes", minutes=rest)


# ---------------------------------------------------------------- check-in


async def checkin_command(update: Update, context: AppContext) -> None:
    """My confirmed activities open for check-in, with the ways to check in to each."""
    turn = await turn_of(update, context)
    if not await require_private(context, turn):
        return
    try:
        found = await turn.services.hours.open_for_checkin(turn.user_id)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    if not found:
        opens = turn.services.hours.config.checkin_opens_minutes
        await reply(context, turn, turn.t("checkin.none", minutes=opens))
        return
    lines, rows = [turn.t("checkin.header")], []
    for activity, checkin in found:
        if checkin is not None:
            lines.append(
                turn.t(
                    "checkin.done_line",
                    title=activity.title,
                    at=turn.t.datetime(checkin.checked_in_at),
                )
            )
            continue
        lines.append(
            turn.t("checkin.line", title=activity.title, start=turn.t.datetime(activity.starts_at))
        )
        if activity.latitude is not None:
            label = turn.t("button.checkin_location", title=activity.title)
            rows.append([(label[:60], f"{LOCATION}{activity.id}")])
    if any(checkin is None for _, checkin in found):
        rows.append([(turn.t("button.checkin_code"), CODE)])
    await reply(context, turn, "\n".join(lines), buttons(rows))


async def on_location_button(update: Update, context: AppContext) -> None:
    """Asks for the person's live location. No keyboard button can ask for one (it would send
    a single point, which the map picker can fake), so the answer says how to share it."""
    turn = await turn_of(update, context)
    assert turn.query is not None and turn.query.data is not None
    activity_id = page_number(turn.query.data, LOCATION)
    if activity_id is None:
        await answer_expired(turn)
        return
    await turn.query.answer()
    await turn.services.dialogues.begin(turn.user_id, "checkin", "location", activity=activity_id)
    await reply(context, turn, turn.t("checkin.ask_location"))


async def on_code_button(update: Update, context: AppContext) -> None:
    turn = await turn_of(update, context)
    assert turn.query is not None
    await turn.query.answer()
    await turn.services.dialogues.begin(turn.user_id, "checkin", "code")
    await reply(context, turn, turn.t("checkin.ask_code"))


async def _checked_in(context: AppContext, turn: Turn, result: CheckInResult) -> None:
    await turn.services.dialogues.end(turn.user_id)
    key = "checkin.already" if result.already else "checkin.done"
    text = turn.t(key, title=result.activity.title, at=turn.t.datetime(result.at))
    await reply(context, turn, text)


@text_step("checkin", "location", location=True)
async def checkin_location(
    context: AppContext, turn: Turn, dialogue: Dialogue, message: Message
) -> None:
    if message.location is None:
        await reply(context, turn, turn.t("checkin.ask_location"))
        return
    if not _sent_from_own_device(message):
        await reply(context, turn, turn.t("checkin.not_forwarded"))
        return
    result = await turn.services.hours.check_in_by_location(
        turn.user_id,
        int(dialogue.data["activity"]),
        message.location.latitude,
        message.location.longitude,
        live=bool(message.location.live_period),
    )
    await _checked_in(context, turn, result)


@location_outside_dialogues
async def location_outside_a_dialogue(context: AppContext, turn: Turn, message: Message) -> bool:
    """A location shared with no check-in asked for (straight away, or after /checkin): with
    exactly one activity of theirs open for check-in by location, it checks them in; with
    several, they pick one. False if no activity is open, so the caller answers as usual."""
    try:
        found = await turn.services.hours.awaiting_location_checkin(turn.user_id)
    except DomainError:
        return False
    if not found or message.location is None:
        return False
    if not _sent_from_own_device(message):
        await reply(context, turn, turn.t("checkin.not_forwarded"))
        return True
    location = message.location
    if len(found) == 1:
        try:
            result = await turn.services.hours.check_in_by_location(
                turn.user_id,
                found[0].id,
                location.latitude,
                location.longitude,
                live=bool(location.live_period),
            )
        except DomainError as error:
            await reply_error(context, turn, error)
            return True
        await _checked_in(context, turn, result)
        return True
    await turn.services.dialogues.begin(
        turn.user_id,
        "checkin",
        "pick",
        latitude=location.latitude,
        longitude=location.longitude,
        live=bool(location.live_period),
    )
    rows = [[(activity.title[:60], f"{PICK}{activity.id}")] for activity in found]
    await reply(context, turn, turn.t("checkin.pick"), buttons(rows))
    return True


async def on_pick(update: Update, context: AppContext) -> None:
    """Checks in, with the location just shared, to the activity picked."""
    turn = await turn_of(update, context)
    assert turn.query is not None and turn.query.data is not None
    activity_id = page_number(turn.query.data, PICK)
    dialogue = await turn.services.dialogues.current(turn.user_id)
    if (
        activity_id is None
        or dialogue is None
        or (dialogue.flow, dialogue.step)
        != (
            "checkin",
            "pick",
        )
    ):
        await answer_expired(turn)
        return
    await turn.query.answer()
    try:
        result = await turn.services.hours.check_in_by_location(
            turn.user_id,
            activity_id,
            float(dialogue.data["latitude"]),
            float(dialogue.data["longitude"]),
            live=bool(dialogue.data["live"]),
        )
    except DomainError as error:
        await turn.services.dialogues.end(turn.user_id)
        await reply_error(context, turn, error)
        return
    await _checked_in(context, turn, result)


def _sent_from_own_device(message: Message) -> bool:
    """A location the person's own device shared: not forwarded (where someone else was), not
    a venue (a place picked from a list), not posted through an inline bot or on behalf of a
    chat (either can carry any point, live or not)."""
    return (
        message.forward_origin is None
        and message.venue is None
        and message.via_bot is None
        and message.sender_chat is None
        and not message.is_automatic_forward
    )


async def on_live_location(update: Update, context: AppContext) -> None:
    """A live location moving (Telegram edits the message): a sign that the person is still
    there, for a check-out they may forget. Nothing is answered."""
    message, user = update.edited_message, update.effective_user
    if message is None or message.location is None or user is None:
        return
    if not _sent_from_own_device(message) or not message.location.live_period:
        return
    await context.runtime.services.hours.live_location_moved(
        user.id, message.location.latitude, message.location.longitude
    )


@text_step("checkin", "code")
async def checkin_code(
    context: AppContext, turn: Turn, dialogue: Dialogue, message: Message
) -> None:
    result = await turn.services.hours.check_in_by_code(turn.user_id, message.text or "")
    await _checked_in(context, turn, result)


async def check_in_deep_link(context: AppContext, turn: Turn, token: str) -> None:
    """`/start ci_<code>` from the QR code the lead shows."""
    try:
        result = await turn.services.hours.check_in_by_code(turn.user_id, token)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await _checked_in(context, turn, result)


# ---------------------------------------------------------------- check-out


async def _check_out(context: AppContext, turn: Turn, activity_id: int) -> None:
    try:
        result = await turn.services.hours.check_out(turn.user_id, activity_id)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    if turn.query is not None:
        await turn.query.answer()
    await reply(
        context,
        turn,
        turn.t(
            "checkout.done",
            title=result.activity.title,
            start=turn.t.datetime(result.checked_in_at),
            end=turn.t.datetime(result.checked_out_at),
            hours=hours_text(turn, result.minutes),
        ),
    )


async def checkout_command(update: Update, context: AppContext) -> None:
    """Closes my open check-in (or asks which, if there are several)."""
    turn = await turn_of(update, context)
    if not await require_private(context, turn):
        return
    try:
        sessions = await turn.services.hours.open_sessions(turn.user_id)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    if not sessions:
        await reply(context, turn, turn.t("checkout.none"))
        return
    if len(sessions) == 1:
        await _check_out(context, turn, sessions[0][0].id)
        return
    rows = [[(activity.title, f"{CHECK_OUT}{activity.id}")] for activity, _ in sessions]
    await reply(context, turn, turn.t("checkout.choose"), buttons(rows))


async def on_check_out(update: Update, context: AppContext) -> None:
    turn = await turn_of(update, context)
    assert turn.query is not None and turn.query.data is not None
    activity_id = page_number(turn.query.data, CHECK_OUT)
    if activity_id is None:
        await answer_expired(turn)
        return
    await _check_out(context, turn, activity_id)


# ---------------------------------------------------------------- /hours


async def hours_command(update: Update, context: AppContext) -> None:
    """Approved and pending hours this year and in all, by category and team, and stars."""
    turn = await turn_of(update, context)
    if not await require_private(context, turn):
        return
    try:
        summary, level = await turn.services.hours.summary(turn.user_id)
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
        records, total = await turn.services.hours.records(turn.user_id, number)
        header, pager = "hours.records_header", RECORDS
        name = ""
    else:
        volunteer, records, total = await turn.services.hours.records_of(
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
        view = await turn.services.hours.record_view(actor, record_id)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    if turn.query is not None:
        await turn.query.answer()
    await reply(context, turn, _record_text(turn, view), _record_buttons(turn, actor, view))


async def _pressed_record(update: Update, context: AppContext, prefix: str) -> tuple[Turn, int]:
    turn = await turn_of(update, context)
    assert turn.query is not None and turn.query.data is not None
    return turn, page_number(turn.query.data, prefix) or 0


async def on_record(update: Update, context: AppContext) -> None:
    turn, record_id = await _pressed_record(update, context, RECORD)
    if not record_id:
        await answer_expired(turn)
        return
    await show_record(context, turn, record_id)


async def _begin_step(
    update: Update, context: AppContext, prefix: str, step: str, prompt: str, manage: bool = True
) -> None:
    """Checks the presser may see the record, then asks for the typed part of the action
    (the service checks again when it is done)."""
    turn, record_id = await _pressed_record(update, context, prefix)
    if not record_id:
        await answer_expired(turn)
        return
    actor, hours = await turn.actor(), turn.services.hours
    try:
        view = await (hours.record_to_decide if manage else hours.record_view)(actor, record_id)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    assert turn.query is not None
    await turn.query.answer()
    await turn.services.dialogues.begin(turn.user_id, "record", step, record=record_id)
    limit = view.record.scheduled_minutes or 24 * 60
    await reply(
        context,
        turn,
        turn.t(prompt, title=view.record.title, max=hours_text(turn, limit)),
    )


async def on_dispute(update: Update, context: AppContext) -> None:
    await _begin_step(update, context, DISPUTE, "dispute", "record.ask_dispute", manage=False)


async def on_adjust(update: Update, context: AppContext) -> None:
    await _begin_step(update, context, ADJUST, "minutes", "record.ask_minutes")


async def on_reject(update: Update, context: AppContext) -> None:
    await _begin_step(update, context, REJECT, "reject", "record.ask_reject_reason")


async def on_approve_review(update: Update, context: AppContext) -> None:
    turn, record_id = await _pressed_record(update, context, APPROVE_REVIEW)
    if not record_id:
        await answer_expired(turn)
        return
    try:
        record = await turn.services.hours.approve_review(await turn.actor(), record_id)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    assert turn.query is not None
    await turn.query.answer()
    text = turn.t("record.approved", title=record.title, hours=hours_text(turn, record.minutes))
    await reply(context, turn, text)


@text_step("record", "dispute", ends_on=FINAL)
async def dispute_text(
    context: AppContext, turn: Turn, dialogue: Dialogue, message: Message
) -> None:
    record = await turn.services.hours.dispute(
        turn.user_id, int(dialogue.data["record"]), message.text or ""
    )
    await turn.services.dialogues.end(turn.user_id)
    await reply(context, turn, turn.t("record.disputed", title=record.title))


@text_step("record", "minutes", ends_on=FINAL)
async def adjust_minutes(
    context: AppContext, turn: Turn, dialogue: Dialogue, message: Message
) -> None:
    view = await turn.services.hours.record_view(await turn.actor(), int(dialogue.data["record"]))
    limit = view.record.scheduled_minutes or 24 * 60
    dialogue.data["minutes"] = parse_minutes(message.text or "", limit)
    dialogue.step = "reason"
    await turn.services.dialogues.save(turn.user_id, dialogue)
    await reply(context, turn, turn.t("record.ask_reason"))


@text_step("record", "reason", ends_on=FINAL)
async def adjust_reason(
    context: AppContext, turn: Turn, dialogue: Dialogue, message: Message
) -> None:
    record = await turn.services.hours.set_minutes(
        await turn.actor(),
        int(dialogue.data["record"]),
        int(dialogue.data["minutes"]),
        message.text or "",
    )
    await turn.services.dialogues.end(turn.user_id)
    await reply(
        context,
        turn,
        turn.t("record.saved", title=record.title, hours=hours_text(turn, record.minutes)),
    )


@text_step("record", "reject", ends_on=FINAL)
async def reject_reason(
    context: AppContext, turn: Turn, dialogue: Dialogue, message: Message
) -> None:
    record = await turn.services.hours.resolve(
        await turn.actor(), int(dialogue.data["record"]), None, message.text or ""
    )
    await turn.services.dialogues.end(turn.user_id)
    await reply(
        context,
        turn,
        turn.t("record.saved", title=record.title, hours=hours_text(turn, record.minutes)),
    )


# ---------------------------------------------------------------- certificates


async def _send_certificate(context: AppContext, turn: Turn) -> None:
    names = {team.key: team.name(turn.t.language) for team in await turn.services.teams.all()}
    try:
        certificate = await turn.services.hours.issue_certificate(turn.user_id, names)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    if turn.query is not None:
        await turn.query.answer()
    link = f"https://t.me/{context.bot.username}?start=cert_{certificate.code}"
    hint = turn.t("certificate.verify_hint", code=certificate.code, link=link)
    # Rendering takes a noticeable moment for long records: off the event loop.
    pdf = await asyncio.to_thread(render_pdf, certificate, turn.t, hint)
    await context.bot.send_document(
        turn.chat_id,
        pdf,
        filename=f"certificate-{certificate.code}.pdf",
        caption=turn.t(
            "certificate.caption",
            hours=hours_text(turn, certificate.total_minutes),
            code=certificate.code,
        ),
    )


async def certificate_command(update: Update, context: AppContext) -> None:
    """A PDF service-record certificate of my approved hours, with a verification code."""
    turn = await turn_of(update, context)
    if not await require_private(context, turn):
        return
    await _send_certificate(context, turn)


async def on_certificate(update: Update, context: AppContext) -> None:
    turn = await turn_of(update, context)
    await _send_certificate(context, turn)


async def show_verification(context: AppContext, turn: Turn, code: str) -> None:
    """Anyone may confirm a certificate's holder, total and date of issue."""
    try:
        holder, total, count, issued = await turn.services.hours.verify(code)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    holder = holder or turn.t("certificate.holder_erased")
    holder = holder or turn.t("certificate.holder_erased")
    await reply(
        context,
        turn,
        turn.t(
            "certificate.verified",
            holder=holder,
            hours=hours_text(turn, total),
            records=turn.t.number(count),
            day=turn.t.day(issued),
        ),
    )


async def verify_command(update: Update, context: AppContext) -> None:
    turn = await turn_of(update, context)
    if not context.args:
        await reply(context, turn, turn.t("certificate.verify_usage"))
        return
    await show_verification(context, turn, context.args[0])


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

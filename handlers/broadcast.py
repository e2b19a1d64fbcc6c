"""/broadcast: choose the audience, type the text, see it as it will arrive, confirm, and
watch one progress message until the final report. A running broadcast can be stopped."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest, TelegramError

from bot.buttons import (
    BroadcastAudience,
    BroadcastAudiencePage,
    BroadcastDiscard,
    BroadcastSend,
    BroadcastStop,
)
from bot.domain.dialogues import BroadcastData, Dialogue, entered
from bot.domain.errors import DomainError
from bot.domain.models import Audience
from bot.domain.paging import page_of
from bot.i18n import Translator
from bot.services.broadcasts import BroadcastStatus
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
from handlers.dialogue import pressed_at, text_step
from handlers.privacy import require_private
from telegram_adapter.context import AppContext

log = logging.getLogger(__name__)

AUDIENCES_PER_PAGE = 8


def audience_name(t: Translator, audience: Audience) -> str:
    if audience.activity is not None:
        return t("broadcast.audience_activity", title=audience.activity.title)
    return audience.team.name(t.language) if audience.team else t("broadcast.audience_all")


async def _audience_keyboard(turn: Turn, number: int) -> InlineKeyboardMarkup:
    audiences = await turn.services.broadcasts.audiences(await turn.actor())
    page = page_of(audiences, number, AUDIENCES_PER_PAGE)
    rows: list[list[Choice]] = [
        [(audience_name(turn.t, a), BroadcastAudience(a.key))] for a in page.items
    ]
    rows.append(page_buttons(turn, page, BroadcastAudiencePage))
    return buttons(rows)


async def broadcast_command(update: Update, context: AppContext) -> None:
    """Starts a broadcast: leads to their teams, admins to any team or everyone."""
    turn = await turn_of(update, context)
    if not await require_private(context, turn):
        return
    try:
        audiences = await turn.services.broadcasts.audiences(await turn.actor())
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    if len(audiences) == 1:
        await _ask_text(context, turn, audiences[0])
        return
    await turn.services.dialogues.begin(turn.user_id, BroadcastData(), "audience")
    await reply(
        context, turn, turn.t("broadcast.choose_audience"), await _audience_keyboard(turn, 0)
    )


on_audience_page = keyboard_pager(BroadcastAudiencePage.parse, _audience_keyboard)


async def on_audience(update: Update, context: AppContext) -> None:
    """Takes the chosen audience and asks for the text."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    press = pressed(turn, BroadcastAudience)
    if press is None:
        await answer_expired(turn)
        return
    try:
        audience = await turn.services.broadcasts.audience(await turn.actor(), press.audience)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await turn.query.answer()
    await turn.query.edit_message_reply_markup(None)
    await _ask_text(context, turn, audience)


async def _ask_text(context: AppContext, turn: Turn, audience: Audience) -> None:
    service = turn.services.broadcasts
    await turn.services.dialogues.begin(turn.user_id, BroadcastData(audience=audience.key), "text")
    name = audience_name(turn.t, audience)
    text = turn.t("broadcast.ask_text", audience=name, max=service.max_body(audience))
    await reply(context, turn, text)


@text_step(BroadcastData, "text")
async def broadcast_text(
    context: AppContext, turn: Turn, dialogue: Dialogue[BroadcastData], message: Message
) -> None:
    service = turn.services.broadcasts
    audience, body = await service.check_text(
        await turn.actor(), entered(dialogue.data.audience), message.text or ""
    )
    count = await service.recipient_count(audience)
    name = audience_name(turn.t, audience)
    if count == 0:
        await turn.services.dialogues.end(turn.user_id)
        await reply(context, turn, turn.t("broadcast.nobody", audience=name))
        return
    dialogue.data.body = body
    dialogue.step = "confirm"
    await turn.services.dialogues.save(turn.user_id, dialogue)
    await reply(context, turn, turn.t("broadcast.preview_intro"))
    await reply(context, turn, service.render(audience, body, turn.t.language))
    choice: list[list[Choice]] = [
        [(turn.t("button.send"), BroadcastSend()), (turn.t("button.cancel"), BroadcastDiscard())]
    ]
    await reply(
        context, turn, turn.t("broadcast.confirm", count=count, audience=name), buttons(choice)
    )


async def on_confirm(update: Update, context: AppContext) -> None:
    """Sends the previewed broadcast (or drops it) and shows its progress message."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    send = pressed(turn, BroadcastSend)
    if send is None and pressed(turn, BroadcastDiscard) is None:
        await answer_expired(turn)
        return
    dialogue = await pressed_at(context, turn, BroadcastData, "confirm")
    if dialogue is None:
        return
    await turn.query.answer()
    await turn.query.edit_message_reply_markup(None)
    await turn.services.dialogues.end(turn.user_id)
    if send is None:
        await reply(context, turn, turn.t("broadcast.cancelled"))
        return
    try:
        data = dialogue.data
        status = await turn.services.broadcasts.start(
            await turn.actor(), entered(data.audience), entered(data.body), turn.chat_id
        )
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    text, markup = render_progress(turn.t, status)
    try:
        sent = await context.bot.send_message(turn.chat_id, text, reply_markup=markup)
    except BaseException:
        # The broadcast goes on; its final report will come as a message of its own.
        turn.services.broadcasts.progress_not_posted(status.broadcast.id)
        raise
    await turn.services.broadcasts.attach_progress(status.broadcast.id, sent.message_id)


def render_progress(
    t: Translator, status: BroadcastStatus
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The progress message: counts, the service's estimate while running, a Stop button."""
    counts = status.counts
    name = audience_name(t, status.audience)
    numbers = {
        "audience": name,
        "sent": t.number(counts.sent),
        "blocked": t.number(counts.blocked),
        "failed": t.number(counts.failed),
        "pending": t.number(counts.pending),
        "cancelled": t.number(counts.cancelled),
        "total": t.number(counts.total),
    }
    state = status.broadcast.state
    if state == "stopped":
        return t("broadcast.stopped", **numbers), None
    if state == "done" or counts.finished:
        return t("broadcast.finished", **numbers), None
    eta = t.duration(status.seconds_left)
    stop = buttons([[(t("button.stop"), BroadcastStop(status.broadcast.id))]])
    return t("broadcast.progress", eta=eta, **numbers), stop


async def on_stop(update: Update, context: AppContext) -> None:
    """Stops a running broadcast: what is not sent yet is cancelled."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    press = pressed(turn, BroadcastStop)
    if press is None:
        await answer_expired(turn)
        return
    try:
        status = await turn.services.broadcasts.stop(await turn.actor(), press.broadcast)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await turn.query.answer()
    text, markup = render_progress(turn.t, status)
    await turn.query.edit_message_text(text, reply_markup=markup)


async def refresh_progress(context: AppContext) -> None:
    """Job: edit each running broadcast's progress message, and give each ended broadcast its
    final report exactly once: the progress message edited to it (an edit repeated after a
    restart changes nothing), or, when there is none (the bot stopped before posting it, or the
    author deleted it), a message of its own through the outbox."""
    runtime = context.runtime
    service = runtime.services.broadcasts
    for status in await service.unreported():
        broadcast = status.broadcast
        if await service.complete_if_finished(status):
            status = await service.status(broadcast.id)
        final = status.broadcast.state != "running"
        language = await runtime.services.accounts.language_of(broadcast.author_telegram_id)
        text, markup = render_progress(runtime.catalogs.translator(language), status)
        if broadcast.progress_chat_id is None or broadcast.progress_message_id is None:
            if final and not service.progress_coming(broadcast):
                await service.report_by_message(status.broadcast, text)
            continue
        if not final and runtime.progress_shown.get(broadcast.id) == text:
            continue
        try:
            await context.bot.edit_message_text(
                text,
                broadcast.progress_chat_id,
                broadcast.progress_message_id,
                reply_markup=markup,
            )
        except BadRequest as error:
            if "not modified" not in error.message:
                log.warning("could not update progress of broadcast %s: %s", broadcast.id, error)
                if final:  # the progress message is gone or can no longer be edited
                    await service.report_by_message(status.broadcast, text)
                    continue
        except TelegramError as error:
            log.warning("could not update progress of broadcast %s: %s", broadcast.id, error)
            continue
        runtime.progress_shown[broadcast.id] = text
        if final:
            await service.reported(broadcast.id)
            runtime.progress_shown.pop(broadcast.id, None)

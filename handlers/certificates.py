"""/certificate (the PDF of a person's approved hours) and /verify (anyone checks one)."""

from __future__ import annotations

import asyncio

from telegram import (
    Update,
)

from bot.domain.errors import (
    DomainError,
)
from bot.services.certificate_pdf import render_pdf
from handlers.common import (
    Turn,
    hours_text,
    reply,
    reply_error,
    turn_of,
)
from handlers.privacy import require_private
from telegram_adapter.context import AppContext


async def _send_certificate(context: AppContext, turn: Turn) -> None:
    names = {team.key: team.name(turn.t.language) for team in await turn.services.teams.all()}
    try:
        certificate = await turn.services.certificates.issue_certificate(turn.user_id, names)
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
        holder, total, count, issued = await turn.services.certificates.verify(code)
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
            count=count,
            day=turn.t.day(issued),
        ),
    )


async def verify_command(update: Update, context: AppContext) -> None:
    turn = await turn_of(update, context)
    if not context.args:
        await reply(context, turn, turn.t("certificate.verify_usage"))
        return
    await show_verification(context, turn, context.args[0])

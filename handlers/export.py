"""/export: the approved records of a period as CSV or XLSX, for leads and admins."""

from __future__ import annotations

import re
import tempfile
from datetime import timedelta
from pathlib import Path

from telegram import Update

from bot.buttons import EXPORT_FORMATS, ExportFile
from bot.domain.errors import DomainError
from bot.domain.ranking import Period, parse_range
from bot.i18n import Translator
from bot.services.exports import export_labels
from handlers.common import (
    answer_expired,
    buttons,
    pressed,
    reply,
    reply_error,
    turn_of,
)
from handlers.periods import (
    period_text,
)
from handlers.privacy import require_private
from storage.reports import EXPORT_COLUMNS
from telegram_adapter.context import AppContext

TELEGRAM_UPLOAD_LIMIT = 50 * 1024 * 1024


def export_header(t: Translator) -> list[str]:
    return [t(f"export.col.{column}") for column in EXPORT_COLUMNS]


async def export_command(update: Update, context: AppContext) -> None:
    """CSV or XLSX of service records (admins: all teams; leads: theirs) for this month, this
    year, or a typed range; a team key narrows it to one team:
    `/export 2026-11-01 2026-11-30 traffic`, `/export traffic`."""
    turn = await turn_of(update, context)
    if not await require_private(context, turn):
        return
    args = list(context.args or [])
    team_key = args.pop() if args and not re.match(r"\d{4}-", args[-1]) else None
    try:
        scope = await turn.services.exports.export_scope(await turn.actor(), team_key)
        team_id = scope[0] if team_key is not None and scope else 0
        if args:
            start, end = parse_range(args)
            spans = [(period_text(turn.t, start, end), start, end)]
        else:
            spans = []
            for period in (Period.MONTH, Period.YEAR):
                start, end = turn.services.reports.bounds(period)
                spans.append((turn.t(f"period.{period.value}"), start, end))
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    rows = [
        [
            (f"{label} · {fmt.upper()}", ExportFile(fmt, start, end, team_id))
            for fmt in EXPORT_FORMATS
        ]
        for label, start, end in spans
    ]
    await reply(context, turn, turn.t("export.choose"), buttons(rows))


async def on_export(update: Update, context: AppContext) -> None:
    turn = await turn_of(update, context)
    assert turn.query is not None
    press = pressed(turn, ExportFile)
    if press is None:
        await answer_expired(turn)
        return
    fmt, start, end, team_id = press.format, press.start, press.end, press.team_id
    reports = turn.services.reports
    try:
        team_key = await reports.team_key(team_id) if team_id else None
        await turn.services.exports.export_scope(await turn.actor(), team_key)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await turn.query.answer(turn.t("export.preparing"))  # before the work: a press expires
    last_day = end - timedelta(days=1)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"service-records-{start:%Y%m%d}-{last_day:%Y%m%d}.{fmt}"
        try:
            count = await turn.services.exports.export(
                await turn.actor(),
                team_key,
                start,
                end,
                fmt,
                path,
                export_header(turn.t),
                export_labels(turn.t),
                turn.t("export.sheet"),
                max_bytes=TELEGRAM_UPLOAD_LIMIT,
            )
        except DomainError as error:  # ExportTooLarge included: it stops once past the limit
            await reply(context, turn, turn.t(error.key, **error.params))
            return
        except ValueError:  # more rows than a spreadsheet holds
            await reply(context, turn, turn.t("export.too_big", count="1048576+"))
            return
        with path.open("rb") as handle:
            await context.bot.send_document(
                turn.chat_id,
                handle,
                filename=path.name,
                caption=turn.t(
                    "export.caption", count=count, range=period_text(turn.t, start, end)
                ),
            )


# ---------------------------------------------------------------- /stats

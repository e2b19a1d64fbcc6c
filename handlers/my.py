"""/my: my upcoming confirmed and waitlisted activities with cancel buttons, my past ones, and
a calendar file of the confirmed ones."""

from __future__ import annotations

from telegram import Update

from bot.buttons import MyCalendar, SignUpCancel
from bot.domain.errors import DomainError
from bot.domain.roster import Placement
from handlers.common import Choice, buttons, reply, reply_error, turn_of
from handlers.privacy import require_private
from telegram_adapter.context import AppContext

SHOWN = 10  # upcoming ones with a button each; a message holds 4096 characters


async def my_command(update: Update, context: AppContext) -> None:
    """Lists the person's sign-ups, each with a button to cancel it."""
    turn = await turn_of(update, context)
    if not await require_private(context, turn):
        return
    try:
        current, past = await turn.services.signups.mine(turn.user_id)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    t = turn.t
    lines = [t("my.header")]
    rows: list[list[Choice]] = []
    for activity, placement in current[:SHOWN]:
        mark = "✅" if placement is Placement.CONFIRMED else "⏳"
        lines.append(
            t(
                "my.line",
                mark=mark,
                title=activity.title,
                start=t.datetime(activity.starts_at),
                place=activity.place,
            )
        )
        label = t(
            "button.cancel_signup" if placement is Placement.CONFIRMED else "button.leave_waitlist"
        )
        rows.append([(f"{label}: {activity.title}", SignUpCancel(activity.id))])
    if not current:
        lines.append(t("my.none"))
    if past:
        lines.append("")
        lines.append(t("my.past"))
        lines += [
            t("my.line", mark="·", title=a.title, start=t.datetime(a.starts_at), place=a.place)
            for a in past
        ]
    if any(placement is Placement.CONFIRMED for _, placement in current):
        rows.append([(t("button.calendar"), MyCalendar())])
    await reply(context, turn, "\n".join(lines), buttons(rows))


async def on_calendar(update: Update, context: AppContext) -> None:
    """Sends an .ics file of the person's confirmed upcoming activities."""
    turn = await turn_of(update, context)
    assert turn.query is not None
    try:
        data = await turn.services.signups.calendar(turn.user_id, context.runtime.config.org.name)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await turn.query.answer()
    await context.bot.send_document(
        turn.chat_id,
        data,
        filename="volunteer-activities.ics",
        caption=turn.t("my.calendar_caption"),
    )

"""/leaderboard (team boards and the city honor roll) and the captions of the weekly posts."""

from __future__ import annotations

from datetime import date

from telegram import InlineKeyboardMarkup, Update

from bot.buttons import HonorBoard, TeamBoard
from bot.domain.errors import DomainError
from bot.domain.ranking import Period, Ranked
from bot.i18n import Translator
from bot.services.reports import display_name
from bot.views.boards import board_text, honor_roll_text
from handlers.common import (
    Choice,
    Turn,
    answer_expired,
    buttons,
    pressed,
    reply,
    reply_error,
    turn_of,
)
from handlers.periods import (
    PERIODS,
    hours,
    period_text,
)
from handlers.privacy import require_private
from storage.reports import MemberTotal
from telegram_adapter.context import AppContext


async def _board(
    turn: Turn, team_id: int | None, period: Period
) -> tuple[str, InlineKeyboardMarkup]:
    actor = await turn.actor()
    board = await turn.services.reports.board(actor, team_id, period)
    t = turn.t
    rows: list[list[Choice]] = [
        [
            (
                ("· " if p is period else "") + t(f"period.{p.value}"),
                TeamBoard(board.team.id, p),
            )
            for p in PERIODS
        ]
    ]
    others = [
        team for team in await turn.services.reports.my_teams(actor) if team.id != board.team.id
    ]
    for team in others[:6]:
        rows.append([(team.name(t.language)[:40], TeamBoard(team.id, period))])
    rows.append([(t("button.honor_roll"), HonorBoard(period))])
    return board_text(turn.t, board, period), buttons(rows)


async def leaderboard_command(update: Update, context: AppContext) -> None:
    """My team's members ranked by approved hours this month, with buttons for other periods
    and teams, and the honor roll of teams. `/leaderboard <team key or name>` picks a team
    (admins may pick any)."""
    turn = await turn_of(update, context)
    if not await require_private(context, turn):
        return
    try:
        team_id = None
        if context.args:
            named = await turn.services.reports.team_named(
                await turn.actor(), " ".join(context.args)
            )
            team_id = named.id
        text, markup = await _board(turn, team_id, Period.MONTH)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await reply(context, turn, text, markup)


async def on_board(update: Update, context: AppContext) -> None:
    turn = await turn_of(update, context)
    assert turn.query is not None
    press = pressed(turn, TeamBoard)
    if press is None or press.period not in PERIODS:
        await answer_expired(turn)
        return
    try:
        text, markup = await _board(turn, press.team_id, press.period)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await turn.query.answer()
    if turn.query.message is not None and getattr(turn.query.message, "text", None) == text:
        return  # the same board again: nothing to change
    await turn.query.edit_message_text(text, reply_markup=markup)


async def on_honor(update: Update, context: AppContext) -> None:
    turn = await turn_of(update, context)
    assert turn.query is not None
    press = pressed(turn, HonorBoard)
    if press is None or press.period not in PERIODS:
        await answer_expired(turn)
        return
    period = press.period
    roll = await turn.services.reports.honor_roll(period)
    await turn.query.answer()
    rows = [[(turn.t(f"period.{p.value}"), HonorBoard(p)) for p in PERIODS]]
    text = honor_roll_text(turn.t, roll, turn.t(f"period.{period.value}"))
    if getattr(turn.query.message, "text", None) == text:
        return
    await turn.query.edit_message_text(text, reply_markup=buttons(rows))


# ---------------------------------------------------------------- /report


def team_caption(
    t: Translator, team_name: str, ranked: list[Ranked[MemberTotal]], start: date, end: date
) -> str:
    lines = [t("weekly.caption", team=team_name, range=period_text(t, start, end))]
    for entry in ranked[:10]:
        name = display_name(entry.key) or t("leaderboard.anonymous")
        lines.append(
            t("leaderboard.line", rank=entry.rank, name=name, hours=hours(t, entry.minutes))
        )
    if not ranked:
        lines.append(t("leaderboard.empty"))
    return "\n".join(lines)[:1000]

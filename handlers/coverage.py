"""/coverage (leads and admins): how well the households are visited, per team and community
(households, visited this month, due, overdue by more than `overdue_days`), then the
month-by-month chart. An admin sees every team and can open one by community."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.buttons import CoverageTeam
from bot.domain.errors import DomainError
from bot.services.coverage import Coverage, Figures
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
from handlers.privacy import require_private
from telegram_adapter.context import AppContext

TEAM_BUTTONS = 8  # an admin's shortcuts to the teams with the most households due


def _share(figures: Figures) -> int:
    return round(100 * figures.visited / figures.households) if figures.households else 0


def figures_text(turn: Turn, label: str, figures: Figures) -> str:
    return turn.t(
        "coverage.line",
        label=label,
        households=figures.households,
        visited=figures.visited,
        share=_share(figures),
        due=figures.due,
        overdue=figures.overdue,
    )


def coverage_text(turn: Turn, found: Coverage) -> str:
    scope = found.team.name(turn.t.language) if found.team else turn.t("coverage.scope_mine")
    lines = [
        turn.t(
            "coverage.header",
            scope=scope,
            day=turn.t.day(found.today),
            days=found.overdue_days,
        ),
        figures_text(turn, turn.t("coverage.total"), found.total),
    ]
    if not found.total.households:
        lines.append(turn.t("coverage.empty"))
        return "\n".join(lines)
    if len(found.teams) > 1 or not found.communities:
        lines.append(turn.t("coverage.by_team"))
        lines += [
            figures_text(turn, line.team.name(turn.t.language), line.figures)
            for line in found.teams
        ]
    if found.communities:
        lines.append(turn.t("coverage.by_community"))
        several = len(found.teams) > 1
        for line in found.communities:
            label = line.community or ""
            if several:
                label = f"{line.team.name(turn.t.language)} · {label}"
            lines.append(figures_text(turn, label, line.figures))
    return "\n".join(lines)


async def _show(context: AppContext, turn: Turn, team_id: int) -> None:
    actor = await turn.actor()
    try:
        found = await turn.services.coverage.coverage(actor, team_id)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    if turn.query is not None:
        await turn.query.answer()
    rows: list[list[Choice]] = []
    if actor.is_admin and found.team is None:
        rows = [
            [(line.team.name(turn.t.language)[:60], CoverageTeam(line.team.id))]
            for line in found.teams[:TEAM_BUTTONS]
        ]
    await reply(context, turn, coverage_text(turn, found), buttons(rows) if rows else None)
    if not found.total.households:
        return
    chart = await asyncio.to_thread(turn.services.coverage.chart, found, turn.t)
    caption = turn.t("coverage.chart_caption", month=turn.t.month(found.today))
    await context.bot.send_photo(turn.chat_id, chart, caption=caption)


async def coverage_command(update: Update, context: AppContext) -> None:
    """Coverage of the households the reader manages, with the month-by-month chart."""
    turn = await turn_of(update, context)
    if not await require_private(context, turn):
        return
    await _show(context, turn, 0)


async def on_team(update: Update, context: AppContext) -> None:
    """One team's coverage, by community."""
    turn = await turn_of(update, context)
    press = pressed(turn, CoverageTeam)
    if press is None:
        await answer_expired(turn)
        return
    await _show(context, turn, press.team_id)

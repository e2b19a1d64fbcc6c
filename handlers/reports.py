"""/report (teams, people, one person, over a period) and /stats for admins."""

from __future__ import annotations

import re
from datetime import date
from functools import partial

from telegram import InlineKeyboardMarkup, Update

from bot.buttons import ReportPeople, ReportPerson, ReportTeams
from bot.domain.errors import DomainError
from bot.domain.ranking import Period, parse_range
from bot.i18n import Translator
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
    hours,
    period_rows,
    period_text,
)
from handlers.privacy import require_private
from storage.reports import ReportLine
from telegram_adapter.context import AppContext

TEAMS_PER_PAGE = 20


def _report_lines(t: Translator, lines: list[ReportLine], names: dict[str, str]) -> list[str]:
    return [
        t(
            "report.line",
            name=names.get(line.label or "", line.label or t("leaderboard.anonymous")),
            approved=hours(t, line.approved),
            pending=hours(t, line.pending),
            no_shows=line.no_shows,
        )
        for line in lines
    ]


async def _teams_report(
    turn: Turn, start: date, end: date, page: int = 0
) -> tuple[str, InlineKeyboardMarkup]:
    t = turn.t
    lines = await turn.services.reports.report_teams(await turn.actor(), start, end)
    names = {team.key: team.name(t.language) for team in await turn.services.teams.all()}
    total = ReportLine(
        0,
        None,
        sum(line.approved for line in lines),
        sum(line.pending for line in lines),
        sum(line.no_shows for line in lines),
        sum(line.records for line in lines),
    )
    pages = max(1, -(-len(lines) // TEAMS_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    shown = lines[page * TEAMS_PER_PAGE : (page + 1) * TEAMS_PER_PAGE]
    text = [t("report.teams_header", range=period_text(t, start, end))]
    if pages > 1:
        text[0] += f" {page + 1}/{pages}"
    text += _report_lines(t, shown, names) or [t("leaderboard.empty")]
    text.append(
        t(
            "report.total",
            approved=hours(t, total.approved),
            pending=hours(t, total.pending),
            no_shows=total.no_shows,
        )
    )
    text.append(t("report.hint"))
    today = turn.services.reports.today()
    nav: list[Choice] = []
    if page > 0:
        nav.append((t("button.previous"), ReportTeams(start, end, page - 1)))
    if page + 1 < pages:
        nav.append((t("button.next"), ReportTeams(start, end, page + 1)))
    actor = await turn.actor()
    people: list[list[Choice]]
    if actor.is_admin:  # each team's volunteers (the whole city's would be one long list)
        people = [
            [
                (
                    f"👤 {names.get(line.label or '', line.label or '')}"[:40],
                    ReportPeople(start, end, 0, line.id),
                )
            ]
            for line in shown
        ]
    else:
        people = [[(t("button.report_people"), ReportPeople(start, end, 0, 0))]]
    rows = [nav, period_rows(t, today, ReportTeams), *people]
    return "\n".join(text), buttons(rows)


async def _people_report(
    turn: Turn, start: date, end: date, page: int, team_id: int
) -> tuple[str, InlineKeyboardMarkup]:
    t = turn.t
    lines, total = await turn.services.reports.report_volunteers(
        await turn.actor(), team_id or None, start, end, page
    )
    pages = max(1, -(-total // 10))
    text = [t("report.people_header", range=period_text(t, start, end), page=page + 1, pages=pages)]
    text += _report_lines(t, lines, {}) or [t("leaderboard.empty")]
    teams = await turn.services.reports.report_teams(await turn.actor(), start, end)
    chosen = [line for line in teams if not team_id or line.id == team_id]
    text.append(
        t(
            "report.total",
            approved=hours(t, sum(line.approved for line in chosen)),
            pending=hours(t, sum(line.pending for line in chosen)),
            no_shows=sum(line.no_shows for line in chosen),
        )
    )
    nav: list[Choice] = []
    if page > 0:
        nav.append((t("button.previous"), ReportPeople(start, end, page - 1, team_id)))
    if page + 1 < pages:
        nav.append((t("button.next"), ReportPeople(start, end, page + 1, team_id)))
    rows: list[list[Choice]] = [nav, [(t("button.report_teams"), ReportTeams(start, end))]]
    return "\n".join(text), buttons(rows)


async def report_command(update: Update, context: AppContext) -> None:
    """Hours by team this month (admins: all teams; leads: theirs), with period buttons and
    the per-volunteer view. `/report 2026-11-01 2026-11-30` takes a typed range and
    `/report <name or phone>` looks a volunteer up."""
    turn = await turn_of(update, context)
    if not await require_private(context, turn):
        return
    args = context.args or []
    try:
        if args and re.match(r"\d{4}-", args[0]):
            start, end = parse_range(args)
        elif args:
            await _search(context, turn, " ".join(args))
            return
        else:
            start, end = turn.services.reports.bounds(Period.MONTH)
        text, markup = await _teams_report(turn, start, end)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await reply(context, turn, text, markup)


async def _search(context: AppContext, turn: Turn, query: str) -> None:
    found = await turn.services.reports.search(await turn.actor(), query)
    if not found:
        await reply(context, turn, turn.t("report.none", query=query))
        return
    start, end = turn.services.reports.bounds(Period.YEAR)
    rows = [[(name, ReportPerson(vid, start, end))] for vid, name in found]
    await reply(context, turn, turn.t("report.choose_person"), buttons(rows))


async def on_report(update: Update, context: AppContext) -> None:
    turn = await turn_of(update, context)
    assert turn.query is not None
    teams, people = pressed(turn, ReportTeams), pressed(turn, ReportPeople)
    person = pressed(turn, ReportPerson)
    try:
        if teams is not None:
            text, markup = await _teams_report(turn, teams.start, teams.end, teams.page)
        elif people is not None:
            text, markup = await _people_report(
                turn, people.start, people.end, people.page, people.team_id
            )
        elif person is not None:
            span = person.start, person.end
            name, line = await turn.services.reports.report_volunteer(
                await turn.actor(), person.volunteer, *span
            )
            t = turn.t
            text = "\n".join(
                [
                    t("report.person_header", name=name, range=period_text(t, *span)),
                    t(
                        "report.person",
                        approved=hours(t, line.approved),
                        pending=hours(t, line.pending),
                        no_shows=line.no_shows,
                        count=line.records,
                    ),
                ]
            )
            today = turn.services.reports.today()
            markup = buttons([period_rows(t, today, partial(ReportPerson, person.volunteer))])
        else:
            await answer_expired(turn)
            return
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await turn.query.answer()
    if getattr(turn.query.message, "text", None) == text:
        return
    await turn.query.edit_message_text(text, reply_markup=markup)


# ---------------------------------------------------------------- /export


async def stats_command(update: Update, context: AppContext) -> None:
    """City-wide figures for admins."""
    turn = await turn_of(update, context)
    if not await require_private(context, turn):
        return
    try:
        figures = await turn.services.reports.stats(await turn.actor())
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    t = turn.t
    categories = turn.category_names()

    def rate(no_shows: object, decided: object) -> str:
        shown = int(str(decided)) or 0
        return f"{t.number(round(100 * int(str(no_shows)) / shown, 1))}%" if shown else "—"

    top = figures["top_categories"]
    assert isinstance(top, list)
    lines = [
        t(
            "stats.text",
            volunteers=t.number(int(str(figures["volunteers"]))),
            active=t.number(int(str(figures["active"]))),
            activities_month=t.number(int(str(figures["activities_month"]))),
            activities_year=t.number(int(str(figures["activities_year"]))),
            hours_month=hours(t, int(str(figures["minutes_month"]))),
            hours_year=hours(t, int(str(figures["minutes_year"]))),
            no_show_month=rate(figures["no_shows_month"], figures["decided_month"]),
            no_show_year=rate(figures["no_shows_year"], figures["decided_year"]),
        )
    ]
    if top:
        lines.append(t("stats.top_categories"))
        lines += [f"· {categories.get(key, key)}: {hours(t, minutes)}" for key, minutes in top]
    await reply(context, turn, "\n".join(lines))

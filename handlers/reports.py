"""/leaderboard with the honor roll, /report, /export and /stats."""

from __future__ import annotations

import re
import tempfile
from datetime import date, timedelta
from pathlib import Path

from telegram import InlineKeyboardMarkup, Update

from bot.domain.errors import DomainError, InvalidPeriod, NotTeamMember
from bot.domain.ranking import Period, Ranked, period_bounds
from bot.i18n import Translator
from bot.services.reports import Board, HonorRoll, display_name, export_labels
from handlers.common import (
    Turn,
    answer_expired,
    buttons,
    reply,
    reply_error,
    small_number,
    turn_of,
)
from handlers.context import AppContext
from handlers.privacy import require_private
from storage.reports import EXPORT_COLUMNS, MemberTotal, ReportLine

BOARD = "lb:"  # lb:<team id>:<period>
HONOR = "lh:"  # lh:<period>
REPORT_TEAMS = "rp:t:"  # rp:t:<start>:<end> (dates as yyyymmdd)
REPORT_PEOPLE = "rp:v:"  # rp:v:<start>:<end>:<page>:<team id, 0 for all the lead's teams>
REPORT_PERSON = "rp:p:"  # rp:p:<volunteer>:<start>:<end>
EXPORT = "ex:"  # ex:<csv|xlsx>:<start>:<end>
PERIODS = (Period.WEEK, Period.MONTH, Period.YEAR, Period.ALL)
TELEGRAM_UPLOAD_LIMIT = 50 * 1024 * 1024
TEAMS_PER_PAGE = 20


def hours(t: Translator, minutes: int) -> str:
    return t.number(round(minutes / 60, 1))


FIRST_YEAR, LAST_YEAR = 2000, 2100


def _day(text: str) -> date | None:
    if not re.fullmatch(r"[0-9]{8}", text) or not FIRST_YEAR <= int(text[:4]) <= LAST_YEAR:
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None


def _span(start: date, end: date) -> str:
    return f"{start:%Y%m%d}:{end:%Y%m%d}"


def _spans(parts: list[str]) -> tuple[date, date] | None:
    if len(parts) < 2:
        return None
    start, end = _day(parts[0]), _day(parts[1])
    if start is None or end is None or end <= start:
        return None
    return start, end


def parse_range(args: list[str]) -> tuple[date, date]:
    """`2026-11-01 2026-11-30` (both days included): [start, day after end)."""
    days = [re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", arg) for arg in args[:2]]
    if len(days) != 2 or None in days:
        raise InvalidPeriod()
    try:
        start, last = (date(int(m[1]), int(m[2]), int(m[3])) for m in days if m is not None)
    except ValueError:
        raise InvalidPeriod() from None
    if last < start or (last - start).days > 3660 or not FIRST_YEAR <= start.year <= LAST_YEAR:
        raise InvalidPeriod()
    if last.year > LAST_YEAR:
        raise InvalidPeriod()
    return start, last + timedelta(days=1)


def _period_text(t: Translator, start: date, end: date) -> str:
    return t("report.range", start=t.day(start), end=t.day(end - timedelta(days=1)))


# ---------------------------------------------------------------- /leaderboard


def _board_text(turn: Turn, board: Board, period: Period) -> str:
    t = turn.t
    lines = [
        t(
            "leaderboard.header",
            team=board.team.name(t.language),
            period=t(f"period.{period.value}"),
            range=_period_text(t, board.start, board.end),
        )
    ]
    if not board.top:
        lines.append(t("leaderboard.empty"))
    for entry in board.top:
        name = display_name(entry.key) or t("leaderboard.anonymous")
        lines.append(
            t("leaderboard.line", rank=entry.rank, name=name, hours=hours(t, entry.minutes))
        )
    if board.mine is not None:
        lines.append(
            t(
                "leaderboard.mine",
                rank=board.mine.rank,
                count=board.ranked,
                hours=hours(t, board.mine.minutes),
            )
        )
    else:
        lines.append(t("leaderboard.mine_none"))
    return "\n".join(lines)


async def _board(
    turn: Turn, team_id: int | None, period: Period
) -> tuple[str, InlineKeyboardMarkup]:
    actor = await turn.actor()
    board = await turn.services.reports.board(actor, team_id, period)
    t = turn.t
    rows = [
        [
            (
                ("· " if p is period else "") + t(f"period.{p.value}"),
                f"{BOARD}{board.team.id}:{p.value}",
            )
            for p in PERIODS
        ]
    ]
    others = [
        team for team in await turn.services.reports.my_teams(actor) if team.id != board.team.id
    ]
    for team in others[:6]:
        rows.append([(team.name(t.language)[:40], f"{BOARD}{team.id}:{period.value}")])
    rows.append([(t("button.honor_roll"), f"{HONOR}{period.value}")])
    return _board_text(turn, board, period), buttons(rows)


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
            wanted = " ".join(context.args).strip().lower()
            teams = await turn.services.reports.my_teams(await turn.actor())
            found = next(
                (
                    team
                    for team in teams
                    if wanted in (team.key, team.name_zh.lower(), team.name_en.lower())
                    or wanted in team.name_zh.lower()
                    or wanted in team.name_en.lower()
                ),
                None,
            )
            if found is None:
                raise NotTeamMember()
            team_id = found.id
        text, markup = await _board(turn, team_id, Period.MONTH)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await reply(context, turn, text, markup)


async def on_board(update: Update, context: AppContext) -> None:
    turn = await turn_of(update, context)
    assert turn.query is not None and turn.query.data is not None
    raw_team, _, raw_period = turn.query.data.removeprefix(BOARD).partition(":")
    team_id = small_number(raw_team)
    if team_id is None or raw_period not in {p.value for p in PERIODS}:
        await answer_expired(turn)
        return
    try:
        text, markup = await _board(turn, team_id, Period(raw_period))
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await turn.query.answer()
    if turn.query.message is not None and getattr(turn.query.message, "text", None) == text:
        return  # the same board again: nothing to change
    await turn.query.edit_message_text(text, reply_markup=markup)


def honor_roll_text(t: Translator, roll: HonorRoll, period_label: str) -> str:
    lines = [t("honor.header", period=period_label, range=_period_text(t, roll.start, roll.end))]
    if not roll.by_total:
        lines.append(t("leaderboard.empty"))
        return "\n".join(lines)
    lines.append(t("honor.by_total"))
    for entry in roll.by_total[:10]:
        lines.append(
            t(
                "honor.line",
                rank=entry.rank,
                team=entry.key.name_zh if t.language == "zh" else entry.key.name_en,
                hours=hours(t, entry.key.minutes),
                active=entry.key.active,
            )
        )
    lines.append(t("honor.by_member"))
    for entry, per_member in roll.by_member[:10]:
        lines.append(
            t(
                "honor.member_line",
                rank=entry.rank,
                team=entry.key.name_zh if t.language == "zh" else entry.key.name_en,
                hours=t.number(round(per_member, 1)),
            )
        )
    return "\n".join(lines)


async def on_honor(update: Update, context: AppContext) -> None:
    turn = await turn_of(update, context)
    assert turn.query is not None and turn.query.data is not None
    raw = turn.query.data.removeprefix(HONOR)
    if raw not in {p.value for p in PERIODS}:
        await answer_expired(turn)
        return
    period = Period(raw)
    roll = await turn.services.reports.honor_roll(period)
    await turn.query.answer()
    rows = [[(turn.t(f"period.{p.value}"), f"{HONOR}{p.value}") for p in PERIODS]]
    text = honor_roll_text(turn.t, roll, turn.t(f"period.{period.value}"))
    if getattr(turn.query.message, "text", None) == text:
        return
    await turn.query.edit_message_text(text, reply_markup=buttons(rows))


# ---------------------------------------------------------------- /report


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


def _period_rows(t: Translator, prefix: str, today: date, extra: str = "") -> list[tuple[str, str]]:
    row = []
    for period in (Period.WEEK, Period.MONTH, Period.YEAR):
        start, end = period_bounds(period, today)
        row.append((t(f"period.{period.value}"), f"{prefix}{_span(start, end)}{extra}"))
    return row


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
    text = [t("report.teams_header", range=_period_text(t, start, end))]
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
    nav = []
    if page > 0:
        nav.append((t("button.previous"), f"{REPORT_TEAMS}{_span(start, end)}:{page - 1}"))
    if page + 1 < pages:
        nav.append((t("button.next"), f"{REPORT_TEAMS}{_span(start, end)}:{page + 1}"))
    span = _span(start, end)
    actor = await turn.actor()
    if actor.is_admin:  # each team's volunteers (the whole city's would be one long list)
        people = [
            [
                (
                    f"👤 {names.get(line.label or '', line.label or '')}"[:40],
                    f"{REPORT_PEOPLE}{span}:0:{line.id}",
                )
            ]
            for line in shown
        ]
    else:
        people = [[(t("button.report_people"), f"{REPORT_PEOPLE}{span}:0:0")]]
    rows = [nav, _period_rows(t, REPORT_TEAMS, today), *people]
    return "\n".join(text), buttons(rows)


async def _people_report(
    turn: Turn, start: date, end: date, page: int, team_id: int
) -> tuple[str, InlineKeyboardMarkup]:
    t = turn.t
    lines, total = await turn.services.reports.report_volunteers(
        await turn.actor(), team_id or None, start, end, page
    )
    pages = max(1, -(-total // 10))
    text = [
        t("report.people_header", range=_period_text(t, start, end), page=page + 1, pages=pages)
    ]
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
    nav = []
    if page > 0:
        nav.append(
            (t("button.previous"), f"{REPORT_PEOPLE}{_span(start, end)}:{page - 1}:{team_id}")
        )
    if page + 1 < pages:
        nav.append((t("button.next"), f"{REPORT_PEOPLE}{_span(start, end)}:{page + 1}:{team_id}"))
    rows = [nav, [(t("button.report_teams"), f"{REPORT_TEAMS}{_span(start, end)}")]]
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
    rows = [[(name, f"{REPORT_PERSON}{vid}:{_span(start, end)}")] for vid, name in found]
    await reply(context, turn, turn.t("report.choose_person"), buttons(rows))


async def on_report(update: Update, context: AppContext) -> None:
    turn = await turn_of(update, context)
    assert turn.query is not None and turn.query.data is not None
    data = turn.query.data
    try:
        if data.startswith(REPORT_TEAMS):
            parts = data.removeprefix(REPORT_TEAMS).split(":")
            span = _spans(parts)
            page = small_number(parts[2]) if len(parts) == 3 else 0
            if span is None or page is None:
                await answer_expired(turn)
                return
            text, markup = await _teams_report(turn, *span, page)
        elif data.startswith(REPORT_PEOPLE):
            parts = data.removeprefix(REPORT_PEOPLE).split(":")
            span = _spans(parts)
            page, team = (small_number(part) for part in [*parts, "", ""][2:4])
            if span is None or page is None or team is None:
                await answer_expired(turn)
                return
            text, markup = await _people_report(turn, *span, page, team)
        else:
            parts = data.removeprefix(REPORT_PERSON).split(":")
            volunteer_id = small_number(parts[0]) if parts else None
            span = _spans(parts[1:])
            if volunteer_id is None or span is None:
                await answer_expired(turn)
                return
            name, line = await turn.services.reports.report_volunteer(
                await turn.actor(), volunteer_id, *span
            )
            t = turn.t
            text = "\n".join(
                [
                    t("report.person_header", name=name, range=_period_text(t, *span)),
                    t(
                        "report.person",
                        approved=hours(t, line.approved),
                        pending=hours(t, line.pending),
                        no_shows=line.no_shows,
                        records=line.records,
                    ),
                ]
            )
            today = turn.services.reports.today()
            markup = buttons([_period_rows(t, f"{REPORT_PERSON}{volunteer_id}:", today)])
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await turn.query.answer()
    if getattr(turn.query.message, "text", None) == text:
        return
    await turn.query.edit_message_text(text, reply_markup=markup)


# ---------------------------------------------------------------- /export


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
        scope = await turn.services.reports.export_scope(await turn.actor(), team_key)
        team_id = scope[0] if team_key is not None and scope else 0
        if args:
            start, end = parse_range(args)
            spans = [(_period_text(turn.t, start, end), start, end)]
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
            (f"{label} · {fmt.upper()}", f"{EXPORT}{fmt}:{_span(start, end)}:{team_id}")
            for fmt in ("csv", "xlsx")
        ]
        for label, start, end in spans
    ]
    await reply(context, turn, turn.t("export.choose"), buttons(rows))


async def on_export(update: Update, context: AppContext) -> None:
    turn = await turn_of(update, context)
    assert turn.query is not None and turn.query.data is not None
    fmt, _, rest = turn.query.data.removeprefix(EXPORT).partition(":")
    parts = rest.split(":")
    span = _spans(parts)
    team_id = small_number(parts[2]) if len(parts) == 3 else None
    if fmt not in ("csv", "xlsx") or span is None or team_id is None:
        await answer_expired(turn)
        return
    start, end = span
    reports = turn.services.reports
    try:
        team_key = await reports.team_key(team_id) if team_id else None
        await reports.export_scope(await turn.actor(), team_key)
    except DomainError as error:
        await reply_error(context, turn, error)
        return
    await turn.query.answer(turn.t("export.preparing"))  # before the work: a press expires
    last_day = end - timedelta(days=1)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"service-records-{start:%Y%m%d}-{last_day:%Y%m%d}.{fmt}"
        try:
            count = await reports.export(
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
                    "export.caption", count=count, range=_period_text(turn.t, start, end)
                ),
            )


# ---------------------------------------------------------------- /stats


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


def team_caption(
    t: Translator, team_name: str, ranked: list[Ranked[MemberTotal]], start: date, end: date
) -> str:
    lines = [t("weekly.caption", team=team_name, range=_period_text(t, start, end))]
    for entry in ranked[:10]:
        name = display_name(entry.key) or t("leaderboard.anonymous")
        lines.append(
            t("leaderboard.line", rank=entry.rank, name=name, hours=hours(t, entry.minutes))
        )
    if not ranked:
        lines.append(t("leaderboard.empty"))
    return "\n".join(lines)[:1000]

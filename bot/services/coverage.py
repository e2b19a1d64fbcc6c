"""/coverage: how well each team's households are visited (per team and community: households,
visited this month, due, overdue by more than `overdue_days`), with the households visited month
by month; and last month's coverage report (CSV and chart) to the admins through the outbox on
the first working day of each month, once."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.config import HouseholdsConfig
from bot.domain.errors import NotLeadOrAdmin, UnknownTeam
from bot.domain.households import first_working_day, month_start, months_back, previous_month
from bot.domain.models import Actor, Team
from bot.domain.spreadsheet import csv_cell
from bot.i18n import Translator
from bot.outbox.models import OutgoingMessage, Priority
from bot.outbox.signal import OutboxSignal
from bot.services.coverage_chart import MonthBar, coverage_png
from bot.services.digest_files import picture_post, save, saved_picture
from bot.services.notices import Notices
from bot.services.teams import managed_teams
from storage import coverage, outbox, reports
from storage.coverage import CoverageRow
from storage.db import Database

CHART_MONTHS = 12
DIGEST = "coverage_month"  # the monthly report, once per month (in the digests table)


@dataclass(frozen=True)
class Figures:
    households: int = 0
    visited: int = 0  # visited this month (the report: last month)
    due: int = 0  # not visited within its cadence (overdue ones included)
    overdue: int = 0  # due for more than `overdue_days`

    def __add__(self, other: Figures) -> Figures:
        return Figures(
            self.households + other.households,
            self.visited + other.visited,
            self.due + other.due,
            self.overdue + other.overdue,
        )


@dataclass(frozen=True)
class CoverageLine:
    team: Team
    community: str | None  # None: the team as a whole
    figures: Figures


@dataclass(frozen=True)
class Coverage:
    today: date
    overdue_days: int
    total: Figures
    teams: tuple[CoverageLine, ...]  # teams with households, most due first
    communities: tuple[CoverageLine, ...]  # for one team or a lead's teams; () city-wide
    months: tuple[MonthBar, ...]  # oldest first, this month last
    team: Team | None = None  # the one team asked for


def _figures(row: CoverageRow) -> Figures:
    return Figures(row.households, row.visited, row.due, row.overdue)


class CoverageService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        config: HouseholdsConfig,
        zone: ZoneInfo,
        notices: Notices,
        signal: OutboxSignal,
        admins: Sequence[int],
        files: Path,
        team_list: Callable[[], Awaitable[list[Team]]],
        org_name: str,
    ) -> None:
        self._db = db
        self._clock = clock
        self._config = config
        self._zone = zone
        self._notices = notices
        self._signal = signal
        self._admins = list(admins)
        self._files = files
        self._teams = team_list
        self._org = org_name

    def today(self) -> date:
        return self._clock.now().astimezone(self._zone).date()

    async def _scope(self, actor: Actor, team_id: int) -> tuple[list[Team], Team | None]:
        every = await self._teams()
        allowed = managed_teams(actor, every)
        if not team_id:
            return allowed, None
        team = next((t for t in every if t.id == team_id), None)
        if team is None:
            raise UnknownTeam(key=str(team_id))
        if team not in allowed:
            raise NotLeadOrAdmin()
        return [team], team

    async def coverage(self, actor: Actor, team_id: int = 0) -> Coverage:
        """For a lead, their teams by community; for an admin, every team (or one, by
        community)."""
        teams, team = await self._scope(actor, team_id)
        city_wide = actor.is_admin and team is None
        ids = None if city_wide else [t.id for t in teams]
        today = self.today()
        figures = coverage.by_team if city_wide else coverage.by_community
        rows = await figures(
            self._db.reader,
            ids,
            month_start(today),
            today,
            today - timedelta(days=self._config.overdue_days),
        )
        by_id = {t.id: t for t in teams}
        per_team: dict[int, Figures] = {}
        communities = []
        for row in rows:
            if row.team_id not in by_id:
                continue
            per_team[row.team_id] = per_team.get(row.team_id, Figures()) + _figures(row)
            if row.community is not None:
                communities.append(CoverageLine(by_id[row.team_id], row.community, _figures(row)))
        team_lines = sorted(
            (CoverageLine(by_id[i], None, f) for i, f in per_team.items()),
            key=lambda line: (-line.figures.due, -line.figures.households, line.team.id),
        )
        communities.sort(key=lambda line: (line.team.id, -line.figures.due, line.community or ""))
        return Coverage(
            today,
            self._config.overdue_days,
            sum((line.figures for line in team_lines), Figures()),
            tuple(team_lines),
            tuple(communities),
            tuple(await self._months(ids, today)),
            team,
        )

    async def _months(self, team_ids: list[int] | None, today: date) -> list[MonthBar]:
        months = months_back(today, CHART_MONTHS)
        visited = await coverage.visited_by_month(self._db.reader, team_ids, months[0])
        registered = await coverage.registered_by_month(self._db.reader, team_ids)
        bars = []
        for month in months:
            key = month.isoformat()[:7]
            existing = sum(n for registered_in, n in registered.items() if registered_in <= key)
            bars.append(MonthBar(month, visited.get(key, 0), existing))
        return bars

    def chart(self, found: Coverage, t: Translator) -> bytes:
        """The month-by-month picture (blocking: run it in a worker thread)."""
        scope = found.team.name(t.language) if found.team else self._org
        title = t("coverage.chart_title", scope=scope)
        return coverage_png(title, t("coverage.chart_subtitle", org=self._org), found.months, t)

    # ------------------------------------------------------------ the monthly report

    def report_due(self) -> date | None:
        """Last month's first day once this month's first working day and the notice time
        have come; None before."""
        local = self._clock.now().astimezone(self._zone)
        today = local.date()
        first = first_working_day(today.year, today.month)
        if today < first or (today == first and local.time() < self._config.notify_at):
            return None
        return previous_month(today)

    async def queue_monthly_report(self) -> int:
        """Last month's coverage, per team and community (CSV) with the month-by-month chart,
        to each admin in their language; once per month, even across restarts. How many
        messages were queued."""
        month = self.report_due()
        if month is None or not self._admins:
            return 0
        if (DIGEST, 0) in await reports.digests_of(self._db.reader, month):
            return 0
        every = await self._teams()
        by_id = {t.id: t for t in every}
        today = self.today()
        rows = await coverage.by_community(
            self._db.reader,
            None,
            month,
            today,
            today - timedelta(days=self._config.overdue_days),
        )
        visited = await coverage.visited_in_month(self._db.reader, month)
        lines = [
            CoverageLine(
                by_id[row.team_id],
                row.community,
                Figures(
                    row.households,
                    visited.get((row.team_id, row.community or ""), 0),
                    row.due,
                    row.overdue,
                ),
            )
            for row in rows
            if row.team_id in by_id
        ]
        months = await self._months(None, month)
        found = Coverage(
            today,
            self._config.overdue_days,
            sum((line.figures for line in lines), Figures()),
            (),
            tuple(lines),
            tuple(months),
        )
        messages: list[OutgoingMessage] = []
        now = self._clock.now()
        for admin in self._admins:
            t = await self._notices.translator_for(self._db.reader, admin)
            stem = self._files / f"coverage-{month:%Y-%m}-{t.language}"
            csv_path, png_path = stem.with_suffix(".csv"), stem.with_suffix(".png")
            await asyncio.to_thread(save, csv_path, report_csv(found, t).encode("utf-8-sig"))
            # A chart that cannot be drawn leaves the report's CSV to go out alone.
            chart = await saved_picture(
                png_path, partial(asyncio.to_thread, self.chart, found, t), "coverage chart"
            )
            caption = t(
                "coverage.report_caption",
                month=t.month(month),
                households=found.total.households,
                visited=found.total.visited,
                due=found.total.due,
                overdue=found.total.overdue,
                days=found.overdue_days,
            )
            messages.append(
                OutgoingMessage(
                    admin,
                    "coverage_report",
                    caption,
                    Priority.DIGEST,
                    file_path=str(csv_path),
                    file_kind="document",
                )
            )
            if chart is not None:
                caption = t("coverage.chart_caption", month=t.month(month))
                messages.append(picture_post(admin, "coverage_chart", caption, chart))
        async with self._db.transaction() as tx:
            if not await reports.claim_digest(tx, DIGEST, month, 0, now):
                return 0
            await outbox.enqueue(tx, messages, now)
        self._signal.notify()
        return len(messages)


def report_csv(found: Coverage, t: Translator) -> str:
    """The report's rows: team, community, households, visited in the month, due, overdue;
    a total last. Text a spreadsheet could take for a formula is quoted (csv_cell)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    columns = ("team", "community", "households", "visited", "due", "overdue")
    writer.writerow(
        [csv_cell(t(f"coverage.col.{column}", days=found.overdue_days)) for column in columns]
    )
    for line in found.communities:
        figures = line.figures
        writer.writerow(
            [
                csv_cell(line.team.name(t.language)),
                csv_cell(line.community or ""),
                figures.households,
                figures.visited,
                figures.due,
                figures.overdue,
            ]
        )
    total = found.total
    writer.writerow(
        [
            csv_cell(t("coverage.total")),
            "",
            total.households,
            total.visited,
            total.due,
            total.overdue,
        ]
    )
    return buffer.getvalue()

"""Leaderboards, the honor roll, reports, exports, statistics, weekly posts and the roster
import, against a real SQLite file."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest

from bot.clock import ManualClock
from bot.domain.amounts import hours_of
from bot.domain.errors import InvalidName, NotAdmin, NotLeadOrAdmin, NotTeamMember, UnknownTeam
from bot.domain.models import Actor
from bot.domain.ranking import Period
from bot.services import Services
from bot.services.registration import RosterRow, import_roster
from bot.services.reports import display_name
from storage.db import Database
from storage.reports import EXPORT_COLUMNS
from tests.conftest import ADMIN_ID

LEAD, ANNA, BO, CHEN, DING, BLOOD_LEAD = 1, 2, 3, 4, 5, 6
LABELS = {"approved": "已确认"}  # codes not listed are exported as they are


@dataclass
class City:
    services: Services
    clock: ManualClock
    db: Database
    ids: dict[int, int]
    admin: Actor

    async def actor(self, telegram_id: int) -> Actor:
        return await self.services.roles.actor(telegram_id)

    async def add(self, telegram_id: int, day: date, minutes: int, team: str = "traffic") -> None:
        await self.services.records.add_manual(
            self.admin, self.ids[telegram_id], team, day, minutes, "路口劝导", "纸质签到表"
        )


@pytest.fixture
async def city(services: Services, clock: ManualClock, db: Database, register) -> City:
    ids = {}
    for telegram_id, name, team in (
        (LEAD, "张队长", "traffic"),
        (ANNA, "安娜", "traffic"),
        (BO, "薄一", "traffic"),
        (CHEN, "陈二", "traffic"),
        (DING, "丁三", "blood"),
        (BLOOD_LEAD, "王队长", "blood"),
    ):
        volunteer = await register(
            telegram_id, name=name, phone=f"1380000000{telegram_id}", teams=(team,)
        )
        ids[telegram_id] = volunteer.id
    admin = await services.roles.actor(ADMIN_ID)
    await services.roles.promote(admin, ids[LEAD], "traffic")
    await services.roles.promote(admin, ids[BLOOD_LEAD], "blood")
    return City(services, clock, db, ids, admin)


async def test_the_board_ranks_members_with_ties_anonymity_and_my_rank(city: City) -> None:
    # This week is Monday 23 to Sunday 29 November (the clock says Friday 27th, Beijing).
    await city.add(ANNA, date(2026, 11, 24), 120)
    await city.add(BO, date(2026, 11, 25), 120)
    await city.add(CHEN, date(2026, 11, 26), 60)
    await city.add(CHEN, date(2026, 11, 2), 400)  # earlier this month
    await city.services.records.set_anonymous(BO, True)
    board = await city.services.reports.board(await city.actor(CHEN), None, Period.WEEK)
    assert board.team.key == "traffic" and (board.start, board.end) == (
        date(2026, 11, 23),
        date(2026, 11, 30),
    )
    shown = [(r.rank, display_name(r.key), r.minutes) for r in board.top]
    assert shown == [(1, "安娜", 120), (1, None, 120), (3, "陈二", 60)]
    assert board.mine is not None and (board.mine.rank, board.ranked) == (3, 3)
    month = await city.services.reports.board(await city.actor(CHEN), None, Period.MONTH)
    assert (month.top[0].rank, month.top[0].minutes) == (1, 460)
    # A member of no team has no board; a volunteer cannot read another team's board.
    with pytest.raises(NotTeamMember):
        await city.services.reports.board(await city.actor(404), None, Period.WEEK)
    blood = (await city.services.reports.my_teams(await city.actor(DING)))[0]
    with pytest.raises(NotTeamMember):
        await city.services.reports.board(await city.actor(ANNA), blood.id, Period.WEEK)


async def test_periods_turn_at_midnight_in_the_org_zone(city: City) -> None:
    await city.add(ANNA, date(2026, 11, 30), 90)
    reports = city.services.reports
    city.clock.advance(datetime(2026, 11, 30, 15, 59, tzinfo=UTC) - city.clock.now())
    board = await reports.board(await city.actor(ANNA), None, Period.MONTH)  # 23:59 in Beijing
    assert [r.minutes for r in board.top] == [90]
    city.clock.advance(timedelta(minutes=2))  # 00:01 on 1 December in Beijing, still 30th UTC
    board = await reports.board(await city.actor(ANNA), None, Period.MONTH)
    assert board.top == [] and board.start == date(2026, 12, 1)
    week = await reports.board(await city.actor(ANNA), None, Period.WEEK)
    assert week.start == date(2026, 11, 30) and [r.minutes for r in week.top] == [90]


async def test_the_honor_roll_ranks_teams_by_total_and_per_member(city: City) -> None:
    await city.add(ANNA, date(2026, 11, 24), 300)
    await city.add(BO, date(2026, 11, 24), 60)
    await city.add(DING, date(2026, 11, 24), 240, team="blood")
    roll = await city.services.reports.honor_roll(Period.WEEK)
    assert [(r.rank, r.key.key, r.key.minutes, r.key.active) for r in roll.by_total] == [
        (1, "traffic", 360, 2),
        (2, "blood", 240, 1),
    ]
    assert [(r.key.key, minutes) for r, minutes in roll.by_member] == [
        ("blood", 240),
        ("traffic", 180),
    ]


async def test_reports_cover_what_the_role_allows(city: City) -> None:
    await city.add(ANNA, date(2026, 11, 24), 120)
    await city.add(DING, date(2026, 11, 24), 240, team="blood")
    start, end = date(2026, 11, 1), date(2026, 12, 1)
    reports = city.services.reports
    every = await reports.report_teams(city.admin, start, end)
    assert {line.label: line.approved for line in every} == {"traffic": 120, "blood": 240}
    lead = await city.actor(LEAD)
    assert [line.label for line in await reports.report_teams(lead, start, end)] == ["traffic"]
    people, total = await reports.report_volunteers(lead, None, start, end, 0)
    assert total == 1 and people[0].label == "安娜"
    blood = (await city.services.reports.my_teams(await city.actor(DING)))[0]
    with pytest.raises(NotLeadOrAdmin):  # a lead reading another team, e.g. by forged data
        await reports.report_volunteers(lead, blood.id, start, end, 0)
    for outsider in (ANNA, 404):
        with pytest.raises(NotLeadOrAdmin):
            await reports.report_teams(await city.actor(outsider), start, end)
    with pytest.raises(NotLeadOrAdmin):  # not a member of the lead's teams, forged or not
        await reports.report_volunteer(lead, city.ids[DING], start, end)
    name, line = await reports.report_volunteer(lead, city.ids[ANNA], start, end)
    assert (name, line.approved) == ("安娜", 120)
    assert [found for _, found in await reports.search(lead, "1380000")] == []  # no phones
    assert [found for _, found in await reports.search(lead, "丁")] == []
    assert [found for _, found in await reports.search(city.admin, "丁")] == ["丁三"]
    with pytest.raises(NotAdmin):
        await reports.stats(lead)


async def test_no_shows_count_in_reports_and_stats(city: City, services: Services) -> None:
    await city.add(ANNA, date(2026, 11, 24), 120)
    record = await services.records.add_manual(
        city.admin, city.ids[BO], "traffic", date(2026, 11, 24), 60, "劝导", "纸质签到表补录"
    )
    await services.records.adjust(city.admin, record.id, 0, "当天缺席")
    lines = await services.reports.report_teams(city.admin, date(2026, 11, 1), date(2026, 12, 1))
    [traffic] = lines
    assert (traffic.approved, traffic.no_shows, traffic.records) == (120, 1, 2)
    figures = await services.reports.stats(city.admin)
    assert figures["volunteers"] == 6 and figures["minutes_month"] == 120
    assert figures["top_categories"] == [("manual", 120)]


@pytest.mark.parametrize("minutes", [3, 45, 95, 190])
async def test_an_export_writes_hours_by_the_one_rounding(
    city: City, tmp_path: Path, minutes: int
) -> None:
    """Issue 12, item 7: the hours column holds the number every other surface shows."""
    await city.add(ANNA, date(2026, 11, 24), minutes)
    out = tmp_path / "hours.xlsx"
    header = list(EXPORT_COLUMNS)
    start, end = date(2026, 11, 1), date(2026, 12, 1)
    await city.services.exports.export(
        city.admin, None, start, end, "xlsx", out, header, LABELS, "records"
    )
    sheet = openpyxl.load_workbook(out, read_only=True).active
    assert sheet is not None
    [_, row] = [list(values) for values in sheet.iter_rows(values_only=True)]
    assert row[header.index("hours")] == float(hours_of(minutes))


async def test_exports_match_the_records_field_by_field(city: City, tmp_path: Path) -> None:
    await city.add(ANNA, date(2026, 11, 24), 90)
    await city.add(DING, date(2026, 11, 25), 240, team="blood")
    await city.add(BO, date(2026, 10, 31), 60)  # outside the period
    header = [column.upper() for column in EXPORT_COLUMNS]
    exports = city.services.exports
    start, end = date(2026, 11, 1), date(2026, 12, 1)
    out = tmp_path / "all.csv"
    assert (
        await exports.export(city.admin, None, start, end, "csv", out, header, LABELS, "records")
        == 2
    )
    with out.open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == header
    anna = dict(zip(EXPORT_COLUMNS, rows[1], strict=True))
    # A leading + would start a formula: the CSV keeps the number as text (see item 13).
    assert anna["volunteer"] == "安娜" and anna["phone"] == "'+8613800000002"
    assert anna["phone_verified"] == "phone_unverified"  # typed at registration
    assert (anna["activity"], anna["date"], anna["hours"], anna["team"]) == (
        "路口劝导",
        "2026-11-24",
        "1.5",
        "文明交通志愿服务队",
    )
    assert (anna["person_in_charge"], anna["state"], anna["source"]) == (
        "张队长",
        "已确认",
        "manual",
    )
    # A lead exports their teams only, with masked phone numbers; XLSX holds the same rows.
    lead = await city.actor(LEAD)
    xlsx = tmp_path / "traffic.xlsx"
    assert (
        await exports.export(lead, None, start, end, "xlsx", xlsx, header, LABELS, "records") == 1
    )
    sheet = openpyxl.load_workbook(xlsx, read_only=True).active
    assert sheet is not None
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == header and values[1][1] == "安娜" and values[1][2] == "+86138****0002"
    assert values[1][8] == 1.5
    with pytest.raises(NotLeadOrAdmin):
        await exports.export(
            lead, "blood", start, end, "csv", tmp_path / "x.csv", header, LABELS, "records"
        )
    with pytest.raises(UnknownTeam):
        await exports.export(
            city.admin, "nope", start, end, "csv", tmp_path / "x.csv", header, LABELS, "records"
        )
    with pytest.raises(NotLeadOrAdmin):
        await exports.export(
            await city.actor(ANNA), None, start, end, "csv", out, header, LABELS, "records"
        )


async def test_weekly_posts_go_out_once_with_a_chart(
    city: City, services: Services, tmp_path: Path
) -> None:
    await services.groups.link(city.admin, -100_555, "交通群", "traffic", group_admin=True)
    await city.add(ANNA, date(2026, 11, 17), 90)
    calls: list[str] = []

    def chart(*args: object) -> bytes:
        calls.append("chart")
        return b"\x89PNG fake"

    def caption(*args: object) -> str:
        return "caption"

    # Friday 27 November: this week's Monday 09:00 has passed, so last week (16-22) is due.
    queued = await services.reports.queue_weekly_posts(chart, caption, chart, caption)
    assert queued == 2  # the traffic group, and the one admin
    assert await services.reports.queue_weekly_posts(chart, caption, chart, caption) == 0
    async with city.db.reader.execute(
        "SELECT chat_id, file_kind, file_path FROM outbox WHERE kind IN"
        " ('leaderboard', 'honor_roll') ORDER BY id"
    ) as cursor:
        rows = [tuple(row) for row in await cursor.fetchall()]
    assert [(chat, kind) for chat, kind, _ in rows] == [(-100_555, "photo"), (ADMIN_ID, "photo")]
    for _, _, path in rows:
        with open(path, "rb") as handle:  # noqa: ASYNC230 - a small file in a test
            assert handle.read(4) == b"\x89PNG"
    await city.add(ANNA, date(2026, 11, 24), 60)  # served in the week of 23-29 too
    # Before Monday 09:00 (Beijing) of the next week, nothing new is due.
    city.clock.advance(datetime(2026, 11, 30, 0, 59, tzinfo=UTC) - city.clock.now())
    assert await services.reports.queue_weekly_posts(chart, caption, chart, caption) == 0
    city.clock.advance(timedelta(minutes=2))
    assert await services.reports.queue_weekly_posts(chart, caption, chart, caption) == 2


async def test_a_roster_imports_cleanly_idempotently_and_links_on_registration(
    city: City, services: Services
) -> None:
    rows = [
        RosterRow(2, "李梅", "13911112222", ("traffic",)),
        RosterRow(3, "赵雷", "139 1111 3333", ("traffic", "blood")),
    ]
    report = await import_roster(city.db, city.clock.now(), rows)
    assert (report.created, report.existing, report.errors) == (2, 0, ())
    again = await import_roster(city.db, city.clock.now(), rows)
    assert (again.created, again.existing) == (0, 2)  # idempotent on the phone number
    found = await services.roles.search(city.admin, "李梅")
    assert [(v.telegram_id, v.team_keys) for v in found] == [(None, ("traffic",))]
    # Typing the number is not enough to take the entry over: the contact must be shared.
    with pytest.raises(Exception) as typed:
        await services.registration.check_phone_available(77, "13911112222", shared=False)
    assert type(typed.value).__name__ == "PhoneMustBeShared"
    assert await services.registration.check_phone_available(77, "13911112222", shared=True)
    linked = await services.registration.register(
        77, "李梅", "13911112222", ["blood"], consent=True, phone_shared=True
    )
    assert linked.id == found[0].id and set(linked.team_keys) == {"traffic", "blood"}


async def test_a_roster_with_bad_rows_imports_nothing_and_names_each_line(city: City) -> None:
    rows = [
        RosterRow(2, "李梅", "13911112222", ("traffic",)),
        RosterRow(3, "", "13911113333", ("traffic",)),
        RosterRow(4, "王五", "12345", ("traffic",)),
        RosterRow(5, "赵六", "13911114444", ("nope",)),
        RosterRow(6, "孙七", "13911115555", ()),
        RosterRow(7, "李梅", "139-1111-2222", ("traffic",)),
    ]
    report = await import_roster(city.db, city.clock.now(), rows)
    assert [line for line, _ in report.errors] == [3, 4, 5, 6, 7]
    assert isinstance(report.errors[0][1], InvalidName)
    assert report.errors[-1][1].params == {"line": 2}
    assert report.created == 0
    assert await city.services.roles.search(city.admin, "李梅") == []


async def test_monthly_totals_agree_with_the_records_across_any_range(
    city: City, services: Services
) -> None:
    """Whole months come from the totals the triggers keep; edges from the records. Every
    change to a record (adjusted, to zero, disputed and resolved) keeps them in step."""
    days = [
        date(2026, 9, 30),
        date(2026, 10, 1),
        date(2026, 10, 15),
        date(2026, 10, 31),
        date(2026, 11, 1),
        date(2026, 11, 20),
        date(2026, 11, 26),
    ]
    records = []
    for n, day in enumerate(days):
        team = "blood" if n % 3 == 0 else "traffic"
        who = DING if team == "blood" else (ANNA, BO, CHEN)[n % 3]
        records.append(
            await services.records.add_manual(
                city.admin, city.ids[who], team, day, 60 + 10 * n, "劝导", "纸质签到表补录"
            )
        )
    await services.records.adjust(city.admin, records[2].id, 45, "核对纸质记录")
    await services.records.adjust(city.admin, records[4].id, 0, "当天缺席未到")
    owner = next(t for t, v in city.ids.items() if v == records[5].volunteer_id)
    await services.records.dispute(owner, records[5].id, "应该更多")

    async def raw(start: date, end: date) -> dict[str, tuple[int, int, int, int]]:
        rows = await city.db.reader.execute_fetchall(
            "SELECT t.key, SUM(CASE WHEN r.state = 'approved' THEN r.minutes ELSE 0 END),"
            " SUM(CASE WHEN r.state IN ('pending', 'review', 'disputed') THEN r.minutes"
            " ELSE 0 END), SUM(r.state = 'no_show'), COUNT(*) FROM service_records r"
            " JOIN teams t ON t.id = r.team_id WHERE r.served_on >= ? AND r.served_on < ?"
            " GROUP BY t.key",
            (start.isoformat(), end.isoformat()),
        )
        return {row[0]: tuple(row[1:]) for row in rows}

    for start, end in [
        (date(2026, 9, 1), date(2026, 12, 1)),
        (date(2026, 9, 30), date(2026, 11, 21)),
        (date(2026, 10, 2), date(2026, 10, 31)),
        (date(2026, 10, 1), date(2026, 11, 1)),
        (date(2026, 11, 21), date(2027, 1, 1)),
    ]:
        lines = await services.reports.report_teams(city.admin, start, end)
        got = {
            line.label: (line.approved, line.pending, line.no_shows, line.records) for line in lines
        }
        assert got == await raw(start, end), (start, end)


async def test_issue12_item10_a_week_without_service_posts_nothing(
    city: City, services: Services
) -> None:
    """A fresh install (or a quiet week): no empty board to the group, no empty honor roll to
    the admins, and the week is not looked at again."""
    await services.groups.link(city.admin, -100_557, "交通群", "traffic", group_admin=True)
    drawn: list[str] = []

    def chart(*args: object) -> bytes:
        drawn.append("chart")
        return b"\x89PNG fake"

    def caption(*args: object) -> str:
        return "caption"

    assert await services.reports.queue_weekly_posts(chart, caption, chart, caption) == 0
    assert await services.reports.queue_weekly_posts(chart, caption, chart, caption) == 0
    assert drawn == []
    async with city.db.reader.execute(
        "SELECT COUNT(*) FROM outbox WHERE kind IN ('leaderboard', 'honor_roll')"
    ) as cursor:
        row = await cursor.fetchone()
    assert row is not None and row[0] == 0


async def test_a_weekly_board_without_its_chart_still_goes_out_as_text(
    city: City, services: Services
) -> None:
    await services.groups.link(city.admin, -100_556, "交通群", "traffic", group_admin=True)
    await city.add(ANNA, date(2026, 11, 17), 90)

    def broken(*args: object) -> bytes:
        raise RuntimeError("no chart today")

    def caption(*args: object) -> str:
        return "上周排行"

    assert await services.reports.queue_weekly_posts(broken, caption, broken, caption) >= 1
    async with city.db.reader.execute(
        "SELECT text, file_path FROM outbox WHERE chat_id = -100556"
    ) as cursor:
        assert [tuple(row) for row in await cursor.fetchall()] == [("上周排行", None)]


async def test_a_team_is_found_by_key_or_part_of_either_name_among_ones_own(city: City) -> None:
    lead, admin = await city.actor(LEAD), city.admin
    reports = city.services.reports
    assert (await reports.team_named(lead, "Traffic")).key == "traffic"
    assert (await reports.team_named(lead, "文明交通")).key == "traffic"
    assert (await reports.team_named(admin, "blood donation")).key == "blood"
    with pytest.raises(NotTeamMember):
        await reports.team_named(lead, "献血")  # a team, but not the lead's
    with pytest.raises(NotTeamMember):
        await reports.team_named(lead, "   ")

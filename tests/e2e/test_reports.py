"""Leaderboards, reports, exports and statistics over HTTP, the weekly chart post, and the
export and roster-import commands as real processes."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path

import pymupdf

from tests.e2e.helpers import (
    ADMIN,
    EXAMPLE_CONFIG,
    LEAD,
    LUCY,
    ZHANG,
    Harness,
    add_hours,
    appoint_lead,
    button_data,
    cli_env,
    enrol,
    first_with,
    mentions,
    run_cli,
    says,
    seed_team,
    today,
    zh,
)
from tests.fake_bot_api import Call, FakeUser, group_chat

OTHER_LEAD = FakeUser(id=310, first_name="Wang", language_code="zh-hans")
GROUP = group_chat(-100777, "交通队群")
TRAFFIC = "文明交通志愿服务队"


async def _two_and_a_half_hours_each(bot: Harness) -> None:
    """LEAD's team with Zhang and Lucy (who shows as anonymous), 2.5 h each today."""
    await seed_team(bot, 0)
    await enrol(bot, ZHANG, "张三", "13800138000", ["traffic"])
    await enrol(bot, LUCY, "Lucy Li", "13900139000", ["traffic"])
    for person in (ZHANG, LUCY):
        await add_hours(bot, person.id, 150, today(bot))
    await bot.services.records.set_anonymous(LUCY.id, True)


def _csv_rows(document: Call) -> list[list[str]]:
    [upload] = document.files.values()
    return list(csv.reader(io.StringIO(upload.data.decode("utf-8-sig"))))


async def test_the_leaderboard_ranks_by_hours_and_hides_the_anonymous(bot: Harness) -> None:
    await _two_and_a_half_hours_each(bot)
    lines = (await bot.say(ZHANG, "/leaderboard")).text.split("\n")
    assert zh("leaderboard.line", rank=1, name="张三", hours="2.5") in lines
    anonymous = zh("leaderboard.anonymous")
    assert zh("leaderboard.line", rank=1, name=anonymous, hours="2.5") in lines
    assert "Lucy Li" not in "\n".join(lines)
    assert lines[-1] == zh("leaderboard.mine", rank=1, count=2, hours="2.5")


async def test_the_leaderboard_turns_to_another_period_and_to_the_honor_roll(
    bot: Harness,
) -> None:
    await _two_and_a_half_hours_each(bot)
    board = await bot.say(ZHANG, "/leaderboard")
    assert "lb:1:week" in button_data(board) and "lh:month" in button_data(board)
    all_time = await bot.tap(ZHANG, board, "lb:1:all")
    assert all_time.method == "editMessageText"
    assert says(all_time.text.split("\n")[0], "leaderboard.header", period=zh("period.all"))
    roll = await bot.tap(ZHANG, board, "lh:year")
    assert zh("honor.line", rank=1, team=TRAFFIC, hours="5", active=2) in roll.text.split("\n")


async def test_a_lead_reports_on_their_team_by_team_and_by_volunteer(bot: Harness) -> None:
    await _two_and_a_half_hours_each(bot)
    report = await bot.say(LEAD, "/report")
    team_line = zh("report.line", name=TRAFFIC, approved="5", pending="0", no_shows=0)
    assert team_line in report.text.split("\n")
    by_person = await bot.tap(LEAD, report, first_with(report, "rp:v:"))
    assert by_person.method == "editMessageText"
    person_line = zh("report.line", name="张三", approved="2.5", pending="0", no_shows=0)
    assert person_line in by_person.text.split("\n")
    typed = await bot.say(LEAD, "/report 2025-01-01 2030-12-31")
    assert team_line in typed.text.split("\n")


async def test_a_report_range_must_be_two_dates(bot: Harness) -> None:
    await seed_team(bot, 0)
    answer = await bot.say(LEAD, "/report 2026-11-01 2026-13-01")
    assert answer.text == zh("error.invalid_period")


async def test_volunteers_cannot_press_the_report_or_export_buttons(bot: Harness) -> None:
    await _two_and_a_half_hours_each(bot)
    report = await bot.say(LEAD, "/report")
    choose = await bot.say(LEAD, "/export")
    own = await bot.say(ZHANG, "/start")
    since = bot.api.mark()
    for forged in (first_with(report, "rp:v:"), button_data(choose)[0]):
        answer = await bot.answer_to_press(ZHANG, own, forged)
        assert answer.params["text"] == zh("error.not_lead_or_admin")
    await bot.api.wait_idle()
    assert not [c for c in bot.api.calls[since:] if c.method == "sendDocument"]


async def test_a_lead_exports_their_teams_records_masked_and_quoted(bot: Harness) -> None:
    await _two_and_a_half_hours_each(bot)
    choose = await bot.say(LEAD, "/export")
    [month_csv, _, _, _] = button_data(choose)
    since = bot.api.mark()
    bot.api.press(LEAD, choose, month_csv)
    document = await bot.api.wait_for(lambda c: c.method == "sendDocument" and c.ok, since=since)
    rows = _csv_rows(document)
    header = [zh("export.col.record_id"), zh("export.col.volunteer"), zh("export.col.phone")]
    assert rows[0][:3] == header and len(rows) == 3
    # Masked, and quoted so that the leading + cannot start a formula.
    assert {row[2] for row in rows[1:]} == {"'+86138****8000", "'+86139****9000"}


async def test_another_teams_lead_pressing_the_same_export_gets_their_own_teams(
    bot: Harness,
) -> None:
    await _two_and_a_half_hours_each(bot)
    [month_csv, *_] = button_data(await bot.say(LEAD, "/export"))
    await appoint_lead(bot, OTHER_LEAD, "blood", "王队长", "13700000310")
    own = await bot.say(OTHER_LEAD, "/start")
    since = bot.api.mark()
    bot.api.press(OTHER_LEAD, own, month_csv)
    theirs = await bot.api.wait_for(lambda c: c.method == "sendDocument" and c.ok, since=since)
    assert len(_csv_rows(theirs)) == 1, "the header alone: the blood team has no records"


async def test_statistics_are_for_admins_only(bot: Harness) -> None:
    await _two_and_a_half_hours_each(bot)
    stats = await bot.say(ADMIN, "/stats")
    assert mentions(stats.text, "stats.text", volunteers=3, hours_month="5")
    assert (await bot.say(LEAD, "/stats")).text == zh("error.not_admin")


async def test_the_weekly_post_reaches_the_group_as_a_chart(bot: Harness) -> None:
    await seed_team(bot, 0)
    await enrol(bot, ZHANG, "张三", "13800138000", ["traffic"])
    bot.api.member_statuses[(GROUP["id"], LEAD.id)] = "administrator"
    bot.api.send_text(LEAD, "/link_group", chat=GROUP)
    linked = await bot.api.next_message(GROUP["id"])
    assert linked.text == zh("group.linked", team=TRAFFIC)  # the lead's only team: at once
    await add_hours(bot, ZHANG.id, 90, today(bot) - timedelta(days=7))
    assert bot.app.job_queue is not None
    [job] = bot.app.job_queue.get_jobs_by_name("weekly_posts")
    since = bot.api.mark()
    await job.run(bot.app)
    photo = await bot.api.wait_for(
        lambda c: c.method == "sendPhoto" and c.ok and c.chat_id == GROUP["id"], since=since
    )
    caption = photo.params["caption"].split("\n")
    assert says(caption[0], "weekly.caption", team=TRAFFIC)
    assert caption[1] == zh("leaderboard.line", rank=1, name="张三", hours="1.5")
    [upload] = photo.files.values()
    picture = pymupdf.Pixmap(upload.data)
    assert picture.width == 1000 and picture.height > 200
    admin_copy = await bot.api.wait_for(
        lambda c: c.method == "sendPhoto" and c.ok and c.chat_id == ADMIN.id, since=since
    )
    assert says(admin_copy.params["caption"].split("\n")[0], "honor.header")
    since = bot.api.mark()
    await job.run(bot.app)  # the same week again: nothing more
    await bot.api.wait_idle(quiet=0.3)
    assert not [c for c in bot.api.calls[since:] if c.method == "sendPhoto"]


def _operator_env(tmp_path: Path) -> dict[str, str]:
    """The operator's commands on a fresh database with the example configuration."""
    database = tmp_path / "db" / "bot.sqlite3"
    return cli_env(
        VOLUNTEER_BOT__STORAGE__PATH=str(database), VOLUNTEER_BOT_CONFIG=str(EXAMPLE_CONFIG)
    )


async def test_an_import_with_bad_lines_names_them_and_imports_nothing(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "name,phone,teams\n李梅,13911112222,traffic\n,13911113333,traffic\n王五,123,nope\n",
        encoding="utf-8",
    )
    env = _operator_env(tmp_path)
    code, _, err = await run_cli("import-volunteers", str(roster), env=env, cwd=tmp_path)
    assert code == 1 and "line 3:" in err and "line 4:" in err and "nothing imported" in err


async def test_an_import_adds_new_people_once(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "name,phone,teams\n李梅,13911112222,traffic\n赵雷,13911113333,traffic;blood\n",
        encoding="utf-8",
    )
    env = _operator_env(tmp_path)
    code, out, _ = await run_cli("import-volunteers", str(roster), env=env, cwd=tmp_path)
    assert code == 0 and "imported 2 new" in out
    code, out, _ = await run_cli("import-volunteers", str(roster), env=env, cwd=tmp_path)
    assert code == 0 and "imported 0 new volunteer(s); 2 already known" in out


async def test_an_export_writes_a_years_records_to_a_file(tmp_path: Path) -> None:
    out_file = tmp_path / "records.xlsx"
    year = date.today().year
    code, out, _ = await run_cli(
        *("export", "--from", f"{year}-01-01", "--to", f"{year}-12-31"),
        *("--format", "xlsx", "--out", str(out_file)),
        env=_operator_env(tmp_path),
        cwd=tmp_path,
    )
    assert code == 0 and "exported 0 service record(s)" in out and out_file.exists()


async def test_an_export_refuses_a_bad_date_and_an_unknown_team(tmp_path: Path) -> None:
    env = _operator_env(tmp_path)
    code, _, err = await run_cli(
        *("export", "--from", "2026-13-01", "--to", "2026-12-31", "--out", "x.csv"),
        env=env,
        cwd=tmp_path,
    )
    assert code == 2 and "not a date" in err
    code, _, err = await run_cli(
        *("export", "--from", "2026-01-01", "--to", "2026-12-31", "--team", "nope"),
        *("--out", "x.csv"),
        env=env,
        cwd=tmp_path,
    )
    assert code == 1 and "Export refused" in err

"""Leaderboards, reports, exports and statistics over HTTP, the weekly chart post, and the
export and roster-import commands as real processes."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path

import pymupdf

from bot.clock import SystemClock
from tests.e2e.conftest import ADMIN, Harness, button_data
from tests.e2e.test_broadcast import GROUP, LEAD, seed
from tests.e2e.test_process import EXAMPLE_CONFIG, _env, _run
from tests.e2e.test_registration import LUCY, ZHANG, register
from tests.fake_bot_api import FakeUser

OTHER_LEAD = FakeUser(id=310, first_name="Wang", language_code="zh-hans")


async def _hours(bot: Harness, telegram_id: int, minutes: int, days_ago: int = 0) -> None:
    volunteer = await bot.services.registration.volunteer(telegram_id)
    assert volunteer is not None
    today = SystemClock().now().astimezone(bot.config.org.zone).date()
    await bot.services.records.add_manual(
        await bot.services.roles.actor(ADMIN.id),
        volunteer.id,
        "traffic",
        today - timedelta(days=days_ago),
        minutes,
        "路口劝导",
        "纸质签到表补录",
    )


async def test_leaderboard_report_export_and_stats(bot: Harness) -> None:
    await seed(bot, 0)
    await register(bot, ZHANG, "张三", "13800138000", ["traffic"])
    await register(bot, LUCY, "Lucy Li", "13900139000", ["traffic"])
    await _hours(bot, ZHANG.id, 150)
    await _hours(bot, LUCY.id, 150)
    await bot.services.records.set_anonymous(LUCY.id, True)

    board = await bot.say(ZHANG, "/leaderboard")
    assert "1. 张三 — 2.5 小时" in board.text and "1. 匿名志愿者 — 2.5 小时" in board.text
    assert "第 1 名（共 2 人）" in board.text
    assert "lb:1:week" in button_data(board) and "lh:month" in button_data(board)
    since = bot.api.mark()
    bot.api.press(ZHANG, board, "lb:1:all")
    edited = await bot.api.wait_for(lambda c: c.method == "editMessageText", since=since)
    assert "全部" in edited.text
    since = bot.api.mark()
    bot.api.press(ZHANG, board, "lh:year")
    roll = await bot.api.wait_for(lambda c: c.method == "editMessageText", since=since)
    assert "文明交通志愿服务队 — 5 小时（2 人参与）" in roll.text

    # Reports: the lead sees their team, by team and by volunteer; volunteers see nothing.
    report = await bot.say(LEAD, "/report")
    assert "文明交通志愿服务队：已确认 5 小时" in report.text
    people = next(d for d in button_data(report) if d.startswith("rp:v:"))
    since = bot.api.mark()
    bot.api.press(LEAD, report, people)
    by_person = await bot.api.wait_for(lambda c: c.method == "editMessageText", since=since)
    assert "张三：已确认 2.5 小时" in by_person.text
    assert "日期范围格式" in (await bot.say(LEAD, "/report 2026-11-01 2026-13-01")).text
    typed = await bot.say(LEAD, "/report 2025-01-01 2030-12-31")
    assert "文明交通志愿服务队：已确认 5 小时" in typed.text
    forged = await bot.answer_to_press(ZHANG, board, people)
    assert forged.params["text"] == "只有队长和管理员可以进行此操作。"

    # Export: the lead gets a CSV of their team; a volunteer's forged press is refused.
    choose = await bot.say(LEAD, "/export")
    [month_csv, _, _, _] = button_data(choose)
    since = bot.api.mark()
    bot.api.press(LEAD, choose, month_csv)
    document = await bot.api.wait_for(lambda c: c.method == "sendDocument" and c.ok, since=since)
    [upload] = document.files.values()
    rows = list(csv.reader(io.StringIO(upload.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["记录编号", "志愿者姓名", "手机号"] and len(rows) == 3
    # Masked, and quoted so that the leading + cannot start a formula.
    assert {row[2] for row in rows[1:]} == {"'+86138****8000", "'+86139****9000"}
    forged = await bot.answer_to_press(ZHANG, board, month_csv)
    assert forged.params["text"] == "只有队长和管理员可以进行此操作。"
    # Another team's lead pressing the same button gets their own team's records: none.
    other = await bot.services.registration.register(
        OTHER_LEAD.id, "王队长", "13700000310", ["blood"], consent=True
    )
    await bot.services.roles.promote(await bot.services.roles.actor(ADMIN.id), other.id, "blood")
    own = await bot.say(OTHER_LEAD, "/start")
    since = bot.api.mark()
    bot.api.press(OTHER_LEAD, own, month_csv)
    theirs = await bot.api.wait_for(lambda c: c.method == "sendDocument" and c.ok, since=since)
    [upload] = theirs.files.values()
    assert len(list(csv.reader(io.StringIO(upload.data.decode("utf-8-sig"))))) == 1  # header

    # Stats: admins only.
    stats = await bot.say(ADMIN, "/stats")
    assert "志愿者：4" in stats.text and "本月 5 小时" in stats.text
    assert "管理员" in (await bot.say(LEAD, "/stats")).text


async def test_the_weekly_post_reaches_the_group_as_a_chart(bot: Harness) -> None:
    await seed(bot, 0)
    await register(bot, ZHANG, "张三", "13800138000", ["traffic"])
    bot.api.member_statuses[(GROUP["id"], LEAD.id)] = "administrator"
    bot.api.send_text(LEAD, "/link_group", chat=GROUP)
    linked = await bot.api.next_message(GROUP["id"])
    assert "文明交通志愿服务队" in linked.text  # the lead's only team: linked at once
    await _hours(bot, ZHANG.id, 90, days_ago=7)
    assert bot.app.job_queue is not None
    [job] = bot.app.job_queue.get_jobs_by_name("weekly_posts")
    since = bot.api.mark()
    await job.run(bot.app)
    photo = await bot.api.wait_for(
        lambda c: c.method == "sendPhoto" and c.ok and c.chat_id == GROUP["id"], since=since
    )
    assert "张三" in photo.params["caption"]
    [upload] = photo.files.values()
    picture = pymupdf.Pixmap(upload.data)
    assert picture.width == 1000 and picture.height > 200
    admin_copy = await bot.api.wait_for(
        lambda c: c.method == "sendPhoto" and c.ok and c.chat_id == ADMIN.id, since=since
    )
    assert "红榜" in admin_copy.params["caption"]
    since = bot.api.mark()
    await job.run(bot.app)  # the same week again: nothing more
    await bot.api.wait_idle(quiet=0.3)
    assert not [c for c in bot.api.calls[since:] if c.method == "sendPhoto"]


async def test_export_and_import_commands(tmp_path: Path) -> None:
    database = tmp_path / "db" / "bot.sqlite3"
    env = _env(VOLUNTEER_BOT__STORAGE__PATH=str(database), VOLUNTEER_BOT_CONFIG=str(EXAMPLE_CONFIG))
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "name,phone,teams\n李梅,13911112222,traffic\n,13911113333,traffic\n王五,123,nope\n",
        encoding="utf-8",
    )
    code, _, err = await _run("import-volunteers", str(roster), env=env, cwd=tmp_path)
    assert code == 1 and "line 3:" in err and "line 4:" in err and "nothing imported" in err
    roster.write_text(
        "name,phone,teams\n李梅,13911112222,traffic\n赵雷,13911113333,traffic;blood\n",
        encoding="utf-8",
    )
    code, out, _ = await _run("import-volunteers", str(roster), env=env, cwd=tmp_path)
    assert code == 0 and "imported 2 new" in out
    code, out, _ = await _run("import-volunteers", str(roster), env=env, cwd=tmp_path)
    assert code == 0 and "imported 0 new volunteer(s); 2 already known" in out
    out_file = tmp_path / "records.xlsx"
    today = date.today()
    code, out, err = await _run(
        "export",
        "--from",
        f"{today.year}-01-01",
        "--to",
        f"{today.year}-12-31",
        "--format",
        "xlsx",
        "--out",
        str(out_file),
        env=env,
        cwd=tmp_path,
    )
    assert code == 0 and "exported 0 service record(s)" in out and out_file.exists()
    code, _, err = await _run(
        "export",
        "--from",
        "2026-13-01",
        "--to",
        "2026-12-31",
        "--out",
        "x.csv",
        env=env,
        cwd=tmp_path,
    )
    assert code == 2 and "not a date" in err
    code, _, err = await _run(
        "export",
        "--from",
        "2026-01-01",
        "--to",
        "2026-12-31",
        "--team",
        "nope",
        "--out",
        "x.csv",
        env=env,
        cwd=tmp_path,
    )
    assert code == 1 and "Export refused" in err

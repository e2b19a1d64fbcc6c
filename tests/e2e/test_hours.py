"""Service hours over HTTP with an injected clock: a volunteer checks in on site (location, or
the lead's code and its QR deep link) and out; the attendance sheet reaches the lead, who marks
and approves; the hours show in /hours with the stars; a dispute is raised and resolved; the
certificate PDF arrives, in Chinese, and verifies. Forged buttons change nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pymupdf
import pytest

from bot.clock import ManualClock
from bot.domain.hours import RecordState
from bot.domain.models import Activity
from tests.e2e.conftest import ADMIN, Harness, button_data, start_harness
from tests.e2e.test_broadcast import LEAD, seed
from tests.e2e.test_registration import LUCY, ZHANG, register
from tests.fake_bot_api import Call, FakeBotApi, FakeUser

CLOCK_START = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
SITE = (22.5650, 112.9690)
NEAR = (22.5655, 112.9692)
FAR = (22.5740, 112.9690)


@pytest.fixture
async def timed(tmp_path: Path, api: FakeBotApi) -> AsyncIterator[tuple[Harness, ManualClock]]:
    clock = ManualClock(CLOCK_START)
    async for harness in start_harness(tmp_path, api, clock=clock, hours={"star_hours": [1, 2]}):
        yield harness, clock


async def _activity(bot: Harness, clock: ManualClock) -> Activity:
    start = clock.now() + timedelta(days=1)
    draft = Activity(
        0,
        "traffic",
        "人民路口文明交通劝导",
        "traffic",
        start,
        start + timedelta(hours=2),
        "人民路与中山路交叉口",
        5,
        "published",
        latitude=SITE[0],
        longitude=SITE[1],
    )
    return await bot.services.activities.create(await bot.services.roles.actor(LEAD.id), draft)


async def test_from_check_in_to_certificate(timed) -> None:
    bot, clock = timed
    await seed(bot, 0)
    await bot.services.accounts.seen(LEAD.id, "zh-hans")
    activity = await _activity(bot, clock)
    await register(bot, ZHANG, "张三", "13800138000", ["traffic"])
    await register(bot, LUCY, "Lucy Li", "13900139000", ["traffic"])
    await bot.services.activities.sign_up(ZHANG.id, activity.id)
    await bot.services.activities.sign_up(LUCY.id, activity.id)

    assert "没有可以签到" in (await bot.say(ZHANG, "/checkin")).text
    clock.advance(activity.starts_at - timedelta(minutes=10) - clock.now())

    # Zhang checks in by location: far away first, then on site.
    listing = await bot.say(ZHANG, "/checkin")
    assert activity.title in listing.text
    assert button_data(listing) == [f"ci:l:{activity.id}", "ci:c"]
    ask = await bot.tap(ZHANG, listing, f"ci:l:{activity.id}")
    assert "共享实时位置" in ask.text
    bot.api.send_location(ZHANG, *FAR, live_period=3600)
    refused = await bot.reply(ZHANG)
    assert "米" in refused.text and "300" in refused.text
    bot.api.send_location(ZHANG, *NEAR, live_period=3600)
    done = await bot.reply(ZHANG)
    assert done.text.startswith("✅ 已签到")

    # The lead shows a code with its QR image; Lucy scans it (the deep link).
    card = await bot.tap(LEAD, await bot.say(LEAD, "/manage"), f"mg:o:{activity.id}")
    assert f"mg:k:{activity.id}" in button_data(card)
    since = bot.api.mark()
    bot.api.press(LEAD, card, f"mg:k:{activity.id}")
    photo = await bot.api.wait_for(lambda c: c.method == "sendPhoto" and c.ok, since=since)
    [upload] = photo.files.values()
    assert upload.data.startswith(b"\x89PNG")
    code = photo.params["caption"].split("：", 1)[1].split("\n")[0].strip()
    assert len(code) == 6
    # The display rotates by itself: the job puts a fresh code and QR in the same message.
    jobs = bot.app.job_queue
    assert jobs is not None
    name = f"check-in code display {LEAD.id}:{activity.id}"
    await bot.api.wait_until(lambda: bool(jobs.get_jobs_by_name(name)))
    [rotation] = jobs.get_jobs_by_name(name)
    since = bot.api.mark()
    await rotation.run(bot.app)
    rotated = await bot.api.wait_for(lambda c: c.method == "editMessageMedia" and c.ok, since=since)
    fresh = rotated.response["result"]["caption"].split("：", 1)[1].split("\n")[0].strip()
    assert fresh != code and len(fresh) == 6
    assert rotated.params["message_id"] == photo.response["result"]["message_id"]
    clock.advance(timedelta(minutes=2))
    checked = await bot.say(LUCY, f"/start ci_{code}")
    assert checked.text.startswith("✅ Checked in to")
    assert "already" in (await bot.say(LUCY, f"/start ci_{code}")).text  # one effect
    clock.advance(timedelta(minutes=4))
    assert "expired" in (await bot.say(LUCY, f"/start ci_{code}")).text

    # Zhang leaves at 10:50 and checks out; Lucy forgets.
    clock.advance(activity.ends_at - timedelta(minutes=10) - clock.now())
    out = await bot.say(ZHANG, "/checkout")
    assert out.text.startswith("👋 已签退") and "1.83 小时" in out.text
    assert "没有需要签退" in (await bot.say(ZHANG, "/checkout")).text

    # After the end and the grace, the sheet goes to the lead through the outbox.
    clock.advance(timedelta(minutes=45))
    await rotation.run(bot.app)  # the activity has ended: the display stops rotating
    assert rotation.removed
    since = bot.api.mark()
    assert await bot.services.attendance.make_sheets() == 1
    notice = await bot.api.wait_for(
        lambda c: c.chat_id == LEAD.id and c.ok and "考勤表" in (c.text or ""), since=since
    )
    assert button_data(notice) == [f"mg:a:{activity.id}"]
    sheet = await bot.tap(LEAD, notice, f"mg:a:{activity.id}")
    assert "张三" in sheet.text and "Lucy Li" in sheet.text and "⚠️未签退" in sheet.text

    # Volunteers can neither see nor approve the sheet, forged or not.
    own = await bot.say(ZHANG, "/start")
    for forged in (f"mg:a:{activity.id}", f"mg:y:{activity.id}", f"mg:k:{activity.id}"):
        answer = await bot.answer_to_press(ZHANG, own, forged)
        assert answer.params["text"] == "只有该队伍的队长或管理员可以进行此操作。"

    # The lead adjusts Lucy (forgot to check out) with a reason, then approves.
    lucy_row = next(d for d in button_data(sheet) if d.startswith("mg:s:"))
    person = await bot.tap(LEAD, sheet, lucy_row)
    record_id = int(lucy_row.removeprefix("mg:s:"))
    assert button_data(person) == [f"mg:m:p:{record_id}", f"mg:m:a:{record_id}", f"h:a:{record_id}"]
    ask_minutes = await bot.tap(LEAD, person, f"h:a:{record_id}")
    assert "最多" in ask_minutes.text
    assert "不超过 2 小时" in (await bot.say(LEAD, "500")).text
    assert "原因" in (await bot.say(LEAD, "1.5小时")).text
    assert "至少 4 个" in (await bot.say(LEAD, " ")).text
    assert "1.5 小时" in (await bot.say(LEAD, "忘记签退，按现场记录")).text
    since = bot.api.mark()
    approved = await bot.tap(LEAD, sheet, f"mg:y:{activity.id}")
    assert "2 人计入时长" in approved.text
    credited = await bot.api.wait_for(
        lambda c: c.chat_id == ZHANG.id and c.ok and "已确认" in (c.text or ""), since=since
    )
    assert "1.83" in credited.text
    stars = await bot.api.wait_for(
        lambda c: c.chat_id == ZHANG.id and c.ok and "★" in (c.text or ""), since=since
    )
    assert "1 小时" in stars.text

    # /hours shows the total and the star progress.
    hours = await bot.say(ZHANG, "/hours")
    assert "今年已确认：1.83 小时" in hours.text and "★" in hours.text
    assert "还差 0.17 小时" in hours.text

    # Lucy disputes; the lead resolves; Lucy is told; the history shows every step.
    hours_en = await bot.say(LUCY, "/hours")
    records = await bot.tap(LUCY, hours_en, "h:o")
    record_button = next(d for d in button_data(records) if d.startswith("h:r:"))
    record = await bot.tap(LUCY, records, record_button)
    assert button_data(record) == [f"h:d:{record_id}"]
    assert "History" not in record.text  # the volunteer does not see the audit trail
    await bot.tap(LUCY, record, f"h:d:{record_id}")
    filed = await bot.say(LUCY, "I stayed until the end, 2 hours")
    assert "dispute" in filed.text
    for forged in (f"h:a:{record_id}", f"h:x:{record_id}", f"mg:m:p:{record_id}"):
        answer = await bot.answer_to_press(LUCY, record, forged)
        assert answer.params["text"] == "You can't approve, adjust or resolve your own hours."
    told = await bot.api.wait_for(
        lambda c: c.chat_id == LEAD.id and c.ok and "申诉" in (c.text or "")
    )
    view = await bot.tap(LEAD, told, f"h:r:{record_id}")
    assert button_data(view) == [f"h:a:{record_id}", f"h:x:{record_id}"]
    assert "变更记录" in view.text
    await bot.tap(LEAD, view, f"h:a:{record_id}")
    await bot.say(LEAD, "2小时")
    since = bot.api.mark()
    await bot.say(LEAD, "核实后按全程计算")
    resolved = await bot.api.wait_for(
        lambda c: c.chat_id == LUCY.id and c.ok and "resolved" in (c.text or ""), since=since
    )
    assert "2 h" in resolved.text and "核实后按全程计算" in resolved.text
    # Her 2 h cross a star level: that notice follows (waited for, so that it cannot be taken
    # for the answer to a later command).
    await bot.api.wait_for(
        lambda c: c.chat_id == LUCY.id and c.ok and "★" in (c.text or ""), since=since
    )
    final = await bot.tap(LEAD, told, f"h:r:{record_id}")
    for action in ("生成", "调整", "确认", "申诉", "申诉处理"):
        assert action in final.text

    # The certificate: a PDF in Chinese that verifies.
    since = bot.api.mark()
    bot.api.send_text(ZHANG, "/certificate")
    document = await bot.api.wait_for(lambda c: c.method == "sendDocument" and c.ok, since=since)
    [pdf] = document.files.values()
    text = "".join(page.get_text() for page in pymupdf.open(stream=pdf.data, filetype="pdf"))
    assert "志愿服务记录证明" in text and "张三" in text and "人民路口文明交通劝导" in text
    code = document.params["caption"].rsplit(" ", 1)[-1].rstrip("。")
    verified = await bot.say(LUCY, f"/verify {code}")
    assert "Holder: 张三" in verified.text and "1.83" in verified.text
    assert "张三" in (await bot.say(ADMIN, f"/start cert_{code}")).text
    assert "No certificate" in (await bot.say(LUCY, "/verify ABCDEFGHJK")).text


async def test_an_admin_adds_hours_and_corrects_them_with_reasons(timed) -> None:
    bot, clock = timed
    await register(bot, ZHANG, "张三", "13800138000", ["traffic"])
    await register(bot, LUCY, "Lucy Li", "13900139000", ["traffic"])
    assert (await bot.say(LUCY, "/add_hours")).text == "Only admins can do this."
    await bot.say(ADMIN, "/add_hours")
    matches = await bot.say(ADMIN, "张三")
    [volunteer_button] = button_data(matches)
    teams = await bot.tap(ADMIN, matches, volunteer_button)
    assert button_data(teams) == ["ah:t:traffic"]
    ask_day = await bot.tap(ADMIN, teams, "ah:t:traffic")
    assert "2026-11-20" in ask_day.text
    for bad_day in ("明年", "2026-11-28", "2026-02-30", "x" * 5000):
        assert "不晚于今天" in (await bot.say(ADMIN, bad_day)).text
    assert "时长" in (await bot.say(ADMIN, "11-20")).text
    for bad_hours in ("-3", "25小时", "abc", "0"):
        answer = await bot.say(ADMIN, bad_hours)
        assert "例如" in answer.text
    noted = await bot.say(ADMIN, "2小时30分")
    assert "服务内容" in noted.text and "2小时30分钟" in noted.text  # repeated before saving
    assert "原因" in (await bot.say(ADMIN, "敬老院探访")).text
    for meaningless in ("x", "....", "哈哈哈哈"):
        assert "至少 4 个" in (await bot.say(ADMIN, meaningless)).text
    check = await bot.say(ADMIN, "纸质签到表补录")
    assert "张三" in check.text and "2小时30分钟" in check.text and "敬老院探访" in check.text
    assert button_data(check) == ["ah:ok", "ah:no"]
    assert await bot.count("service_records") == 0  # nothing saved before the confirmation
    since = bot.api.mark()
    done = await bot.tap(ADMIN, check, "ah:ok")
    assert "2小时30分钟" in done.text and "已确认" in done.text
    told = await bot.api.wait_for(lambda c: c.chat_id == ZHANG.id and c.ok, since=since)
    assert "纸质签到表补录" in told.text

    # Any record, found by name; corrected with a reason; the history shows both steps.
    search = await bot.say(ADMIN, "/records 张三")
    listing = await bot.tap(ADMIN, search, button_data(search)[0])
    [record_button] = [d for d in button_data(listing) if d.startswith("h:r:")]
    record = await bot.tap(ADMIN, listing, record_button)
    record_id = int(record_button.removeprefix("h:r:"))
    assert button_data(record) == [f"h:a:{record_id}"]
    await bot.tap(ADMIN, record, f"h:a:{record_id}")
    await bot.say(ADMIN, "2h")
    since = bot.api.mark()
    assert "2 小时" in (await bot.say(ADMIN, "核对纸质记录为两小时")).text
    corrected = await bot.api.wait_for(lambda c: c.chat_id == ZHANG.id and c.ok, since=since)
    assert "核对纸质记录为两小时" in corrected.text
    history = await bot.tap(ADMIN, listing, record_button)
    assert "补录" in history.text and "调整" in history.text
    # A volunteer can neither search nor forge an admin's correction.
    assert (await bot.say(LUCY, "/records 张三")).text == "Only admins can do this."
    forged = await bot.answer_to_press(LUCY, await bot.say(LUCY, "/start"), f"h:a:{record_id}")
    assert forged.params["text"] == "That service record was not found."
    assert clock.now() == CLOCK_START


async def test_presence_by_hand_and_the_sheet_in_manage_after_the_end(timed) -> None:
    bot, clock = timed
    await seed(bot, 0)
    activity = await _activity(bot, clock)
    await register(bot, ZHANG, "张三", "13800138000", ["traffic"])
    await bot.services.activities.sign_up(ZHANG.id, activity.id)
    clock.advance(activity.starts_at + timedelta(minutes=15) - clock.now())
    card = await bot.tap(LEAD, await bot.say(LEAD, "/manage"), f"mg:o:{activity.id}")
    presence = await bot.tap(LEAD, card, f"mg:h:{activity.id}")
    assert "张三: 未签到" in presence.text
    [toggle] = [d for d in button_data(presence) if d.startswith("mg:t:")]
    since = bot.api.mark()
    bot.api.press(LEAD, presence, toggle)
    edited = await bot.api.wait_for(lambda c: c.method == "editMessageText" and c.ok, since=since)
    assert "负责人手动签到" in edited.text
    # A volunteer cannot mark themselves present with a forged button.
    forged = await bot.answer_to_press(ZHANG, await bot.say(ZHANG, "/start"), toggle)
    assert forged.params["text"] == "只有该队伍的队长或管理员可以进行此操作。"
    clock.advance(activity.ends_at + timedelta(minutes=31) - clock.now())
    since = bot.api.mark()
    assert await bot.services.attendance.make_sheets() == 1
    await bot.api.wait_for(
        lambda c: c.chat_id == LEAD.id and "考勤表" in (c.text or ""), since=since
    )
    listing = await bot.say(LEAD, "/manage")
    assert button_data(listing) == [f"mg:o:{activity.id}"]  # ended, sheet to approve
    ended = await bot.tap(LEAD, listing, f"mg:o:{activity.id}")
    assert button_data(ended) == [f"mg:r:{activity.id}", f"mg:a:{activity.id}"]
    sheet = await bot.tap(LEAD, ended, f"mg:a:{activity.id}")
    # Marked by hand and never checked out: nothing proposed, and the bulk approval leaves it.
    assert "张三" in sheet.text and "建议 0 小时" in sheet.text and "⚠️手动标记" in sheet.text
    assert "只通过无标记的记录" in sheet.text  # the sheet says what its approval covers
    held = await bot.tap(LEAD, sheet, f"mg:y:{activity.id}")
    assert "逐条确认" in held.text
    [row] = [d for d in button_data(sheet) if d.startswith("mg:s:")]
    person = await bot.tap(LEAD, sheet, row)
    record_id = int(row.removeprefix("mg:s:"))
    assert "在场至结束（2 小时）" in person.buttons[0]["text"]
    since = bot.api.mark()
    bot.api.press(LEAD, person, f"mg:m:p:{record_id}")
    await bot.api.wait_for(lambda c: c.method == "editMessageText" and c.ok, since=since)
    approved = await bot.tap(LEAD, sheet, f"mg:y:{activity.id}")
    assert "1 人计入时长" in approved.text
    assert "暂无" in (await bot.say(LEAD, "/manage")).text  # nothing left to manage


async def test_check_in_links_ask_strangers_to_register_and_erased_holders_stay_verifiable(
    timed,
) -> None:
    bot, _ = timed
    stranger = type(LUCY)(id=777, first_name="S", language_code="en")
    assert "/register" in (await bot.say(stranger, "/start ci_ABCDEF")).text
    await register(bot, ZHANG, "张三", "13800138000", ["traffic"])
    admin = await bot.services.roles.actor(ADMIN.id)
    zhang = await bot.services.registration.volunteer(ZHANG.id)
    assert zhang is not None
    await bot.services.records.add_manual(
        admin, zhang.id, "traffic", CLOCK_START.date(), 60, "植树", "纸质记录"
    )
    certificate = await bot.services.certificates.issue_certificate(ZHANG.id, {})
    await bot.services.registration.forget(ZHANG.id)
    verified = await bot.say(stranger, f"/verify {certificate.code}")
    assert "张三" not in verified.text and "erased" in verified.text and "1 h" in verified.text


async def test_item4_a_point_from_the_map_picker_is_refused_and_a_live_location_counts(
    timed,
) -> None:
    bot, clock = timed
    await seed(bot, 0)
    activity = await _activity(bot, clock)
    await register(bot, ZHANG, "张三", "13800138000", ["traffic"])
    await bot.services.activities.sign_up(ZHANG.id, activity.id)
    clock.advance(activity.starts_at - clock.now())
    listing = await bot.say(ZHANG, "/checkin")
    await bot.tap(ZHANG, listing, f"ci:l:{activity.id}")
    bot.api.send_location(ZHANG, *NEAR)  # any point can be picked on the map
    refused = await bot.reply(ZHANG)
    assert "实时位置" in refused.text and "\n1. " in refused.text and "\n2. " in refused.text
    # Nor through an inline bot, which can post any point as a live location.
    spoofer = FakeUser(id=424_242, first_name="AnyPlaceBot", is_bot=True, username="anyplacebot")
    bot.api.send_location(ZHANG, *NEAR, live_period=3600, via_bot=spoofer)
    assert "自己的手机" in (await bot.reply(ZHANG)).text
    assert await bot.count("checkins") == 0
    sent = bot.api.send_location(ZHANG, *NEAR, live_period=3600)
    assert (await bot.reply(ZHANG)).text.startswith("✅ 已签到")
    # The live location moves on site 40 minutes later; then the person leaves without
    # checking out: the sheet proposes up to that last sign of presence.
    clock.advance(timedelta(minutes=40))
    bot.api.move_live_location(ZHANG, sent, *SITE)
    await bot.say(ZHANG, "/hours")  # one chat's updates run in order: the move is handled
    clock.advance(activity.ends_at + timedelta(minutes=31) - clock.now())
    assert await bot.services.attendance.make_sheets() == 1
    admin = await bot.services.roles.actor(ADMIN.id)
    [line] = (await bot.services.attendance.sheet(admin, activity.id)).lines
    assert line.record.proposed_minutes == 40 and "no_checkout" in line.record.flags


async def test_item7_a_bare_number_in_add_hours_is_hours_and_is_read_back(timed) -> None:
    bot, _ = timed
    await register(bot, ZHANG, "张三", "13800138000", ["traffic"])
    await bot.say(ADMIN, "/add_hours")
    matches = await bot.say(ADMIN, "张三")
    teams = await bot.tap(ADMIN, matches, button_data(matches)[0])
    await bot.tap(ADMIN, teams, "ah:t:traffic")
    await bot.say(ADMIN, "11-20")
    noted = await bot.say(ADMIN, "2")
    assert "2小时" in noted.text and "分钟" not in noted.text
    await bot.say(ADMIN, "敬老院探访")
    check = await bot.say(ADMIN, "院方签到表补录")
    assert "时长：2小时" in check.text
    done = await bot.tap(ADMIN, check, "ah:ok")
    assert "2小时" in done.text
    admin = await bot.services.roles.actor(ADMIN.id)
    zhang = await bot.services.registration.volunteer(ZHANG.id)
    assert zhang is not None
    _, [record], _ = await bot.services.records.records_of(admin, zhang.id, 0)
    assert record.minutes == 120


async def test_item6_the_code_display_rotates_again_after_a_restart(
    tmp_path: Path, api: FakeBotApi
) -> None:
    clock = ManualClock(CLOCK_START)
    name = f"check-in code display {LEAD.id}:"
    first = start_harness(tmp_path, api, clock=clock)
    bot = await anext(first)
    await seed(bot, 0)
    activity = await _activity(bot, clock)
    name += str(activity.id)
    clock.advance(activity.starts_at - clock.now())
    card = await bot.tap(LEAD, await bot.say(LEAD, "/manage"), f"mg:o:{activity.id}")
    since = bot.api.mark()
    bot.api.press(LEAD, card, f"mg:k:{activity.id}")
    photo = await bot.api.wait_for(lambda c: c.method == "sendPhoto" and c.ok, since=since)
    shown = photo.response["result"]["message_id"]
    jobs = bot.app.job_queue
    assert jobs is not None
    await bot.api.wait_until(lambda: bool(jobs.get_jobs_by_name(name)))
    await first.aclose()

    # Restarted (the display's job lived only in memory) ten minutes later: the code shown has
    # expired. The display rotates again at once, in the same message, and goes on.
    clock.advance(timedelta(minutes=10))
    since = api.mark()
    second = start_harness(tmp_path, api, clock=clock)
    bot = await anext(second)
    edited = await api.wait_for(lambda c: c.method == "editMessageMedia" and c.ok, since=since)
    assert edited.params["message_id"] == shown
    fresh = edited.response["result"]["caption"].split("：", 1)[1].split("\n")[0].strip()
    assert len(fresh) == 6
    assert bot.app.job_queue is not None and bot.app.job_queue.get_jobs_by_name(name)
    await second.aclose()

    # Once the activity is over, a restart leaves the message alone.
    clock.advance(activity.ends_at - clock.now())
    since = api.mark()
    third = start_harness(tmp_path, api, clock=clock)
    bot = await anext(third)
    await bot.say(LEAD, "/help")
    assert not [c for c in api.calls[since:] if c.method == "editMessageMedia"]
    assert await bot.count("code_displays") == 0
    await third.aclose()


async def test_issue12_item9_a_live_location_shared_straight_away_checks_in(timed) -> None:
    bot, clock = timed
    await seed(bot, 0)
    first = await _activity(bot, clock)
    start = first.ends_at + timedelta(minutes=20)  # check-in to it opens before the first ends
    second = await bot.services.activities.create(
        await bot.services.roles.actor(LEAD.id),
        Activity(
            0,
            "traffic",
            "中山路口劝导",
            "traffic",
            start,
            start + timedelta(hours=1),
            "中山路",
            5,
            "published",
            latitude=SITE[0],
            longitude=SITE[1],
        ),
    )
    await register(bot, ZHANG, "张三", "13800138000", ["traffic"])
    await register(bot, LUCY, "Lucy Li", "13900139000", ["traffic"])
    await bot.services.activities.sign_up(ZHANG.id, first.id)
    for activity in (first, second):
        await bot.services.activities.sign_up(LUCY.id, activity.id)

    # No /checkin: the live location alone is enough while exactly one activity is open.
    clock.advance(first.starts_at - clock.now())
    bot.api.send_location(ZHANG, *NEAR, live_period=3600)
    assert (await bot.reply(ZHANG)).text.startswith("✅ 已签到")

    # With two open, the person picks one; the choice is spent once used.
    clock.advance(first.ends_at - timedelta(minutes=5) - clock.now())
    bot.api.send_location(LUCY, *NEAR, live_period=3600)
    choice = await bot.reply(LUCY)
    assert button_data(choice) == [f"ci:p:{first.id}", f"ci:p:{second.id}"]
    done = await bot.tap(LUCY, choice, f"ci:p:{second.id}")
    assert done.text.startswith("✅ Checked in to “中山路口劝导”")
    await bot.answer_to_press(LUCY, choice, f"ci:p:{first.id}")
    sessions = await bot.services.checkin.open_sessions(LUCY.id)
    assert [checkin.activity_id for _, checkin in sessions] == [second.id]


SECOND_ADMIN = FakeUser(id=900_002, first_name="Second", language_code="zh-hans")


@pytest.fixture
async def two_admins(tmp_path: Path, api: FakeBotApi) -> AsyncIterator[Harness]:
    admins = {"admins": [ADMIN.id, SECOND_ADMIN.id]}
    async for harness in start_harness(tmp_path, api, clock=ManualClock(CLOCK_START), org=admins):
        yield harness


def _telling(reader: FakeUser, button: str) -> Callable[[Call], bool]:
    return lambda call: call.chat_id == reader.id and button in button_data(call)


async def test_issue12_item2_the_record_view_offers_only_what_its_reader_may_do(
    two_admins: Harness,
) -> None:
    """The admin who sent a record to review is offered no approval; another admin is."""
    bot = two_admins
    for admin in (ADMIN, SECOND_ADMIN):
        await bot.say(admin, "/start")  # notices go to people who have talked to the bot
    await register(bot, ZHANG, "张三", "13800138000", ["traffic"])
    zhang = await bot.services.registration.volunteer(ZHANG.id)
    assert zhang is not None
    held = await bot.services.records.add_manual(
        await bot.services.roles.actor(ADMIN.id),
        zhang.id,
        "traffic",
        CLOCK_START.date(),
        9 * 60,
        "植树",
        "纸质签到表补录",
    )
    assert held.state is RecordState.REVIEW
    opened = f"h:r:{held.id}"
    for reader, offered in (
        (ADMIN, [f"h:a:{held.id}"]),
        (SECOND_ADMIN, [f"h:v:{held.id}", f"h:a:{held.id}"]),
    ):
        told = await bot.api.wait_for(_telling(reader, opened))
        view = await bot.tap(reader, told, opened)
        assert button_data(view) == offered

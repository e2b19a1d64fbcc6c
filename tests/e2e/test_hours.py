"""Service hours over HTTP with an injected clock: a volunteer checks in on site (location, or
the lead's code and its QR deep link) and out; the attendance sheet reaches the lead, who marks
and approves; the hours show in /hours with the stars; a dispute is raised and resolved; the
certificate PDF arrives, in Chinese, and verifies. Forged buttons change nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pymupdf
import pytest

from bot.clock import ManualClock
from bot.domain.models import Activity
from tests.e2e.conftest import ADMIN, Harness, button_data, start_harness
from tests.e2e.test_broadcast import LEAD, seed
from tests.e2e.test_registration import LUCY, ZHANG, register
from tests.fake_bot_api import FakeBotApi

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
    assert ask.reply_markup["keyboard"][0][0]["request_location"] is True
    bot.api.send_location(ZHANG, *FAR)
    refused = await bot.reply(ZHANG)
    assert "米" in refused.text and "300" in refused.text
    bot.api.send_location(ZHANG, *NEAR)
    done = await bot.reply(ZHANG)
    assert done.text.startswith("✅ 已签到") and done.params["reply_markup"] == {
        "remove_keyboard": True
    }

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
    since = bot.api.mark()
    assert await bot.services.hours.make_sheets() == 1
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
    assert "0 到 120" in (await bot.say(LEAD, "500")).text
    assert "原因" in (await bot.say(LEAD, "1.5小时")).text
    assert "2–200" in (await bot.say(LEAD, " ")).text
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

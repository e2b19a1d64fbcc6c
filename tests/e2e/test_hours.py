"""Service hours over HTTP with an injected clock: a volunteer checks in on site (location, or
the lead's code and its QR deep link) and out; the attendance sheet reaches the lead, who marks
and approves; the hours show in /hours with the stars; a dispute is raised and resolved; the
certificate PDF arrives, in Chinese, and verifies. Forged buttons change nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pymupdf
import pytest

from bot.clock import ManualClock
from bot.domain.hours import RecordState, ServiceRecord
from bot.domain.models import Activity
from tests.e2e.helpers import (
    ADMIN,
    LEAD,
    LUCY,
    ZHANG,
    Harness,
    add_hours,
    button_data,
    en,
    enrol,
    first_with,
    id_in,
    manage_card,
    mentions,
    publish,
    read,
    says,
    seed_team,
    start_harness,
    zh,
)
from tests.fake_bot_api import Call, FakeBotApi, FakeUser

CLOCK_START = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)  # the `clock` fixture's start
SITE = (22.5650, 112.9690)
NEAR = (22.5655, 112.9692)
FAR = (22.5740, 112.9690)
TITLE = "人民路口文明交通劝导"


@pytest.fixture
def bot_settings() -> dict[str, Any]:
    return {"hours": {"star_hours": [1, 2]}}


def _at(clock: ManualClock, moment: datetime) -> None:
    clock.advance(moment - clock.now())


async def _signed_up(bot: Harness) -> Activity:
    """LEAD's activity tomorrow at SITE, five places; Zhang and Lucy confirmed for it."""
    await seed_team(bot, 0)
    activity = await publish(bot, TITLE, capacity=5, days=1, site=SITE, by=LEAD)
    await enrol(bot, ZHANG, "张三", "13800138000", ["traffic"])
    await enrol(bot, LUCY, "Lucy Li", "13900139000", ["traffic"])
    for person in (ZHANG, LUCY):
        await bot.services.signups.sign_up(person.id, activity.id)
    return activity


async def _served(bot: Harness, clock: ManualClock) -> Activity:
    """The activity served: Zhang checked in on site ten minutes before the start and out ten
    minutes before the end (1.83 h by the rule); Lucy checked in by the lead's code and never
    checked out. The sheet is made after the grace."""
    activity = await _signed_up(bot)
    _at(clock, activity.starts_at - timedelta(minutes=10))
    await bot.services.checkin.check_in_by_location(ZHANG.id, activity.id, *NEAR, live=True)
    lead = await bot.services.roles.actor(LEAD.id)
    _, code, _ = await bot.services.checkin.issue_code(lead, activity.id)
    await bot.services.checkin.check_in_by_code(LUCY.id, code)
    _at(clock, activity.ends_at - timedelta(minutes=10))
    await bot.services.checkin.check_out(ZHANG.id, activity.id)
    _at(clock, activity.ends_at + timedelta(minutes=35))
    assert await bot.services.attendance.make_sheets() == 1
    return activity


async def _record_of(bot: Harness, telegram_id: int) -> ServiceRecord:
    [record], _ = await bot.services.records.records(telegram_id, 0)
    return record


async def _approved(bot: Harness, clock: ManualClock) -> Activity:
    """The activity served and its sheet approved: Zhang 1.83 h, Lucy 1.5 h (adjusted)."""
    activity = await _served(bot, clock)
    lead = await bot.services.roles.actor(LEAD.id)
    lucy = await _record_of(bot, LUCY.id)
    await bot.services.records.adjust(lead, lucy.id, 90, "忘记签退，按现场记录")
    since = bot.api.mark()
    await bot.services.attendance.approve_sheet(lead, activity.id)
    for person in (ZHANG, LUCY):  # told, and past a star level: out before the test goes on
        await bot.told(person.id, since, "hours.credited", title=TITLE)
        await bot.told(person.id, since, "stars.congratulations", hours=1)
    return activity


async def _sheet(bot: Harness, since: int, activity: Activity) -> Call:
    """The sheet, opened from the notice that it is ready."""
    notice = await bot.told(LEAD.id, since, "attendance.sheet_ready", title=TITLE)
    assert button_data(notice) == [f"mg:a:{activity.id}"]
    return await bot.tap(LEAD, notice, f"mg:a:{activity.id}")


# ---------------------------------------------------------------- checking in and out


async def test_no_activity_is_open_for_check_in_before_its_time(timed_bot: Harness) -> None:
    bot = timed_bot
    await _signed_up(bot)
    assert says((await bot.say(ZHANG, "/checkin")).text, "checkin.none")


async def test_a_volunteer_checks_in_by_live_location_only_on_site(
    timed_bot: Harness, clock: ManualClock
) -> None:
    bot = timed_bot
    activity = await _signed_up(bot)
    _at(clock, activity.starts_at - timedelta(minutes=10))
    listing = await bot.say(ZHANG, "/checkin")
    assert mentions(listing.text, "checkin.line", title=TITLE)
    assert button_data(listing) == [f"ci:l:{activity.id}", "ci:c"]
    ask = await bot.tap(ZHANG, listing, f"ci:l:{activity.id}")
    assert ask.text == zh("checkin.ask_location")
    bot.api.send_location(ZHANG, *FAR, live_period=3600)
    assert says((await bot.reply(ZHANG)).text, "error.too_far", radius=300)
    assert await bot.count("checkins") == 0
    bot.api.send_location(ZHANG, *NEAR, live_period=3600)
    assert says((await bot.reply(ZHANG)).text, "checkin.done", title=TITLE)


async def test_the_lead_shows_a_check_in_code_as_a_qr_that_rotates_in_place(
    timed_bot: Harness, clock: ManualClock
) -> None:
    bot = timed_bot
    activity = await _signed_up(bot)
    _at(clock, activity.starts_at - timedelta(minutes=10))
    card = await manage_card(bot, activity)
    assert f"mg:k:{activity.id}" in button_data(card)
    photo = await bot.tap(LEAD, card, f"mg:k:{activity.id}")
    assert photo.method == "sendPhoto"
    [upload] = photo.files.values()
    assert upload.data.startswith(b"\x89PNG")
    code = read(photo.params["caption"], "attendance.code")["code"]
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
    fresh = read(rotated.response["result"]["caption"], "attendance.code")["code"]
    assert fresh != code and len(fresh) == 6
    assert rotated.params["message_id"] == photo.response["result"]["message_id"]
    _at(clock, activity.ends_at + timedelta(minutes=1))
    await rotation.run(bot.app)  # the activity has ended: the display stops rotating
    assert rotation.removed


async def test_a_code_checks_in_by_its_link_once_until_it_expires(
    timed_bot: Harness, clock: ManualClock
) -> None:
    bot = timed_bot
    activity = await _signed_up(bot)
    _at(clock, activity.starts_at - timedelta(minutes=10))
    lead = await bot.services.roles.actor(LEAD.id)
    _, code, _ = await bot.services.checkin.issue_code(lead, activity.id)
    clock.advance(timedelta(minutes=2))
    assert says((await bot.say(LUCY, f"/start ci_{code}")).text, "checkin.done", title=TITLE)
    again = await bot.say(LUCY, f"/start ci_{code}")
    assert says(again.text, "checkin.already", title=TITLE)  # one effect
    clock.advance(timedelta(minutes=4))
    assert (await bot.say(ZHANG, f"/start ci_{code}")).text == zh("error.code_expired")
    assert await bot.count("checkins") == 1


async def test_checking_out_counts_the_time_on_site_by_the_rule(
    timed_bot: Harness, clock: ManualClock
) -> None:
    bot = timed_bot
    activity = await _signed_up(bot)
    _at(clock, activity.starts_at - timedelta(minutes=10))
    await bot.services.checkin.check_in_by_location(ZHANG.id, activity.id, *NEAR, live=True)
    _at(clock, activity.ends_at - timedelta(minutes=10))
    out = await bot.say(ZHANG, "/checkout")
    assert says(out.text, "checkout.done", title=TITLE, hours="1.83")
    assert (await bot.say(ZHANG, "/checkout")).text == zh("checkout.none")


# ---------------------------------------------------------------- the attendance sheet


async def test_after_the_end_the_lead_gets_the_sheet_flagging_who_did_not_check_out(
    timed_bot: Harness, clock: ManualClock
) -> None:
    bot = timed_bot
    since = bot.api.mark()
    activity = await _served(bot, clock)
    sheet = await _sheet(bot, since, activity)
    assert mentions(sheet.text, "attendance.sheet_header", title=TITLE, count=2)
    assert "张三" in sheet.text and "Lucy Li" in sheet.text
    assert zh("record.flag_short.no_checkout") in sheet.text


async def test_volunteers_can_neither_see_nor_approve_the_sheet(
    timed_bot: Harness, clock: ManualClock
) -> None:
    bot = timed_bot
    activity = await _served(bot, clock)
    own = await bot.say(ZHANG, "/start")
    for forged in (f"mg:a:{activity.id}", f"mg:y:{activity.id}", f"mg:k:{activity.id}"):
        answer = await bot.answer_to_press(ZHANG, own, forged)
        assert answer.params["text"] == zh("error.not_team_lead")
    await bot.api.wait_idle()
    assert (await _record_of(bot, ZHANG.id)).state is RecordState.PENDING


async def test_the_lead_adjusts_a_line_with_a_reason_approves_and_volunteers_are_told(
    timed_bot: Harness, clock: ManualClock
) -> None:
    bot = timed_bot
    since = bot.api.mark()
    activity = await _served(bot, clock)
    sheet = await _sheet(bot, since, activity)
    lucy_row = first_with(sheet, "mg:s:")
    person = await bot.tap(LEAD, sheet, lucy_row)
    record_id = id_in(lucy_row)
    assert button_data(person) == [f"mg:m:p:{record_id}", f"mg:m:a:{record_id}", f"h:a:{record_id}"]
    ask_minutes = await bot.tap(LEAD, person, f"h:a:{record_id}")
    assert says(ask_minutes.text, "record.ask_minutes", title=TITLE, max="2")
    assert (await bot.say(LEAD, "500")).text == zh("error.invalid_minutes", max="2")
    assert (await bot.say(LEAD, "1.5小时")).text == zh("record.ask_reason")
    assert (await bot.say(LEAD, " ")).text == zh("error.invalid_reason", min=4)
    saved = await bot.say(LEAD, "忘记签退，按现场记录")
    assert saved.text == zh("record.saved", title=TITLE, hours="1.5")
    since = bot.api.mark()
    approved = await bot.tap(LEAD, sheet, f"mg:y:{activity.id}")
    assert says(approved.text, "attendance.approved", approved=2, no_shows=0)
    await bot.told(ZHANG.id, since, "hours.credited", title=TITLE, hours="1.83")
    await bot.told(ZHANG.id, since, "stars.congratulations", hours=1)
    assert (await _record_of(bot, LUCY.id)).minutes == 90


async def test_hours_show_the_years_total_and_how_far_the_next_star_is(
    timed_bot: Harness, clock: ManualClock
) -> None:
    bot = timed_bot
    await _approved(bot, clock)
    hours = await bot.say(ZHANG, "/hours")
    assert mentions(hours.text, "hours.summary", year="1.83")
    assert mentions(hours.text, "hours.stars", next=2, to_next="0.17")


async def test_a_dispute_is_resolved_by_the_lead_and_the_history_shows_every_step(
    timed_bot: Harness, clock: ManualClock
) -> None:
    bot = timed_bot
    await _approved(bot, clock)
    record_id = (await _record_of(bot, LUCY.id)).id
    records = await bot.tap(LUCY, await bot.say(LUCY, "/hours"), "h:o")
    record = await bot.tap(LUCY, records, f"h:r:{record_id}")
    assert button_data(record) == [f"h:d:{record_id}"]
    assert en("record.history") not in record.text  # the volunteer sees no audit trail
    ask = await bot.tap(LUCY, record, f"h:d:{record_id}")
    assert ask.text == en("record.ask_dispute", title=TITLE)
    since = bot.api.mark()
    filed = await bot.say(LUCY, "I stayed until the end, 2 hours")
    assert filed.text == en("record.disputed", title=TITLE)
    for forged in (f"h:a:{record_id}", f"h:x:{record_id}", f"mg:m:p:{record_id}"):
        answer = await bot.answer_to_press(LUCY, record, forged)
        assert answer.params["text"] == en("error.own_hours")
    told = await bot.told(LEAD.id, since, "dispute.opened", name="Lucy Li", title=TITLE)
    view = await bot.tap(LEAD, told, f"h:r:{record_id}")
    assert button_data(view) == [f"h:a:{record_id}", f"h:x:{record_id}"]
    assert zh("record.history") in view.text.split("\n")
    await bot.tap(LEAD, view, f"h:a:{record_id}")
    await bot.say(LEAD, "2小时")
    since = bot.api.mark()
    await bot.say(LEAD, "核实后按全程计算")
    await bot.told(LUCY.id, since, "dispute.adjusted", hours="2", reason="核实后按全程计算")
    # Her 2 h cross a star level: that notice follows (waited for, so that it cannot be taken
    # for the answer to a later command).
    await bot.told(LUCY.id, since, "stars.congratulations", hours=2)
    final = await bot.tap(LEAD, told, f"h:r:{record_id}")
    for action in ("created", "adjusted", "approved", "disputed", "resolved"):
        assert zh(f"audit.{action}") in final.text, action


async def test_the_certificate_is_a_pdf_in_chinese_that_anyone_can_verify(
    timed_bot: Harness, clock: ManualClock
) -> None:
    bot = timed_bot
    await _approved(bot, clock)
    since = bot.api.mark()
    bot.api.send_text(ZHANG, "/certificate")
    document = await bot.api.wait_for(lambda c: c.method == "sendDocument" and c.ok, since=since)
    [pdf] = document.files.values()
    text = "".join(page.get_text() for page in pymupdf.open(stream=pdf.data, filetype="pdf"))
    assert zh("certificate.title") in text and "张三" in text and TITLE in text
    shown = read(document.params["caption"].split("\n")[0], "certificate.caption")
    assert shown["hours"] == "1.83"
    verified = await bot.say(LUCY, f"/verify {shown['code']}")
    assert says(verified.text, "certificate.verified", holder="张三", hours="1.83", count=1)
    assert "张三" in (await bot.say(ADMIN, f"/start cert_{shown['code']}")).text
    assert (await bot.say(LUCY, "/verify ABCDEFGHJK")).text == en("error.unknown_certificate")


async def test_check_in_links_ask_strangers_to_register(timed_bot: Harness) -> None:
    stranger = FakeUser(id=777, first_name="S", language_code="en")
    answer = await timed_bot.say(stranger, "/start ci_ABCDEF")
    assert answer.text == en("error.not_registered")


async def test_the_certificate_of_someone_who_erased_their_data_still_verifies(
    timed_bot: Harness,
) -> None:
    bot = timed_bot
    await enrol(bot, ZHANG, "张三", "13800138000", ["traffic"])
    await add_hours(bot, ZHANG.id, 60, CLOCK_START.date())
    certificate = await bot.services.certificates.issue_certificate(ZHANG.id, {})
    await bot.services.registration.forget(ZHANG.id)
    verified = await bot.say(LUCY, f"/verify {certificate.code}")
    assert "张三" not in verified.text
    assert says(
        verified.text, "certificate.verified", holder=en("certificate.holder_erased"), hours="1"
    )


# ---------------------------------------------------------------- hours added and corrected


async def test_an_admin_adds_hours_with_checked_answers_and_the_volunteer_is_told(
    timed_bot: Harness,
) -> None:
    bot = timed_bot
    await enrol(bot, ZHANG, "张三", "13800138000", ["traffic"])
    await enrol(bot, LUCY, "Lucy Li", "13900139000", ["traffic"])
    assert (await bot.say(LUCY, "/add_hours")).text == en("error.not_admin")
    assert (await bot.say(ADMIN, "/add_hours")).text == zh("add_hours.ask_query")
    matches = await bot.say(ADMIN, "张三")
    [volunteer_button] = button_data(matches)
    teams = await bot.tap(ADMIN, matches, volunteer_button)
    assert button_data(teams) == ["ah:t:traffic"]
    assert (await bot.tap(ADMIN, teams, "ah:t:traffic")).text == zh("add_hours.ask_day")
    for bad_day in ("明年", "2026-11-28", "2026-02-30", "x" * 5000):
        assert (await bot.say(ADMIN, bad_day)).text == zh("error.invalid_date")
    assert (await bot.say(ADMIN, "11-20")).text == zh("add_hours.ask_hours")
    for bad_hours in ("-3", "25小时", "abc", "0"):
        assert says((await bot.say(ADMIN, bad_hours)).text, "error.invalid_minutes")
    noted = await bot.say(ADMIN, "2小时30分")
    assert noted.text == zh("add_hours.ask_title", amount="2小时30分钟")  # read back
    assert (await bot.say(ADMIN, "敬老院探访")).text == zh("add_hours.ask_reason")
    for meaningless in ("x", "....", "哈哈哈哈"):
        assert (await bot.say(ADMIN, meaningless)).text == zh("error.invalid_reason", min=4)
    check = await bot.say(ADMIN, "纸质签到表补录")
    assert says(
        check.text,
        "add_hours.confirm",
        name="张三",
        amount="2小时30分钟",
        title="敬老院探访",
        reason="纸质签到表补录",
    )
    assert button_data(check) == ["ah:ok", "ah:no"]
    assert await bot.count("service_records") == 0  # nothing saved before the confirmation
    since = bot.api.mark()
    done = await bot.tap(ADMIN, check, "ah:ok")
    assert says(done.text, "add_hours.done", title="敬老院探访", hours="2小时30分钟")
    await bot.told(ZHANG.id, since, "hours.added", title="敬老院探访", reason="纸质签到表补录")
    assert (await _record_of(bot, ZHANG.id)).minutes == 150


async def test_an_admin_corrects_any_record_with_a_reason_and_the_history_shows_it(
    timed_bot: Harness,
) -> None:
    bot = timed_bot
    await enrol(bot, ZHANG, "张三", "13800138000", ["traffic"])
    added = await add_hours(bot, ZHANG.id, 150, CLOCK_START.date() - timedelta(days=7))
    search = await bot.say(ADMIN, "/records 张三")
    listing = await bot.tap(ADMIN, search, button_data(search)[0])
    assert first_with(listing, "h:r:") == f"h:r:{added.id}"
    record = await bot.tap(ADMIN, listing, f"h:r:{added.id}")
    assert button_data(record) == [f"h:a:{added.id}"]
    await bot.tap(ADMIN, record, f"h:a:{added.id}")
    await bot.say(ADMIN, "2h")
    since = bot.api.mark()
    saved = await bot.say(ADMIN, "核对纸质记录为两小时")
    assert saved.text == zh("record.saved", title="路口劝导", hours="2")
    await bot.told(ZHANG.id, since, "hours.corrected", hours="2", reason="核对纸质记录为两小时")
    history = await bot.tap(ADMIN, listing, f"h:r:{added.id}")
    assert zh("audit.added") in history.text and zh("audit.adjusted") in history.text


async def test_volunteers_can_neither_search_nor_correct_records(timed_bot: Harness) -> None:
    bot = timed_bot
    await enrol(bot, ZHANG, "张三", "13800138000", ["traffic"])
    await enrol(bot, LUCY, "Lucy Li", "13900139000", ["traffic"])
    added = await add_hours(bot, ZHANG.id, 150, CLOCK_START.date())
    assert (await bot.say(LUCY, "/records 张三")).text == en("error.not_admin")
    forged = await bot.answer_to_press(LUCY, await bot.say(LUCY, "/start"), f"h:a:{added.id}")
    assert forged.params["text"] == en("error.unknown_record")
    assert (await _record_of(bot, ZHANG.id)).minutes == 150


async def test_item7_a_bare_number_in_add_hours_is_hours_and_is_read_back(
    timed_bot: Harness,
) -> None:
    bot = timed_bot
    await enrol(bot, ZHANG, "张三", "13800138000", ["traffic"])
    await bot.say(ADMIN, "/add_hours")
    matches = await bot.say(ADMIN, "张三")
    teams = await bot.tap(ADMIN, matches, button_data(matches)[0])
    await bot.tap(ADMIN, teams, "ah:t:traffic")
    await bot.say(ADMIN, "11-20")
    noted = await bot.say(ADMIN, "2")
    assert noted.text == zh("add_hours.ask_title", amount="2小时")
    await bot.say(ADMIN, "敬老院探访")
    check = await bot.say(ADMIN, "院方签到表补录")
    assert says(check.text, "add_hours.confirm", amount="2小时")
    done = await bot.tap(ADMIN, check, "ah:ok")
    assert says(done.text, "add_hours.done", hours="2小时")
    assert (await _record_of(bot, ZHANG.id)).minutes == 120


# ---------------------------------------------------------------- presence marked by hand


async def test_a_lead_marks_presence_by_hand_and_a_volunteer_cannot(
    timed_bot: Harness, clock: ManualClock
) -> None:
    bot = timed_bot
    activity = await _signed_up(bot)
    _at(clock, activity.starts_at + timedelta(minutes=15))
    card = await manage_card(bot, activity)
    presence = await bot.tap(LEAD, card, f"mg:h:{activity.id}")
    assert f"张三: {zh('attendance.absent_now')}" in presence.text
    toggle = first_with(presence, "mg:t:")
    forged = await bot.answer_to_press(ZHANG, await bot.say(ZHANG, "/start"), toggle)
    assert forged.params["text"] == zh("error.not_team_lead")
    marked = await bot.tap(LEAD, presence, toggle)
    assert marked.method == "editMessageText"
    assert mentions(marked.text, "attendance.method.lead")
    assert await bot.count("checkins") == 1


async def test_a_hand_marked_line_without_check_out_waits_for_the_leads_own_decision(
    timed_bot: Harness, clock: ManualClock
) -> None:
    bot = timed_bot
    activity = await _signed_up(bot)
    await bot.services.signups.cancel(LUCY.id, activity.id)
    _at(clock, activity.starts_at + timedelta(minutes=15))
    card = await manage_card(bot, activity)
    presence = await bot.tap(LEAD, card, f"mg:h:{activity.id}")
    await bot.tap(LEAD, presence, first_with(presence, "mg:t:"))
    _at(clock, activity.ends_at + timedelta(minutes=31))
    since = bot.api.mark()
    assert await bot.services.attendance.make_sheets() == 1
    await bot.told(LEAD.id, since, "attendance.sheet_ready")
    listing = await bot.say(LEAD, "/manage")
    assert button_data(listing) == [f"mg:o:{activity.id}"]  # ended, sheet to approve
    ended = await bot.tap(LEAD, listing, f"mg:o:{activity.id}")
    assert button_data(ended) == [f"mg:r:{activity.id}", f"mg:a:{activity.id}"]
    sheet = await bot.tap(LEAD, ended, f"mg:a:{activity.id}")
    # Marked by hand and never checked out: nothing proposed, and the bulk approval leaves it.
    assert zh("record.flag_short.manual") in sheet.text
    assert mentions(sheet.text, "attendance.line", name="张三", proposed="0")
    assert mentions(sheet.text, "attendance.flagged_note", count=1)
    held = await bot.tap(LEAD, sheet, f"mg:y:{activity.id}")
    assert mentions(held.text, "attendance.held", count=1)
    row = first_with(sheet, "mg:s:")
    person = await bot.tap(LEAD, sheet, row)
    assert person.buttons[0]["text"] == zh("button.present_until_end", hours="2")
    await bot.tap(LEAD, person, f"mg:m:p:{id_in(row)}")
    approved = await bot.tap(LEAD, sheet, f"mg:y:{activity.id}")
    assert says(approved.text, "attendance.approved", approved=1)
    assert (await bot.say(LEAD, "/manage")).text == zh("manage.none")  # nothing left to manage


# ---------------------------------------------------------------- locations


async def test_item4_a_point_from_the_map_picker_is_refused_and_a_live_location_counts(
    timed_bot: Harness, clock: ManualClock
) -> None:
    bot = timed_bot
    activity = await _signed_up(bot)
    _at(clock, activity.starts_at)
    listing = await bot.say(ZHANG, "/checkin")
    await bot.tap(ZHANG, listing, f"ci:l:{activity.id}")
    bot.api.send_location(ZHANG, *NEAR)  # any point can be picked on the map
    assert (await bot.reply(ZHANG)).text == zh("error.live_location_needed")
    # Nor through an inline bot, which can post any point as a live location.
    spoofer = FakeUser(id=424_242, first_name="AnyPlaceBot", is_bot=True, username="anyplacebot")
    bot.api.send_location(ZHANG, *NEAR, live_period=3600, via_bot=spoofer)
    assert (await bot.reply(ZHANG)).text == zh("checkin.not_forwarded")
    assert await bot.count("checkins") == 0
    sent = bot.api.send_location(ZHANG, *NEAR, live_period=3600)
    assert says((await bot.reply(ZHANG)).text, "checkin.done", title=TITLE)
    # The live location moves on site 40 minutes later; then the person leaves without
    # checking out: the sheet proposes up to that last sign of presence.
    clock.advance(timedelta(minutes=40))
    bot.api.move_live_location(ZHANG, sent, *SITE)
    await bot.say(ZHANG, "/hours")  # one chat's updates run in order: the move is handled
    _at(clock, activity.ends_at + timedelta(minutes=31))
    assert await bot.services.attendance.make_sheets() == 1
    record = await _record_of(bot, ZHANG.id)
    assert record.proposed_minutes == 40 and "no_checkout" in record.flags


async def _two_open_at_once(bot: Harness, clock: ManualClock) -> tuple[Activity, Activity]:
    """Two of Lucy's activities open for check-in at the same time (the second opens before
    the first ends); Zhang is signed up for the first only."""
    first = await _signed_up(bot)
    second = await publish(
        bot,
        "中山路口劝导",
        5,
        starts_at=first.ends_at + timedelta(minutes=20),
        hours=1,
        place="中山路",
        site=SITE,
        by=LEAD,
    )
    await bot.services.signups.sign_up(LUCY.id, second.id)
    return first, second


async def test_issue12_item9_a_live_location_alone_checks_in_to_the_one_open_activity(
    timed_bot: Harness, clock: ManualClock
) -> None:
    bot = timed_bot
    first, _ = await _two_open_at_once(bot, clock)
    _at(clock, first.starts_at)
    bot.api.send_location(ZHANG, *NEAR, live_period=3600)  # no /checkin
    assert says((await bot.reply(ZHANG)).text, "checkin.done", title=TITLE)


async def test_issue12_item9_with_several_open_the_person_picks_one_once(
    timed_bot: Harness, clock: ManualClock
) -> None:
    bot = timed_bot
    first, second = await _two_open_at_once(bot, clock)
    _at(clock, first.ends_at - timedelta(minutes=5))
    bot.api.send_location(LUCY, *NEAR, live_period=3600)
    choice = await bot.reply(LUCY)
    assert choice.text == en("checkin.pick")
    assert button_data(choice) == [f"ci:p:{first.id}", f"ci:p:{second.id}"]
    done = await bot.tap(LUCY, choice, f"ci:p:{second.id}")
    assert says(done.text, "checkin.done", title="中山路口劝导")
    await bot.answer_to_press(LUCY, choice, f"ci:p:{first.id}")  # the choice is spent
    sessions = await bot.services.checkin.open_sessions(LUCY.id)
    assert [checkin.activity_id for _, checkin in sessions] == [second.id]


# ---------------------------------------------------------------- restarts


async def test_item6_the_code_display_rotates_again_after_a_restart(
    tmp_path: Path, api: FakeBotApi
) -> None:
    clock = ManualClock(CLOCK_START)
    first = start_harness(tmp_path, api, clock=clock)
    bot = await anext(first)
    activity = await _signed_up(bot)
    name = f"check-in code display {LEAD.id}:{activity.id}"
    _at(clock, activity.starts_at)
    card = await manage_card(bot, activity)
    photo = await bot.tap(LEAD, card, f"mg:k:{activity.id}")
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
    assert len(read(edited.response["result"]["caption"], "attendance.code")["code"]) == 6
    assert bot.app.job_queue is not None and bot.app.job_queue.get_jobs_by_name(name)
    await second.aclose()

    # Once the activity is over, a restart leaves the message alone.
    _at(clock, activity.ends_at)
    since = api.mark()
    third = start_harness(tmp_path, api, clock=clock)
    bot = await anext(third)
    await bot.say(LEAD, "/help")
    assert not [c for c in api.calls[since:] if c.method == "editMessageMedia"]
    assert await bot.count("code_displays") == 0
    await third.aclose()


# ---------------------------------------------------------------- what a reader may do

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
    await enrol(bot, ZHANG, "张三", "13800138000", ["traffic"])
    held = await add_hours(bot, ZHANG.id, 9 * 60, CLOCK_START.date())
    assert held.state is RecordState.REVIEW
    opened = f"h:r:{held.id}"
    for reader, offered in (
        (ADMIN, [f"h:a:{held.id}"]),
        (SECOND_ADMIN, [f"h:v:{held.id}", f"h:a:{held.id}"]),
    ):
        told = await bot.api.wait_for(_telling(reader, opened))
        view = await bot.tap(reader, told, opened)
        assert button_data(view) == offered

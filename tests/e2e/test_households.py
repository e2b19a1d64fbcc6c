"""Household pairing (千名义工助千户) over HTTP, as people would use it: households imported with
`volunteer-bot import-households`, a lead pairs a volunteer, the volunteer logs a visit from a
live location with a photo, the lead approves it and the household drops off the due list;
a lead registers a household step by step; /coverage with its chart. No message a volunteer
gets ever holds a household's private contact note. Forged buttons change nothing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.clock import ManualClock
from bot.domain.hours import RecordState
from tests.e2e.helpers import (
    LEAD,
    LUCY,
    ZHANG,
    Harness,
    appoint_lead,
    button_data,
    cli_env,
    enrol,
    first_with,
    mentions,
    run_cli,
    says,
)
from tests.fake_bot_api import Call, FakeUser

PIN = (22.5650, 112.9690)
NEAR = (22.5655, 112.9692)
FAR = (22.5740, 112.9690)
NOTE = "王阿婆独居 儿子王建国电话13700001234"
NOTE_PARTS = ("王阿婆", "王建国", "13700001234")


async def _people(bot: Harness) -> None:
    """LEAD leads traffic; ZHANG (Chinese) and LUCY (English) are traffic volunteers."""
    await appoint_lead(bot, LEAD, "traffic", "张队长", "13900000300")
    for user, name, phone in ((ZHANG, "张三", "13800000101"), (LUCY, "露西", "13800000102")):
        await enrol(bot, user, name, phone, ["traffic"])
        await bot.services.accounts.seen(user.id, user.language_code)


async def _import(bot: Harness, tmp_path: Path, rows: str) -> tuple[int, str, str]:
    table = tmp_path / "households.csv"
    table.write_text(
        "code,team,community,needs,cadence_days,latitude,longitude,radius_m,contact_note\n" + rows,
        encoding="utf-8",
    )
    env = cli_env(VOLUNTEER_BOT__STORAGE__PATH=str(bot.config.storage.path))
    return await run_cli("import-households", str(table), env=env, cwd=tmp_path)


async def _pair(bot: Harness, code: str, user: FakeUser) -> int:
    """`user` paired with the household by the lead, once told; the household's id."""
    lead = await bot.services.roles.actor(LEAD.id)
    households = (await bot.services.households.page(lead, 0)).households
    household = next(h for h in households if h.code == code)
    volunteer = await bot.services.registration.volunteer(user.id)
    assert volunteer is not None
    since = bot.api.mark()
    await bot.services.households.pair(lead, household.id, volunteer.id)
    await bot.told(user.id, since, "households.paired", code=code)
    return household.id


def _leaks(calls: list[Call]) -> list[str]:
    """Texts and captions of these messages that hold a part of the private note."""
    return [
        call.text or "" for call in calls if any(part in (call.text or "") for part in NOTE_PARTS)
    ]


async def test_a_household_is_imported_paired_visited_approved_and_drops_off_the_due_list(
    timed_bot: Harness, clock: ManualClock, tmp_path: Path
) -> None:
    bot = timed_bot
    await _people(bot)
    code, out, err = await _import(
        bot,
        tmp_path,
        f"SP-017,traffic,沙坪街道中东社区,elderly_alone;poverty,30,{PIN[0]},{PIN[1]},200,{NOTE}\n"
        "SP-018,traffic,龙口村,disability,60,,,,\n",
    )
    assert code == 0, err
    assert "imported 2 new household(s)" in out
    clock.advance(timedelta(days=45))  # SP-017 is now due, SP-018 not yet

    # The lead sees the due household first, opens it (with its note) and pairs ZHANG.
    listing = await bot.say(LEAD, "/households")
    assert mentions(listing.text, "households.list_line", code="SP-017")
    assert listing.text.index("SP-017") < listing.text.index("SP-018")
    assert "⏰" in listing.text.split("\n")[1]
    opened = await bot.tap(LEAD, listing, first_with(listing, "hh:o:"))
    assert NOTE in (opened.text or "") and "SP-017" in (opened.text or "")
    await bot.tap(LEAD, opened, first_with(opened, "hh:pr:"))
    choices = await bot.say(LEAD, "张")
    since = bot.api.mark()
    await bot.tap(LEAD, choices, first_with(choices, "hh:pv:"))
    paired = await bot.told(ZHANG.id, since, "households.paired", code="SP-017")
    assert button_data(paired) == ["hh:m"]

    # ZHANG logs a visit: live location near the pin, 1.5 h, what was done, a photo.
    mine = await bot.tap(ZHANG, paired, "hh:m")
    assert mentions(mine.text, "households.mine_line", code="SP-017", community="沙坪街道中东社区")
    ask = await bot.tap(ZHANG, mine, first_with(mine, "hh:v:"))
    assert says(ask.text, "visit.ask_location", code="SP-017", radius=200)
    bot.api.send_location(ZHANG, *NEAR, live_period=900)
    located = await bot.reply(ZHANG)
    assert mentions(located.text, "visit.located") and mentions(located.text, "visit.ask_minutes")
    done = await bot.say(ZHANG, "1.5")
    assert says(done.text, "visit.ask_done")
    ticked = await bot.toggle(ZHANG, done, "hh:vd:elderly_alone")
    assert "✅" in str(ticked.reply_markup)
    assert says((await bot.say(ZHANG, "打扫卫生，陪阿婆聊天")).text, "visit.ask_photo")
    since = bot.api.mark()
    bot.api.send_photo(ZHANG, b"\xff\xd8 a photo of the visit")
    saved = await bot.reply(ZHANG)
    assert says(saved.text, "visit.saved", hours="1.5")
    notice = await bot.told(LEAD.id, since, "visit.logged", name="张三", code="SP-017")

    # The lead opens the visit (its photo with the details) and approves it.
    shown = await bot.tap(LEAD, notice, first_with(notice, "hh:va:"))
    assert shown.method == "sendPhoto" and "打扫卫生" in (shown.text or "")
    since = bot.api.mark()
    approved = await bot.tap(LEAD, shown, first_with(shown, "hh:vy:"))
    assert says(approved.text, "visit.approved")
    await bot.told(ZHANG.id, since, "hours.credited")
    [record] = (await bot.services.records.records(ZHANG.id, 0))[0]
    assert (record.source, record.state, record.minutes) == ("visit", RecordState.APPROVED, 90)

    # It is off the due list; /coverage counts it.
    listing = await bot.say(LEAD, "/households")
    assert "⏰" not in listing.text
    assert mentions(listing.text, "households.list_line", code="SP-017", mark="🏠")
    coverage = await bot.say(LEAD, "/coverage")
    assert mentions(coverage.text, "coverage.line", households=2, visited=1, due=0)
    chart = await bot.reply(LEAD)
    assert chart.method == "sendPhoto"

    # Nothing a volunteer received holds the private note.
    await bot.api.wait_idle()
    assert _leaks(bot.api.sent_messages(ZHANG.id) + bot.api.sent_messages(LUCY.id)) == []


async def test_a_visit_takes_only_a_live_location_the_volunteers_own_device_shared_near_the_pin(
    bot: Harness, tmp_path: Path
) -> None:
    await _people(bot)
    code, _, err = await _import(bot, tmp_path, f"SP-019,traffic,龙口村,,,{PIN[0]},{PIN[1]},200,\n")
    assert code == 0, err
    await _pair(bot, "SP-019", ZHANG)
    mine = await bot.say(ZHANG, "/households")
    await bot.tap(ZHANG, mine, first_with(mine, "hh:v:"))
    # Through an inline bot any point can be posted as a live location.
    spoofer = FakeUser(id=424_242, first_name="AnyPlaceBot", is_bot=True, username="anyplacebot")
    bot.api.send_location(ZHANG, *NEAR, live_period=900, via_bot=spoofer)
    assert says((await bot.reply(ZHANG)).text, "checkin.not_forwarded")
    bot.api.send_location(ZHANG, *NEAR)  # a point picked on the map
    assert says((await bot.reply(ZHANG)).text, "error.visit_live_location_needed")
    bot.api.send_location(ZHANG, *FAR, live_period=900)
    assert mentions((await bot.reply(ZHANG)).text, "error.visit_too_far", radius=200)
    bot.api.send_location(ZHANG, *NEAR, live_period=900)
    assert mentions((await bot.reply(ZHANG)).text, "visit.ask_minutes")


async def test_a_bad_import_names_its_lines_and_imports_nothing(
    bot: Harness, tmp_path: Path
) -> None:
    code, _, err = await _import(
        bot,
        tmp_path,
        "SP-1,traffic,沙坪,flying,,,,,\nSP-2,nowhere,沙坪,,,,,,\nSP-3,traffic,沙坪,,,,,,\n",
    )
    assert code == 1 and "line 2:" in err and "line 3:" in err and "line 4:" not in err
    assert "nothing imported" in err
    assert await bot.count("households") == 0


async def test_a_lead_registers_a_household_step_by_step(bot: Harness) -> None:
    await _people(bot)
    listing = await bot.say(LEAD, "/households")
    assert mentions(listing.text, "households.list_empty")
    ask_code = await bot.tap(LEAD, listing, "hh:new")
    assert says(ask_code.text, "households.ask_code")
    assert mentions((await bot.say(LEAD, "王家 一号")).text, "error.invalid_household_code")
    assert says((await bot.say(LEAD, "sp-021")).text, "households.ask_community")
    assert mentions((await bot.say(LEAD, "x" * 5000)).text, "error.invalid_community")
    needs = await bot.say(LEAD, "沙坪街道中东社区")
    assert says(needs.text, "households.ask_needs")
    await bot.toggle(LEAD, needs, "hh:nd:left_behind_children")
    cadence = await bot.tap(LEAD, needs, "hh:nx")
    assert says(cadence.text, "households.ask_cadence", days=30)
    assert mentions((await bot.say(LEAD, "0")).text, "error.invalid_cadence")
    pin = await bot.say(LEAD, "14天")
    assert says(pin.text, "households.ask_pin")
    note = await bot.tap(LEAD, pin, "hh:nx")  # no pin
    assert says(note.text, "households.ask_note")
    confirm = await bot.say(LEAD, NOTE)
    assert "SP-021" in (confirm.text or "") and NOTE in (confirm.text or "")
    await bot.tap(LEAD, confirm, "hh:ok:y")
    [household] = (
        await bot.services.households.page(await bot.services.roles.actor(LEAD.id), 0)
    ).households
    assert (household.code, household.cadence_days, household.needs, household.has_pin) == (
        "SP-021",
        14,
        ("left_behind_children",),
        False,
    )


async def test_a_visit_to_an_unpinned_household_is_confirmed_by_the_lead_and_can_be_refused(
    bot: Harness, tmp_path: Path
) -> None:
    await _people(bot)
    code, _, err = await _import(bot, tmp_path, f"SP-030,traffic,龙口村,,,,,,{NOTE}\n")
    assert code == 0, err
    await _pair(bot, "SP-030", ZHANG)
    mine = await bot.say(ZHANG, "/households")
    minutes = await bot.tap(ZHANG, mine, first_with(mine, "hh:v:"))
    assert mentions(minutes.text, "visit.no_pin", code="SP-030")
    assert mentions((await bot.say(ZHANG, "-3")).text, "error.invalid_minutes")
    done = await bot.say(ZHANG, "90m")
    photo = await bot.tap(ZHANG, done, "hh:vn")
    since = bot.api.mark()
    saved = await bot.tap(ZHANG, photo, "hh:vn")
    assert says(saved.text, "visit.saved_unlocated")
    notice = await bot.told(LEAD.id, since, "visit.logged_unlocated", code="SP-030")
    listing = await bot.say(LEAD, "/households")
    waiting = await bot.tap(LEAD, listing, "hh:vq")
    assert mentions(waiting.text, "visit.pending_line", code="SP-030")
    assert "hh:vall" not in button_data(waiting), "no located visit to approve at once"
    shown = await bot.tap(LEAD, notice, first_with(notice, "hh:va:"))
    ask = await bot.tap(LEAD, shown, first_with(shown, "hh:vx:"))
    assert says(ask.text, "visit.ask_reject_reason")
    since = bot.api.mark()
    assert says((await bot.say(LEAD, "当天该户无人在家")).text, "visit.rejected_done")
    await bot.told(ZHANG.id, since, "visit.rejected", reason="当天该户无人在家")
    [record] = (await bot.services.records.records(ZHANG.id, 0))[0]
    assert record.state is RecordState.NO_SHOW
    await bot.api.wait_idle()
    assert _leaks(bot.api.sent_messages(ZHANG.id)) == []


async def test_forged_presses_by_a_volunteer_change_nothing(bot: Harness, tmp_path: Path) -> None:
    await _people(bot)
    code, _, err = await _import(bot, tmp_path, f"SP-040,traffic,龙口村,,,,,,{NOTE}\n")
    assert code == 0, err
    household_id = await _pair(bot, "SP-040", ZHANG)
    lead = await bot.services.roles.actor(LEAD.id)
    lucy = await bot.services.registration.volunteer(LUCY.id)
    zhang = await bot.services.registration.volunteer(ZHANG.id)
    assert lucy is not None and zhang is not None
    record = await bot.services.visits.log(ZHANG.id, household_id, 60, [], "", None, None)
    mine = await bot.say(LUCY, "/households")
    assert says(mine.text, "households.mine_none")
    for data in (
        "hh:l:0",
        f"hh:o:{household_id}",
        f"hh:pv:{household_id}:{lucy.id}",
        f"hh:up:{household_id}:{zhang.id}",
        f"hh:pin:{household_id}",
        f"hh:v:{household_id}",
        f"hh:va:{record.id}",
        f"hh:vy:{record.id}",
        f"hh:vx:{record.id}",
        "hh:vall",
        "hh:vq",
        "hh:new",
        "cv:t:1",
    ):
        answer = await bot.answer_to_press(LUCY, mine, data)
        assert answer.params.get("text"), data
    await bot.api.wait_idle()
    assert _leaks(bot.api.sent_messages(LUCY.id)) == []
    found = await bot.services.households.household_file(lead, household_id)
    assert [p.volunteer_id for p in found.pairings] == [zhang.id]
    [still] = (await bot.services.records.records(ZHANG.id, 0))[0]
    assert still.state is RecordState.PENDING
    refused = await bot.say(LUCY, "/coverage")
    assert says(refused.text, "error.not_lead_or_admin")


async def test_a_lead_sets_a_households_pin_and_removes_it(bot: Harness, tmp_path: Path) -> None:
    await _people(bot)
    code, _, err = await _import(bot, tmp_path, "SP-050,traffic,龙口村,,,,,,\n")
    assert code == 0, err
    listing = await bot.say(LEAD, "/households")
    opened = await bot.tap(LEAD, listing, first_with(listing, "hh:o:"))
    assert mentions(opened.text, "households.pin_none")
    ask = await bot.tap(LEAD, opened, first_with(opened, "hh:pin:"))
    assert says(ask.text, "households.ask_pin_change", code="SP-050")
    bot.api.send_location(LEAD, *PIN)
    radius = await bot.reply(LEAD)
    assert says(radius.text, "households.ask_radius")
    assert mentions((await bot.say(LEAD, "5米")).text, "error.invalid_radius")
    assert says((await bot.say(LEAD, "150米")).text, "households.pin_saved", code="SP-050")
    lead = await bot.services.roles.actor(LEAD.id)
    [household] = (await bot.services.households.page(lead, 0)).households
    assert (household.has_pin, household.radius_m) == (True, 150)
    shown = await bot.reply(LEAD)
    ask = await bot.tap(LEAD, shown, first_with(shown, "hh:pin:"))
    removed = await bot.tap(LEAD, ask, "hh:nx")
    assert says(removed.text, "households.pin_removed", code="SP-050")
    [household] = (await bot.services.households.page(lead, 0)).households
    assert not household.has_pin


async def test_a_lead_corrects_a_households_details_and_a_volunteer_cannot(
    bot: Harness, tmp_path: Path
) -> None:
    await _people(bot)
    code, _, err = await _import(bot, tmp_path, f"SP-060,traffic,龙口村,disability,30,,,,{NOTE}\n")
    assert code == 0, err
    household_id = await _pair(bot, "SP-060", ZHANG)
    listing = await bot.say(LEAD, "/households")
    opened = await bot.tap(LEAD, listing, first_with(listing, "hh:o:"))

    ask = await bot.tap(LEAD, opened, f"hh:ed:{household_id}:note")
    assert mentions(ask.text, "households.edit_note", code="SP-060", now=NOTE)
    assert mentions((await bot.say(LEAD, "x" * 5000)).text, "error.invalid_household_note")
    new_note = "王阿婆已搬到女儿家 龙口村5栋 电话13700005678"
    assert says((await bot.say(LEAD, new_note)).text, "households.edited", code="SP-060")
    shown = await bot.reply(LEAD)
    assert new_note in (shown.text or "") and NOTE not in (shown.text or "")

    ask = await bot.tap(LEAD, shown, f"hh:ed:{household_id}:cadence")
    assert mentions(ask.text, "households.edit_cadence", days=30)
    assert mentions((await bot.say(LEAD, "0")).text, "error.invalid_cadence")
    await bot.say(LEAD, "14天")
    shown = await bot.reply(LEAD)

    ask = await bot.tap(LEAD, shown, f"hh:ed:{household_id}:needs")
    await bot.toggle(LEAD, ask, "hh:en:poverty")
    await bot.toggle(LEAD, ask, "hh:en:disability")
    assert says((await bot.tap(LEAD, ask, "hh:eo")).text, "households.edited", code="SP-060")

    # A volunteer's forged presses are refused; nothing they see holds either note.
    mine = await bot.say(ZHANG, "/households")
    for forged in (f"hh:ed:{household_id}:note", f"hh:ed:{household_id}:community"):
        answer = await bot.answer_to_press(ZHANG, mine, forged)
        assert says(answer.params.get("text"), "error.not_team_lead"), forged
    assert await bot.services.dialogues.current(ZHANG.id) is None, "no correction begun"
    lead = await bot.services.roles.actor(LEAD.id)
    found = await bot.services.households.household_file(lead, household_id)
    assert (found.household.cadence_days, found.household.needs) == (14, ("poverty",))
    assert found.contact_note == new_note
    await bot.api.wait_idle()
    texts = [call.text or "" for call in bot.api.sent_messages(ZHANG.id)]
    assert [text for text in texts if "王阿婆" in text or "13700005678" in text] == []


async def test_a_visit_whose_photo_telegram_refuses_opens_as_text(
    bot: Harness, tmp_path: Path
) -> None:
    await _people(bot)
    code, _, err = await _import(bot, tmp_path, "SP-070,traffic,龙口村,,,,,,\n")
    assert code == 0, err
    household_id = await _pair(bot, "SP-070", ZHANG)
    since = bot.api.mark()
    record = await bot.services.visits.log(
        ZHANG.id, household_id, 60, [], "陪老人聊天", "AgACgone", None
    )
    notice = await bot.told(LEAD.id, since, "visit.logged_unlocated", code="SP-070")
    bot.api.inject("sendPhoto", "bad_request", description="Bad Request: wrong file identifier")
    shown = await bot.tap(LEAD, notice, f"hh:va:{record.id}")
    assert shown.method == "sendMessage" and mentions(shown.text, "visit.view", code="SP-070")
    assert f"hh:vy:{record.id}" in button_data(shown)

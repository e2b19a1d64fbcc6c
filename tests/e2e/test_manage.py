"""/manage over HTTP: a lead sees the roster with phone numbers and cancels an activity with a
reason; volunteers and leads of other teams see nothing, forged buttons included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.models import Activity
from tests.e2e.helpers import (
    LEAD,
    LUCY,
    ZHANG,
    Harness,
    appoint_lead,
    button_data,
    en,
    enrol,
    manage_card,
    member,
    publish,
    says,
    seed_team,
    zh,
)
from tests.fake_bot_api import FakeUser

TITLE = "人民路口文明交通劝导"
OTHER_LEAD = FakeUser(id=5, first_name="W", language_code="zh-hans")


async def _two_signed_up(bot: Harness) -> Activity:
    """LEAD's activity of one place: Zhang has it, Lucy waits for it."""
    await seed_team(bot, 0)
    activity = await publish(bot, capacity=1)
    await enrol(bot, ZHANG, "张三", "13800138000", ["traffic"])
    await enrol(bot, LUCY, "Lucy Li", "13900139000", ["traffic"])
    await bot.services.signups.sign_up(ZHANG.id, activity.id)
    await bot.services.signups.sign_up(LUCY.id, activity.id)
    return activity


async def _planned_reminders(bot: Harness) -> list[str]:
    async with bot.db.reader.execute(
        "SELECT due_at FROM reminders WHERE state = 'planned' ORDER BY due_at"
    ) as cursor:
        return [row[0] for row in await cursor.fetchall()]


async def test_a_lead_opens_their_activity_with_its_actions(bot: Harness) -> None:
    activity = await _two_signed_up(bot)
    listing = await bot.say(LEAD, "/manage")
    assert listing.text == zh("manage.choose")
    assert button_data(listing) == [f"mg:o:{activity.id}"]
    opened = await bot.tap(LEAD, listing, f"mg:o:{activity.id}")
    assert button_data(opened) == [
        f"mg:r:{activity.id}",
        f"mg:k:{activity.id}",
        f"mg:h:{activity.id}",
        f"mg:e:time:{activity.id}",
        f"mg:e:place:{activity.id}",
        f"mg:e:capacity:{activity.id}",
        f"mg:x:{activity.id}",
    ]


async def test_the_roster_shows_who_is_confirmed_and_who_waits_with_their_phones(
    bot: Harness,
) -> None:
    activity = await _two_signed_up(bot)
    roster = await bot.tap(LEAD, await manage_card(bot, activity), f"mg:r:{activity.id}")
    assert roster.text.split("\n") == [
        zh("manage.roster", title=TITLE),
        zh("manage.confirmed", confirmed=1),
        zh("manage.person", n=1, name="张三", phone="+8613800138000"),
        zh("manage.waitlist", waiting=1),
        zh("manage.person", n=1, name="Lucy Li", phone="+8613900139000"),
    ]


async def test_a_lead_cancels_with_a_reason_and_everyone_is_told(bot: Harness) -> None:
    activity = await _two_signed_up(bot)
    ask = await bot.tap(LEAD, await manage_card(bot, activity), f"mg:x:{activity.id}")
    assert ask.text == zh("manage.ask_reason", title=TITLE)
    assert says((await bot.say(LEAD, "x" * 5000)).text, "error.invalid_description")
    since = bot.api.mark()
    done = await bot.say(LEAD, "因台风预警取消")
    assert done.text == zh("manage.cancelled", title=TITLE, count=2)
    for person in (ZHANG, LUCY):
        await bot.told(person.id, since, "activity.cancelled_notice", reason="因台风预警取消")
    assert await _planned_reminders(bot) == []
    card = await bot.say(ZHANG, f"/start act_{activity.id}")
    assert zh("activity.status.cancelled") in card.text.split("\n")
    assert button_data(card) == []


async def test_volunteers_and_other_teams_leads_see_no_roster(bot: Harness) -> None:
    await seed_team(bot, 0)
    activity = await publish(bot)
    await enrol(bot, LUCY, "Lucy Li", "13900139000", ["traffic"])
    assert (await bot.say(LUCY, "/manage")).text == en("error.not_lead_or_admin")
    await appoint_lead(bot, OTHER_LEAD, "blood", "王队长", "13700000005")
    assert (await bot.say(OTHER_LEAD, "/manage")).text == zh("manage.none")
    since = bot.api.mark()
    for person in (LUCY, OTHER_LEAD):
        own = await bot.say(person, "/start")
        for forged in [
            f"mg:r:{activity.id}",
            f"mg:o:{activity.id}",
            f"mg:x:{activity.id}",
            f"mg:e:capacity:{activity.id}",
        ]:
            answer = await bot.answer_to_press(person, own, forged)
            assert says(answer.params["text"], "error.not_team_lead")
    await bot.api.wait_idle()
    assert not [c for c in bot.api.calls[since:] if "+86" in (c.text or "")], "no phone shown"
    assert (await bot.services.activities.get(activity.id)).state == "published"


async def test_more_places_move_the_waitlisted_up_and_fewer_than_confirmed_are_refused(
    bot: Harness,
) -> None:
    activity = await _two_signed_up(bot)
    opened = await manage_card(bot, activity)
    ask = await bot.tap(LEAD, opened, f"mg:e:capacity:{activity.id}")
    assert ask.text == zh("manage.ask_capacity", capacity=1)
    for bad in ["0", "-1", "x" * 5000, "😀", "5001"]:
        assert (await bot.say(LEAD, bad)).text == zh("error.invalid_capacity")
    since = bot.api.mark()
    saved = await bot.say(LEAD, "2")
    assert saved.text == zh("manage.capacity_saved", promoted=1)
    await bot.told(LUCY.id, since, "signup.promoted", title=TITLE)
    await bot.tap(LEAD, opened, f"mg:e:capacity:{activity.id}")
    refused = await bot.say(LEAD, "1")
    assert refused.text == zh("error.capacity_below_confirmed", count=2)
    assert (await bot.services.activities.get(activity.id)).capacity == 2


async def test_a_new_place_is_told_to_those_signed_up(bot: Harness) -> None:
    activity = await _two_signed_up(bot)
    ask = await bot.tap(LEAD, await manage_card(bot, activity), f"mg:e:place:{activity.id}")
    assert ask.text == zh("manage.ask_place")
    since = bot.api.mark()
    assert (await bot.say(LEAD, "中山路口")).text == zh("manage.changed", count=2)
    await bot.told(ZHANG.id, since, "activity.changed_notice", title=TITLE, place="中山路口")
    assert (await bot.services.activities.get(activity.id)).place == "中山路口"


async def test_a_new_time_is_checked_saved_and_its_reminders_planned_again(bot: Harness) -> None:
    activity = await _two_signed_up(bot)
    ask = await bot.tap(LEAD, await manage_card(bot, activity), f"mg:e:time:{activity.id}")
    assert ask.text == zh("manage.ask_start")
    assert says((await bot.say(LEAD, "2020-01-01 09:00")).text, "error.when_in_past")
    # Some day within the year ahead (the e2e bot runs on the system clock).
    day = (datetime.now(UTC) + timedelta(days=100)).date().isoformat()
    assert says((await bot.say(LEAD, f"{day} 09:00")).text, "manage.ask_end")
    assert says((await bot.say(LEAD, f"{day} 08:00")).text, "error.end_not_after_start")
    assert (await bot.say(LEAD, f"{day} 11:00")).text == zh("manage.changed", count=2)
    moved = await bot.services.activities.get(activity.id)
    start = datetime.fromisoformat(f"{day}T01:00:00+00:00")
    assert (moved.starts_at, moved.ends_at) == (start, start + timedelta(hours=2))
    assert await _planned_reminders(bot) == [
        (start - timedelta(hours=24)).isoformat(),
        (start - timedelta(hours=2)).isoformat(),
    ], "the confirmed one's reminders move with it; the waitlisted has none"


async def test_a_long_roster_is_paged_in_one_message(bot: Harness) -> None:
    """Issue 12, item 11: 45 confirmed and 5 waiting come 40 to a page, each part under its
    heading; the page buttons turn the same message; others cannot turn it."""
    members = await seed_team(bot, 50)
    activity = await publish(bot, capacity=45)
    for telegram_id in members:
        await bot.services.signups.sign_up(telegram_id, activity.id)
    first = await bot.tap(LEAD, await manage_card(bot, activity), f"mg:r:{activity.id}")
    lines = first.text.split("\n")
    assert lines[:2] == [
        zh("manage.roster", title=activity.title),
        zh("manage.confirmed", confirmed=45),
    ]
    assert len(lines) == 2 + 40 + 1 and lines[-1] == zh("page.indicator", page=1, pages=2)
    assert lines[2].startswith("1. 张三 ") and lines[41].startswith("40. 张三 ")
    assert button_data(first) == [f"mg:r:{activity.id}:1"]
    second = await bot.tap(LEAD, first, f"mg:r:{activity.id}:1")
    lines = second.text.split("\n")
    assert lines[1] == zh("manage.confirmed", confirmed=45) and lines[2].startswith("41. ")
    assert lines[7] == zh("manage.waitlist", waiting=5) and lines[8].startswith("1. 张三 ")
    assert len(lines) == 2 + 5 + 1 + 5 + 1 and lines[-1] == zh("page.indicator", page=2, pages=2)
    assert second.method == "editMessageText" and button_data(second) == [f"mg:r:{activity.id}:0"]
    for forged in (f"mg:r:{activity.id}:x", "mg:r:x:1", f"mg:r:{activity.id}:-1"):
        answer = await bot.answer_to_press(LEAD, first, forged)
        assert answer.params["text"] == zh("button.expired")
    volunteer = member(members[0])
    own = await bot.say(volunteer, "/start")
    since = bot.api.mark()
    refused = await bot.answer_to_press(volunteer, own, f"mg:r:{activity.id}:1")
    assert refused.params["text"] == en("error.not_team_lead")
    await bot.api.wait_idle()
    assert not [c for c in bot.api.calls[since:] if "+86" in (c.text or "")], "no phone shown"


async def test_a_short_roster_is_one_page_without_buttons(bot: Harness) -> None:
    await seed_team(bot, 0)
    activity = await publish(bot)
    roster = await bot.tap(LEAD, await manage_card(bot, activity), f"mg:r:{activity.id}")
    assert roster.text.split("\n") == [
        zh("manage.roster", title=activity.title),
        zh("manage.confirmed", confirmed=0),
        zh("manage.waitlist", waiting=0),
    ]
    assert button_data(roster) == []

"""/manage over HTTP: a lead sees the roster with phone numbers and cancels an activity with a
reason; volunteers and leads of other teams see nothing, forged buttons included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.e2e.conftest import ADMIN, Harness, button_data
from tests.e2e.test_activities import publish
from tests.e2e.test_broadcast import LEAD, seed
from tests.e2e.test_registration import LUCY, ZHANG, register


async def test_a_lead_sees_the_roster_and_cancels_with_a_reason_everyone_is_told(
    bot: Harness,
) -> None:
    await seed(bot, 0)
    activity = await publish(bot, capacity=1)
    await register(bot, ZHANG, "张三", "13800138000", ["traffic"])
    await register(bot, LUCY, "Lucy Li", "13900139000", ["traffic"])
    await bot.services.activities.sign_up(ZHANG.id, activity.id)
    await bot.services.activities.sign_up(LUCY.id, activity.id)
    listing = await bot.say(LEAD, "/manage")
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
    roster = await bot.tap(LEAD, opened, f"mg:r:{activity.id}")
    assert "1. 张三 +8613800138000" in roster.text and "1. Lucy Li +8613900139000" in roster.text
    ask = await bot.tap(LEAD, opened, f"mg:x:{activity.id}")
    assert "因台风预警取消" in ask.text
    assert "例如" in (await bot.say(LEAD, "x" * 5000)).text
    since = bot.api.mark()
    done = await bot.say(LEAD, "因台风预警取消")
    assert done.text == "“人民路口文明交通劝导”已取消，正在通知 2 人。"
    told = await bot.api.wait_for(lambda c: c.chat_id == LUCY.id and c.ok, since=since)
    assert told.text.startswith("❌ “人民路口文明交通劝导”") and told.text.endswith(
        "因台风预警取消"
    )
    async with bot.db.reader.execute("SELECT COUNT(*) FROM reminders WHERE state = 'planned'") as c:
        assert (await c.fetchone())[0] == 0
    card = await bot.say(ZHANG, f"/start act_{activity.id}")
    assert "该活动已取消" in card.text and button_data(card) == []


async def test_volunteers_and_other_teams_leads_see_no_roster(bot: Harness) -> None:
    await seed(bot, 0)
    activity = await publish(bot)
    await register(bot, LUCY, "Lucy Li", "13900139000", ["traffic"])
    assert (await bot.say(LUCY, "/manage")).text == "Only team leads and admins can do this."
    other = await bot.services.registration.register(
        5, "王队长", "13700000005", ["blood"], consent=True
    )
    await bot.services.roles.promote(await bot.services.roles.actor(ADMIN.id), other.id, "blood")
    await bot.services.accounts.seen(5, "zh")
    other_lead = type(LUCY)(id=5, first_name="W", language_code="zh")
    assert (await bot.say(other_lead, "/manage")).text.startswith("您的队伍暂无")
    since = bot.api.mark()
    for person in (LUCY, other_lead):
        own = await bot.say(person, "/start")
        for forged in [
            f"mg:r:{activity.id}",
            f"mg:o:{activity.id}",
            f"mg:x:{activity.id}",
            f"mg:e:capacity:{activity.id}",
        ]:
            answer = await bot.answer_to_press(person, own, forged)
            assert answer.params["text"] in (
                "Only a lead of this team or an admin can do this.",
                "只有该队伍的队长或管理员可以进行此操作。",
            )
    await bot.api.wait_idle()
    assert not [c for c in bot.api.calls[since:] if "+86" in (c.text or "")], "no phone shown"
    assert (await bot.services.activities.get(activity.id)).state == "published"


async def test_a_lead_edits_capacity_place_and_time_and_those_signed_up_are_told(
    bot: Harness,
) -> None:
    await seed(bot, 0)
    activity = await publish(bot, capacity=1)
    await register(bot, ZHANG, "张三", "13800138000", ["traffic"])
    await register(bot, LUCY, "Lucy Li", "13900139000", ["traffic"])
    await bot.services.activities.sign_up(ZHANG.id, activity.id)
    await bot.services.activities.sign_up(LUCY.id, activity.id)
    listing = await bot.say(LEAD, "/manage")
    opened = await bot.tap(LEAD, listing, f"mg:o:{activity.id}")

    ask = await bot.tap(LEAD, opened, f"mg:e:capacity:{activity.id}")
    assert "目前 1" in ask.text
    for bad in ["0", "-1", "x" * 5000, "😀", "5001"]:
        assert "例如：20" in (await bot.say(LEAD, bad)).text
    since = bot.api.mark()
    saved = await bot.say(LEAD, "2")
    assert saved.text == "已保存，1 人从候补转为确认。"
    promoted = await bot.api.wait_for(lambda c: c.chat_id == LUCY.id and c.ok, since=since)
    assert promoted.text.startswith("A place opened up")
    await bot.tap(LEAD, opened, f"mg:e:capacity:{activity.id}")
    refused = await bot.say(LEAD, "1")
    assert refused.text.startswith("已有 2 人确认参加")
    await bot.say(LEAD, "/cancel")

    await bot.tap(LEAD, opened, f"mg:e:place:{activity.id}")
    since = bot.api.mark()
    assert (await bot.say(LEAD, "中山路口")).text == "已保存，正在通知 2 位报名者。"
    changed = await bot.api.wait_for(lambda c: c.chat_id == ZHANG.id and c.ok, since=since)
    assert changed.text.startswith("✏️ “人民路口文明交通劝导”有变更") and "中山路口" in changed.text

    await bot.tap(LEAD, opened, f"mg:e:time:{activity.id}")
    assert "该时间已经过去" in (await bot.say(LEAD, "2020-01-01 09:00")).text
    # Some day within the year ahead (the e2e bot runs on the system clock).
    day = (datetime.now(UTC) + timedelta(days=100)).date().isoformat()
    await bot.say(LEAD, f"{day} 09:00")
    assert "结束时间必须晚于" in (await bot.say(LEAD, f"{day} 08:00")).text
    assert (await bot.say(LEAD, f"{day} 11:00")).text == "已保存，正在通知 2 位报名者。"
    moved = await bot.services.activities.get(activity.id)
    start = datetime.fromisoformat(f"{day}T01:00:00+00:00")
    assert moved.starts_at == start
    async with bot.db.reader.execute(
        "SELECT due_at FROM reminders WHERE state = 'planned' ORDER BY due_at"
    ) as cursor:
        dues = [row[0] for row in await cursor.fetchall()]
    assert dues == [
        *[(start - timedelta(hours=24)).isoformat()] * 2,
        *[(start - timedelta(hours=2)).isoformat()] * 2,
    ]


async def test_a_long_roster_is_paged_in_one_message(bot: Harness) -> None:
    """Issue 12, item 11: 45 confirmed and 5 waiting come 40 to a page, each part under its
    heading; the page buttons turn the same message; others cannot turn it."""
    members = await seed(bot, 50)
    activity = await publish(bot, capacity=45)
    for telegram_id in members:
        await bot.services.activities.sign_up(telegram_id, activity.id)
    t = bot.app.bot_data.runtime.catalogs.translator("zh")
    opened = await bot.tap(LEAD, await bot.say(LEAD, "/manage"), f"mg:o:{activity.id}")
    first = await bot.tap(LEAD, opened, f"mg:r:{activity.id}")
    lines = first.text.split("\n")
    assert lines[:2] == [
        t("manage.roster", title=activity.title),
        t("manage.confirmed", confirmed=45),
    ]
    assert len(lines) == 2 + 40 + 1 and lines[-1] == t("page.indicator", page=1, pages=2)
    assert lines[2].startswith("1. 张三 ") and lines[41].startswith("40. 张三 ")
    assert button_data(first) == [f"mg:r:{activity.id}:1"]
    second = await bot.tap(LEAD, first, f"mg:r:{activity.id}:1")
    lines = second.text.split("\n")
    assert lines[1] == t("manage.confirmed", confirmed=45) and lines[2].startswith("41. ")
    assert lines[7] == t("manage.waitlist", waiting=5) and lines[8].startswith("1. 张三 ")
    assert len(lines) == 2 + 5 + 1 + 5 + 1 and lines[-1] == t("page.indicator", page=2, pages=2)
    assert second.method == "editMessageText" and button_data(second) == [f"mg:r:{activity.id}:0"]
    for forged in (f"mg:r:{activity.id}:x", "mg:r:x:1", f"mg:r:{activity.id}:-1"):
        assert (await bot.answer_to_press(LEAD, first, forged)).params["text"] == t(
            "button.expired"
        )
    volunteer = type(LEAD)(id=members[0], first_name="Z", language_code="en")
    own = await bot.say(volunteer, "/start")
    since = bot.api.mark()
    refused = await bot.answer_to_press(volunteer, own, f"mg:r:{activity.id}:1")
    assert refused.params["text"] == "Only a lead of this team or an admin can do this."
    await bot.api.wait_idle()
    assert not [c for c in bot.api.calls[since:] if "+86" in (c.text or "")], "no phone shown"


async def test_a_short_roster_is_one_page_without_buttons(bot: Harness) -> None:
    await seed(bot, 0)
    activity = await publish(bot)
    t = bot.app.bot_data.runtime.catalogs.translator("zh")
    roster = await bot.tap(LEAD, await bot.say(LEAD, "/manage"), f"mg:o:{activity.id}")
    roster = await bot.tap(LEAD, roster, f"mg:r:{activity.id}")
    assert roster.text.split("\n") == [
        t("manage.roster", title=activity.title),
        t("manage.confirmed", confirmed=0),
        t("manage.waitlist", waiting=0),
    ]
    assert button_data(roster) == []

"""Check-in and check-out on WeChat through the real endpoint: by the lead's code; by the
position WeChat reports from the phone (fresh and near: checked in; far or stale: the code is
asked); a location message (a map point) refused; check-out with the hours by the rule."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.domain.models import Activity
from tests.e2e.helpers import ADMIN, publish, says
from tests.e2e.wechat_chat import ZH, WeChatChat, wechat_chat
from tests.fake_bot_api import FakeBotApi
from tests.fake_wechat import FakeWeChat

ALICE = "o-alice-0123456789abcdef"
SITE = (22.5650, 112.9690)
NEAR = (22.5660, 112.9690)  # about 110 m north
FAR = (22.5800, 112.9690)  # about 1.7 km north


@pytest.fixture
async def wechat(clock: ManualClock) -> AsyncIterator[FakeWeChat]:
    async with FakeWeChat(clock) as fake:
        yield fake


@pytest.fixture
async def chat(
    tmp_path: Path, api: FakeBotApi, wechat: FakeWeChat, clock: ManualClock
) -> AsyncIterator[WeChatChat]:
    async with wechat_chat(tmp_path, api, wechat, clock) as running:
        yield running


async def signed_up(chat: WeChatChat, *titles: str) -> tuple[int, list[Activity]]:
    """Alice, registered on WeChat and confirmed for activities starting in 10 minutes."""
    user_id = await chat.user_id(ALICE)
    await chat.services.registration.register(
        user_id, "张三", "13812345678", ["traffic"], consent=True
    )
    start = chat.bot.clock.now() + timedelta(minutes=10)
    activities = []
    for n, title in enumerate(titles):
        activity = await publish(
            chat.bot, title, capacity=5, starts_at=start + timedelta(hours=3 * n), site=SITE
        )
        await chat.services.signups.sign_up(user_id, activity.id)
        activities.append(activity)
    return user_id, activities


async def method_of(chat: WeChatChat, activity: Activity) -> str | None:
    async with chat.bot.db.reader.execute(
        "SELECT method FROM checkins WHERE activity_id = ?", (activity.id,)
    ) as cursor:
        row = await cursor.fetchone()
    return None if row is None else str(row[0])


async def test_checking_in_by_the_leads_code(chat: WeChatChat) -> None:
    _, [activity] = await signed_up(chat, "路口引导")
    _, code, _ = await chat.services.checkin.issue_code(
        await chat.services.roles.actor(ADMIN.id), activity.id
    )
    asked = await chat.click(ALICE, "checkin")
    assert asked.text.startswith(ZH("checkin.header"))
    assert asked.text.endswith(ZH("wechat.checkin.ask_code"))
    assert (await chat.send(ALICE, "ZZZZZZ")).text == ZH("error.unknown_code")
    done = await chat.send(ALICE, code.lower())
    assert says(done.text, "wechat.checkin.done", title="路口引导")
    assert await method_of(chat, activity) == "code"
    again = await chat.click(ALICE, "checkin")
    assert says(again.text.split("\n")[1], "checkin.done_line", title="路口引导")


async def test_the_position_wechat_reports_checks_in_when_fresh_and_near(
    chat: WeChatChat, clock: ManualClock
) -> None:
    _, [activity] = await signed_up(chat, "路口引导")
    await chat.report_position(ALICE, *NEAR)
    done = await chat.send(ALICE, "签到")  # the word works as the menu does
    assert says(done.text, "wechat.checkin.done", title="路口引导")
    assert await method_of(chat, activity) == "location"


async def test_a_far_or_stale_position_asks_for_the_code(
    chat: WeChatChat, clock: ManualClock
) -> None:
    _, [activity] = await signed_up(chat, "路口引导")
    await chat.report_position(ALICE, *FAR)
    far = await chat.click(ALICE, "checkin")
    assert says(far.text.split("\n\n")[0], "error.too_far", radius=300)
    assert far.text.endswith(ZH("wechat.checkin.ask_code"))
    await chat.report_position(ALICE, *NEAR)
    clock.advance(timedelta(minutes=6))
    stale = await chat.click(ALICE, "checkin")
    assert stale.text.endswith(ZH("wechat.checkin.ask_code"))
    assert await method_of(chat, activity) is None


async def test_a_map_point_checks_no_one_in(chat: WeChatChat, clock: ManualClock) -> None:
    _, [activity] = await signed_up(chat, "路口引导")
    refused = await chat.location(ALICE, *NEAR)
    assert refused.text == ZH("wechat.checkin.map_point")
    await chat.click(ALICE, "checkin")
    assert (await chat.location(ALICE, *NEAR)).text == ZH("wechat.checkin.map_point")
    picked = chat.wechat.event(ALICE, "location_select", "checkin")  # a menu's map picker
    picked["SendLocationInfo"] = {"Location_X": NEAR[0], "Location_Y": NEAR[1], "Label": "路口"}
    clock.advance(timedelta(seconds=1))
    refused = await chat.wechat.push(chat.url, picked)
    assert refused.reply is not None and refused.reply["Content"] == ZH("wechat.checkin.map_point")
    assert await method_of(chat, activity) is None


async def test_with_two_activities_open_the_person_picks_one(
    tmp_path: Path, api: FakeBotApi, wechat: FakeWeChat, clock: ManualClock
) -> None:
    early = {"checkin_opens_minutes": 600}  # the second opens before the first ends
    async with wechat_chat(tmp_path, api, wechat, clock, hours=early) as chat:
        _, activities = await signed_up(chat, "上午引导", "下午引导")
        await chat.report_position(ALICE, *NEAR)
        picking = await chat.click(ALICE, "checkin")
        assert picking.text == ZH("checkin.pick")
        assert picking.labels == ["1. 上午引导", "2. 下午引导"]
        done = await chat.send(ALICE, "2")
        assert says(done.text, "wechat.checkin.done", title="下午引导")
        assert await method_of(chat, activities[1]) == "location"
        assert await method_of(chat, activities[0]) is None
        assert (await chat.send(ALICE, "1")).text == ZH("wechat.fallback.unknown")


async def test_checking_out_credits_the_time_by_the_rule(
    chat: WeChatChat, clock: ManualClock
) -> None:
    await signed_up(chat, "路口引导")
    assert (await chat.click(ALICE, "checkout")).text == ZH("checkout.none")
    await chat.report_position(ALICE, *NEAR)
    await chat.click(ALICE, "checkin")
    clock.advance(timedelta(hours=1))
    done = await chat.send(ALICE, "签退")
    assert says(done.text, "checkout.done", title="路口引导")


async def test_someone_not_registered_is_told_how_to_register(chat: WeChatChat) -> None:
    assert (await chat.click(ALICE, "checkin")).text == ZH("wechat.error.not_registered")
    assert (await chat.click(ALICE, "checkout")).text == ZH("wechat.error.not_registered")

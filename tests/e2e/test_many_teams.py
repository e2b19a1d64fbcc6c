"""With hundreds of teams (the reference city has ~820) every list is paged."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.domain.dialogues import AddHoursData
from tests.e2e.conftest import ADMIN, Harness, button_data, start_harness
from tests.e2e.test_registration import LUCY
from tests.fake_bot_api import FakeBotApi

TEAMS = [
    {"key": f"team_{n:03d}", "name_zh": f"第{n}志愿服务队", "name_en": f"Team {n}"}
    for n in range(1, 121)
]


@pytest.fixture
async def bot(tmp_path: Path, api: FakeBotApi) -> AsyncIterator[Harness]:
    async for harness in start_harness(tmp_path, api, teams=TEAMS):
        yield harness


async def test_registration_pages_through_teams_and_keeps_choices_across_pages(
    bot: Harness,
) -> None:
    await bot.say(LUCY, "/register")
    await bot.say(LUCY, "Lucy Li")
    await bot.say(LUCY, "13900139000")
    teams = await bot.reply(LUCY)
    data = button_data(teams)
    assert data[:8] == [f"r:t:team_{n:03d}" for n in range(1, 9)]
    assert data[8:] == ["r:p:1", "r:td"]
    await bot.toggle(LUCY, teams, "r:t:team_002")
    page_two = await bot.toggle(LUCY, teams, "r:p:1")
    rows = page_two.params["reply_markup"]["inline_keyboard"]
    assert rows[0][0]["callback_data"] == "r:t:team_009"
    assert [b["callback_data"] for b in rows[-2]] == ["r:p:0", "r:p:2"]
    await bot.toggle(LUCY, teams, "r:t:team_010")
    last = await bot.toggle(LUCY, teams, "r:p:99999")
    assert last.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "r:t:team_113"
    assert (await bot.answer_to_press(LUCY, teams, "r:p:-1")).params["text"].startswith("This")
    await bot.tap(LUCY, teams, "r:td")
    consent = await bot.reply(LUCY)
    await bot.tap(LUCY, consent, "r:c:y")
    volunteer = await bot.services.registration.volunteer(LUCY.id)
    assert volunteer is not None and volunteer.team_keys == ("team_002", "team_010")


async def test_team_overview_and_promotion_are_paged(bot: Harness) -> None:
    await bot.services.registration.register(
        LUCY.id, "Lucy Li", "13900139000", ["team_001"], consent=True
    )
    overview = await bot.say(ADMIN, "/teams")
    assert overview.text.count("\n• ") == 10 and "第 1 页，共 12 页" in overview.text
    assert button_data(overview) == ["a:tp:1", "a:nt"]
    second = await bot.tap(ADMIN, overview, "a:tp:1")
    assert second.method == "editMessageText" and "第11志愿服务队" in second.text
    own_message = await bot.say(LUCY, "/start")
    refused = await bot.answer_to_press(LUCY, own_message, "a:tp:1")
    assert refused.params["text"] == "Only admins can do this."

    results = await bot.say(ADMIN, "/promote Lucy")
    assert results.text == "请选择志愿者："
    choose = await bot.tap(ADMIN, results, button_data(results)[0])
    assert len(button_data(choose)) == 9
    volunteer_id = button_data(results)[0].removeprefix("a:pv:")
    assert button_data(choose)[-1] == f"a:pp:{volunteer_id}:1"
    page_three = await bot.toggle(ADMIN, choose, f"a:pp:{volunteer_id}:2")
    pick = page_three.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    assert pick.endswith(":team_017")
    done = await bot.tap(ADMIN, choose, pick)
    assert done.text == "Lucy Li 现在是第17志愿服务队的队长。"
    forged = await bot.answer_to_press(LUCY, own_message, button_data(choose)[-1])
    assert forged.params["text"] == "Only admins can do this."


async def test_the_list_of_leads_to_demote_is_paged(bot: Harness) -> None:
    admin = await bot.services.roles.actor(ADMIN.id)
    for n in range(1, 11):
        volunteer = await bot.services.registration.register(
            2000 + n, "张三", f"1390000{n:04d}", ["team_001"], consent=True
        )
        await bot.services.roles.promote(admin, volunteer.id, f"team_{n:03d}")
    leads = await bot.say(ADMIN, "/demote")
    assert len(button_data(leads)) == 9 and button_data(leads)[-1] == "a:dp:1"
    second = await bot.toggle(ADMIN, leads, "a:dp:1")
    rows = second.params["reply_markup"]["inline_keyboard"]
    assert [row[0]["callback_data"].split(":")[-1] for row in rows[:-1]] == ["team_009", "team_010"]
    own_message = await bot.say(LUCY, "/start")
    forged = await bot.answer_to_press(LUCY, own_message, "a:dp:1")
    assert forged.params["text"] == "Only admins can do this."


async def test_add_hours_pages_through_the_volunteers_teams(bot: Harness) -> None:
    """Issue 12, item 11: a volunteer in more teams than a keyboard holds is not one button
    per team; the pages turn in place and a team on a later page can be chosen."""
    keys = [f"team_{n:03d}" for n in range(1, 111)]  # over Telegram's 100 buttons
    await bot.services.registration.register(LUCY.id, "Lucy Li", "13900139000", keys, consent=True)
    await bot.say(ADMIN, "/add_hours")
    matches = await bot.say(ADMIN, "Lucy")
    teams = await bot.tap(ADMIN, matches, button_data(matches)[0])
    assert button_data(teams) == [*(f"ah:t:{key}" for key in keys[:8]), "ah:tp:1"]
    third = await bot.toggle(ADMIN, teams, "ah:tp:2")
    rows = third.params["reply_markup"]["inline_keyboard"]
    assert [row[0]["callback_data"] for row in rows[:-1]] == [f"ah:t:{k}" for k in keys[16:24]]
    assert [button["callback_data"] for button in rows[-1]] == ["ah:tp:1", "ah:tp:3"]
    last = await bot.toggle(ADMIN, teams, "ah:tp:99999")  # forged: clamped to the last page
    rows = last.params["reply_markup"]["inline_keyboard"]
    assert [row[0]["callback_data"] for row in rows[:-1]] == [f"ah:t:{k}" for k in keys[104:]]
    catalogs = bot.app.bot_data.runtime.catalogs
    expired = catalogs.translator("zh")("button.expired")
    assert (await bot.answer_to_press(ADMIN, teams, "ah:tp:-1")).params["text"] == expired
    own_message = await bot.say(LUCY, "/start")  # no addition under way: nothing to page
    expired = catalogs.translator("en")("button.expired")
    assert (await bot.answer_to_press(LUCY, own_message, "ah:tp:1")).params["text"] == expired
    await bot.tap(ADMIN, teams, "ah:t:team_107")
    dialogue = await bot.services.dialogues.current(ADMIN.id)
    assert dialogue is not None and isinstance(dialogue.data, AddHoursData)
    assert (dialogue.step, dialogue.data.team_key) == ("day", "team_107")

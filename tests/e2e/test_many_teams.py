"""With hundreds of teams (the reference city has ~820) every list is paged."""

from __future__ import annotations

from typing import Any

import pytest

from bot.domain.dialogues import AddHoursData
from tests.e2e.helpers import (
    ADMIN,
    LUCY,
    Harness,
    button_data,
    en,
    enrol,
    keyboard,
    zh,
)

TEAMS = [
    {"key": f"team_{n:03d}", "name_zh": f"第{n}志愿服务队", "name_en": f"Team {n}"}
    for n in range(1, 121)
]


@pytest.fixture
def bot_settings() -> dict[str, Any]:
    return {"teams": TEAMS}


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
    page_two = keyboard(await bot.toggle(LUCY, teams, "r:p:1"))
    assert page_two[0] == ["r:t:team_009"] and page_two[-2] == ["r:p:0", "r:p:2"]
    await bot.toggle(LUCY, teams, "r:t:team_010")
    last = keyboard(await bot.toggle(LUCY, teams, "r:p:99999"))
    assert last[0] == ["r:t:team_113"]
    assert (await bot.answer_to_press(LUCY, teams, "r:p:-1")).params["text"] == en("button.expired")
    await bot.tap(LUCY, teams, "r:td")
    consent = await bot.reply(LUCY)
    await bot.tap(LUCY, consent, "r:c:y")
    volunteer = await bot.services.registration.volunteer(LUCY.id)
    assert volunteer is not None and volunteer.team_keys == ("team_002", "team_010")


async def test_the_team_overview_is_paged_for_admins_only(bot: Harness) -> None:
    await enrol(bot, LUCY, "Lucy Li", "13900139000", ["team_001"])
    overview = await bot.say(ADMIN, "/teams")
    assert overview.text.count("\n• ") == 10
    assert zh("page.indicator", page=1, pages=12) in overview.text.split("\n")
    assert button_data(overview) == ["a:tp:1", "a:nt"]
    second = await bot.tap(ADMIN, overview, "a:tp:1")
    assert second.method == "editMessageText" and "第11志愿服务队" in second.text
    own_message = await bot.say(LUCY, "/start")
    refused = await bot.answer_to_press(LUCY, own_message, "a:tp:1")
    assert refused.params["text"] == en("error.not_admin")


async def test_the_teams_to_promote_to_are_paged_for_admins_only(bot: Harness) -> None:
    volunteer_id = await enrol(bot, LUCY, "Lucy Li", "13900139000", ["team_001"])
    own_message = await bot.say(LUCY, "/start")  # so that she can be told
    results = await bot.say(ADMIN, "/promote Lucy")
    assert results.text == zh("promote.results")
    assert button_data(results) == [f"a:pv:{volunteer_id}"]
    choose = await bot.tap(ADMIN, results, f"a:pv:{volunteer_id}")
    assert len(button_data(choose)) == 9
    assert button_data(choose)[-1] == f"a:pp:{volunteer_id}:1"
    page_three = keyboard(await bot.toggle(ADMIN, choose, f"a:pp:{volunteer_id}:2"))
    pick = page_three[0][0]
    assert pick.endswith(":team_017")
    done = await bot.tap(ADMIN, choose, pick)
    assert done.text == zh("promote.done", name="Lucy Li", team="第17志愿服务队")
    forged = await bot.answer_to_press(LUCY, own_message, f"a:pp:{volunteer_id}:1")
    assert forged.params["text"] == en("error.not_admin")


async def test_the_list_of_leads_to_demote_is_paged(bot: Harness) -> None:
    admin = await bot.services.roles.actor(ADMIN.id)
    for n in range(1, 11):
        volunteer_id = await enrol(bot, 2000 + n, "张三", f"1390000{n:04d}", ["team_001"])
        await bot.services.roles.promote(admin, volunteer_id, f"team_{n:03d}")
    leads = await bot.say(ADMIN, "/demote")
    assert len(button_data(leads)) == 9 and button_data(leads)[-1] == "a:dp:1"
    second = keyboard(await bot.toggle(ADMIN, leads, "a:dp:1"))
    assert [row[0].split(":")[-1] for row in second[:-1]] == ["team_009", "team_010"]
    own_message = await bot.say(LUCY, "/start")
    forged = await bot.answer_to_press(LUCY, own_message, "a:dp:1")
    assert forged.params["text"] == en("error.not_admin")


async def test_add_hours_pages_through_the_volunteers_teams(bot: Harness) -> None:
    """Issue 12, item 11: a volunteer in more teams than a keyboard holds is not one button
    per team; the pages turn in place and a team on a later page can be chosen."""
    keys = [f"team_{n:03d}" for n in range(1, 111)]  # over Telegram's 100 buttons
    await enrol(bot, LUCY, "Lucy Li", "13900139000", keys)
    await bot.say(ADMIN, "/add_hours")
    matches = await bot.say(ADMIN, "Lucy")
    teams = await bot.tap(ADMIN, matches, button_data(matches)[0])
    assert button_data(teams) == [*(f"ah:t:{key}" for key in keys[:8]), "ah:tp:1"]
    third = keyboard(await bot.toggle(ADMIN, teams, "ah:tp:2"))
    assert [row[0] for row in third[:-1]] == [f"ah:t:{k}" for k in keys[16:24]]
    assert third[-1] == ["ah:tp:1", "ah:tp:3"]
    last = keyboard(await bot.toggle(ADMIN, teams, "ah:tp:99999"))  # forged: the last page
    assert [row[0] for row in last[:-1]] == [f"ah:t:{k}" for k in keys[104:]]
    assert (await bot.answer_to_press(ADMIN, teams, "ah:tp:-1")).params["text"] == zh(
        "button.expired"
    )
    own_message = await bot.say(LUCY, "/start")  # no addition under way: nothing to page
    expired = en("button.expired")
    assert (await bot.answer_to_press(LUCY, own_message, "ah:tp:1")).params["text"] == expired
    await bot.tap(ADMIN, teams, "ah:t:team_107")
    dialogue = await bot.services.dialogues.current(ADMIN.id)
    assert dialogue is not None and isinstance(dialogue.data, AddHoursData)
    assert (dialogue.step, dialogue.data.team_key) == ("day", "team_107")


@pytest.mark.parametrize(
    ("start", "choose", "page", "after"),
    [
        ("/new_activity", "n:t:", "n:p:", "new.ask_title"),
        ("w:new", "wp:t:", "wp:p:", "wish.ask_title"),
        ("hh:new", "hh:tm:", "hh:tp:", "households.ask_code"),
    ],
)
async def test_an_admin_pages_through_teams_to_post_for(
    bot: Harness, start: str, choose: str, page: str, after: str
) -> None:
    if start.startswith("/"):
        teams = await bot.say(ADMIN, start)
    else:
        teams = await bot.tap(ADMIN, await bot.say(ADMIN, "/start"), start)
    data = button_data(teams)
    assert data[:8] == [f"{choose}team_{n:03d}" for n in range(1, 9)]
    assert data[8:] == [f"{page}1"]
    page_two = keyboard(await bot.toggle(ADMIN, teams, f"{page}1"))
    assert page_two[0] == [f"{choose}team_009"] and page_two[-1] == [f"{page}0", f"{page}2"]
    asked = await bot.tap(ADMIN, teams, f"{choose}team_010")
    assert asked.text == zh(after)

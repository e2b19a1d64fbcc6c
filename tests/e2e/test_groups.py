"""Group chats over HTTP: linking a team's group, the bot removed, people blocking the bot."""

from __future__ import annotations

from storage.groups import team_of_chat
from tests.e2e.helpers import (
    ADMIN,
    LEAD,
    LUCY,
    Harness,
    appoint_lead,
    button_data,
    en,
    enrol,
    final_report,
    member,
    mentions,
    run_broadcast,
    seed_team,
    zh,
)
from tests.fake_bot_api import Call, FakeUser, group_chat

GROUP = group_chat(-100555, "交通队群")
TRAFFIC, BLOOD = "文明交通志愿服务队", "无偿献血志愿服务队"
BLOOD_LEAD = FakeUser(id=5, first_name="W", language_code="zh-hans")


async def _linked_team(bot: Harness) -> str | None:
    team_id = await team_of_chat(bot.db.reader, GROUP["id"])
    return next((team.key for team in await bot.services.teams.all() if team.id == team_id), None)


async def test_a_lead_links_their_group_and_team_broadcasts_reach_it(bot: Harness) -> None:
    await seed_team(bot, 2)
    bot.api.member_statuses[(GROUP["id"], LEAD.id)] = "administrator"
    linked = await bot.say(LEAD, "/link_group@volunteer_test_bot", chat=GROUP)
    assert linked.chat_id == GROUP["id"]
    assert linked.text == zh("group.linked", team=TRAFFIC)
    progress = await run_broadcast(bot, LEAD, "今晚例会")
    await final_report(bot, LEAD, progress)
    (in_group,) = bot.api.sent_texts(GROUP["id"])[1:]
    assert in_group == f"{zh('broadcast.header', source=TRAFFIC)}\n\n今晚例会"


async def test_volunteers_cannot_link_groups_even_by_pressing_the_admins_buttons(
    bot: Harness,
) -> None:
    await seed_team(bot, 1)
    await enrol(bot, LUCY, "Lucy Li", "13900139000", ["blood"])
    refused = await bot.say(LUCY, "/link_group", chat=GROUP)
    assert refused.text == en("error.not_lead_or_admin")
    bot.api.member_statuses[(GROUP["id"], ADMIN.id)] = "creator"
    choose = await bot.say(ADMIN, "/link_group", chat=GROUP)
    assert button_data(choose)[:2] == ["g:l:traffic", "g:l:blood"]
    answer = await bot.answer_to_press(LUCY, choose, "g:l:blood")
    assert answer.params["text"] == en("error.not_lead_or_admin")
    await bot.api.wait_idle()
    assert await _linked_team(bot) is None
    bot.api.press(ADMIN, choose, "g:l:blood")
    linked = await bot.api.next_message(GROUP["id"])
    assert linked.text == zh("group.linked", team=BLOOD)
    assert await _linked_team(bot) == "blood"


async def test_link_group_in_a_private_chat_points_to_the_group(bot: Harness) -> None:
    await seed_team(bot, 0)
    assert (await bot.say(LEAD, "/link_group")).text == zh("group.only")


async def test_removing_the_bot_from_a_group_unlinks_it(bot: Harness) -> None:
    await seed_team(bot, 1)
    bot.api.member_statuses[(GROUP["id"], LEAD.id)] = "administrator"
    await bot.say(LEAD, "/link_group", chat=GROUP)
    bot.api.my_chat_member(LEAD, GROUP, "member", "left")
    await bot.api.wait_idle()
    assert await _linked_team(bot) is None
    progress = await run_broadcast(bot, LEAD, "没有群了")
    await final_report(bot, LEAD, progress)
    assert "没有群了" not in "".join(bot.api.sent_texts(GROUP["id"]))


async def test_a_person_who_blocks_the_bot_is_skipped_until_they_write_again(bot: Harness) -> None:
    members = await seed_team(bot, 3)
    blocker = member(members[0])
    bot.api.block_bot(blocker)
    await bot.api.wait_idle()
    progress = await run_broadcast(bot, LEAD, "第一次")
    report = await final_report(bot, LEAD, progress)
    assert mentions(report.text, "broadcast.finished", blocked=1)
    tried = [c for c in bot.api.calls if c.chat_id == blocker.id and "第一次" in (c.text or "")]
    assert tried == [], "no request is made for someone known to have blocked the bot"
    bot.api.unblock_bot(blocker)
    await bot.say(blocker, "/start")
    progress = await run_broadcast(bot, LEAD, "第二次")
    report = await final_report(bot, LEAD, progress)
    assert mentions(report.text, "broadcast.finished", blocked=0)
    assert any("第二次" in text for text in bot.api.sent_texts(blocker.id))


async def test_item14_link_group_is_refused_to_a_lead_who_does_not_run_the_group(
    bot: Harness,
) -> None:
    await seed_team(bot, 0)
    for status in ("member", "restricted", "left", "kicked"):
        bot.api.member_statuses[(GROUP["id"], LEAD.id)] = status
        refused = await bot.say(LEAD, "/link_group", chat=GROUP)
        assert refused.text == zh("error.not_group_admin"), status
    asked = [c for c in bot.api.calls_to("getChatMember") if c.ok]
    assert asked and all(
        (int(c.params["chat_id"]), int(c.params["user_id"])) == (GROUP["id"], LEAD.id)
        for c in asked
    )
    assert await _linked_team(bot) is None


async def test_item14_an_org_admin_who_does_not_run_the_group_gets_no_keyboard(
    bot: Harness,
) -> None:
    await seed_team(bot, 0)
    refused = await bot.say(ADMIN, "/link_group", chat=GROUP)
    assert refused.text == zh("error.not_group_admin") and button_data(refused) == []


async def test_item14_the_admins_keyboard_and_forged_confirmations_are_refused_to_others(
    bot: Harness,
) -> None:
    await seed_team(bot, 0)
    bot.api.member_statuses[(GROUP["id"], ADMIN.id)] = "administrator"
    choose = await bot.say(ADMIN, "/link_group", chat=GROUP)
    assert button_data(choose)[:2] == ["g:l:traffic", "g:l:blood"]
    for forged in ("g:l:traffic", "g:l:traffic:1", "g:l:blood:2", "g:k"):
        answer = await bot.answer_to_press(LEAD, choose, forged)
        assert answer.params["text"] == zh("error.not_group_admin")[:200], forged
    await bot.api.wait_idle()
    assert await _linked_team(bot) is None


async def test_item14_a_lead_made_group_admin_links_and_relinks_without_a_question(
    bot: Harness,
) -> None:
    await seed_team(bot, 0)
    bot.api.member_statuses[(GROUP["id"], LEAD.id)] = "administrator"
    linked = await bot.say(LEAD, "/link_group", chat=GROUP)
    assert linked.text == zh("group.linked", team=TRAFFIC)
    assert await _linked_team(bot) == "traffic"
    bot.api.member_statuses[(GROUP["id"], LEAD.id)] = "creator"
    again = await bot.say(LEAD, "/link_group", chat=GROUP)
    assert again.text == linked.text, "relinking the team's own group needs no confirmation"


async def _asked_to_move(bot: Harness) -> Call:
    """The traffic team's group, and the blood team's lead (who runs it too) asking to link
    it: the question whether to move it."""
    await seed_team(bot, 0)
    await appoint_lead(bot, BLOOD_LEAD, "blood", "王队长", "13700000005")
    bot.api.member_statuses[(GROUP["id"], LEAD.id)] = "administrator"
    bot.api.member_statuses[(GROUP["id"], BLOOD_LEAD.id)] = "administrator"
    await bot.say(LEAD, "/link_group", chat=GROUP)
    assert await _linked_team(bot) == "traffic"
    return await bot.say(BLOOD_LEAD, "/link_group", chat=GROUP)


async def test_item14_linking_another_teams_group_asks_first_and_changes_nothing(
    bot: Harness,
) -> None:
    asked = await _asked_to_move(bot)
    assert asked.text == zh("group.linked_elsewhere", current=TRAFFIC, team=BLOOD)
    move, keep = button_data(asked)
    assert keep == "g:k" and move.startswith("g:l:blood:")
    assert await _linked_team(bot) == "traffic", "nothing changes before the confirmation"


async def test_item14_a_plain_member_cannot_answer_and_keeping_changes_nothing(
    bot: Harness,
) -> None:
    asked = await _asked_to_move(bot)
    await enrol(bot, LUCY, "Lucy Li", "13900139000", ["traffic"])
    for button in button_data(asked):
        answer = await bot.answer_to_press(LUCY, asked, button)
        assert answer.params["text"] == en("error.not_lead_or_admin")
    kept = await bot.answer_to_press(BLOOD_LEAD, asked, "g:k")
    assert kept.params["text"] == zh("group.kept")
    await bot.api.wait_idle()
    assert await _linked_team(bot) == "traffic"


async def test_item14_a_confirmation_naming_another_team_is_asked_again(bot: Harness) -> None:
    asked = await _asked_to_move(bot)
    bot.api.press(BLOOD_LEAD, asked, "g:l:blood:999")
    again = await bot.api.next_message(GROUP["id"])
    assert again.text == asked.text
    await bot.api.wait_idle()
    for malformed in ("g:l:blood:", "g:l:blood:x", "g:l:blood:-1", "g:l:blood:1:2"):
        answer = await bot.answer_to_press(BLOOD_LEAD, again, malformed)
        assert answer.params["text"] == zh("button.expired"), malformed
    await bot.api.wait_idle()
    assert await _linked_team(bot) == "traffic"


async def test_item14_confirmed_by_the_other_lead_the_group_moves_for_good(bot: Harness) -> None:
    asked = await _asked_to_move(bot)
    move, _ = button_data(asked)
    bot.api.press(BLOOD_LEAD, asked, move)
    moved = await bot.api.next_message(GROUP["id"])
    assert moved.text == zh("group.linked", team=BLOOD)
    assert await _linked_team(bot) == "blood"
    assert await bot.count("team_groups") == 1
    # The old confirmation cannot move it back to traffic: it was about blood.
    back = await bot.say(LEAD, "/link_group", chat=GROUP)
    assert back.text == zh("group.linked_elsewhere", current=BLOOD, team=TRAFFIC)
    assert await _linked_team(bot) == "blood"

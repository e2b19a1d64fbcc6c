"""Group chats over HTTP: linking a team's group, the bot removed, people blocking the bot."""

from __future__ import annotations

from tests.e2e.conftest import ADMIN, Harness, button_data
from tests.e2e.test_broadcast import LEAD, final_report, run_broadcast, seed
from tests.e2e.test_registration import LUCY
from tests.fake_bot_api import group_chat

GROUP = group_chat(-100555, "交通队群")


async def test_a_lead_links_their_group_and_team_broadcasts_reach_it(bot: Harness) -> None:
    await seed(bot, 2)
    bot.api.member_statuses[(GROUP["id"], LEAD.id)] = "administrator"
    linked = await bot.say(LEAD, "/link_group@volunteer_test_bot", chat=GROUP)
    assert linked.chat_id == GROUP["id"]
    assert linked.text == "本群已成为文明交通志愿服务队的队伍群，队伍通知将发布在这里。"
    progress = await run_broadcast(bot, LEAD, "今晚例会")
    await final_report(bot, LEAD, progress)
    (in_group,) = bot.api.sent_texts(GROUP["id"])[1:]
    assert in_group == "📢 文明交通志愿服务队\n\n今晚例会"


async def test_volunteers_cannot_link_groups_even_by_pressing_the_admins_buttons(
    bot: Harness,
) -> None:
    await seed(bot, 1)
    await bot.services.registration.register(
        LUCY.id, "Lucy Li", "13900139000", ["blood"], consent=True
    )
    refused = await bot.say(LUCY, "/link_group", chat=GROUP)
    assert refused.text == "Only team leads and admins can do this."
    bot.api.member_statuses[(GROUP["id"], ADMIN.id)] = "creator"
    choose = await bot.say(ADMIN, "/link_group", chat=GROUP)
    assert button_data(choose)[:2] == ["g:l:traffic", "g:l:blood"]
    answer = await bot.answer_to_press(LUCY, choose, "g:l:blood")
    assert answer.params["text"] == "Only team leads and admins can do this."
    await bot.api.wait_idle()
    assert await bot.count("team_groups") == 0
    bot.api.press(ADMIN, choose, "g:l:blood")
    linked = await bot.api.next_message(GROUP["id"])
    assert "无偿献血志愿服务队" in linked.text
    assert await bot.count("team_groups") == 1
    private = await bot.say(LEAD, "/link_group")
    assert private.text == "请在要关联的群聊中使用 /link_group。"


async def test_removing_the_bot_from_a_group_unlinks_it(bot: Harness) -> None:
    await seed(bot, 1)
    bot.api.member_statuses[(GROUP["id"], LEAD.id)] = "administrator"
    await bot.say(LEAD, "/link_group", chat=GROUP)
    bot.api.my_chat_member(LEAD, GROUP, "member", "left")
    await bot.api.wait_idle()
    assert await bot.count("team_groups") == 0
    progress = await run_broadcast(bot, LEAD, "没有群了")
    await final_report(bot, LEAD, progress)
    assert "没有群了" not in "".join(bot.api.sent_texts(GROUP["id"]))


async def test_a_person_who_blocks_the_bot_is_skipped_until_they_write_again(bot: Harness) -> None:
    members = await seed(bot, 3)
    blocker = members[0]
    blocker_user = type(LEAD)(id=blocker, first_name="B", language_code="en")
    bot.api.block_bot(blocker_user)
    await bot.api.wait_idle()
    progress = await run_broadcast(bot, LEAD, "第一次")
    report = await final_report(bot, LEAD, progress)
    assert "被屏蔽：1" in report.text
    assert not [c for c in bot.api.calls if c.chat_id == blocker and "第一次" in (c.text or "")], (
        "no request is made for someone known to have blocked the bot"
    )
    bot.api.unblock_bot(blocker_user)
    await bot.say(blocker_user, "/start")
    progress = await run_broadcast(bot, LEAD, "第二次")
    report = await final_report(bot, LEAD, progress)
    assert "被屏蔽：0" in report.text
    assert any("第二次" in text for text in bot.api.sent_texts(blocker))


NOT_GROUP_ADMIN = (
    "只有本群的群主或管理员才能把本群关联到队伍。请让群主把您设为管理员后，再发送 /link_group。"
)
BLOOD_LEAD = type(LEAD)(id=5, first_name="W", language_code="zh-hans")


async def _linked_team(bot: Harness) -> str | None:
    async with bot.db.reader.execute(
        "SELECT t.key FROM team_groups g JOIN teams t ON t.id = g.team_id WHERE g.chat_id = ?",
        (GROUP["id"],),
    ) as cursor:
        row = await cursor.fetchone()
    return None if row is None else str(row[0])


async def _blood_lead(bot: Harness) -> None:
    other = await bot.services.registration.register(
        BLOOD_LEAD.id, "王队长", "13700000005", ["blood"], consent=True
    )
    await bot.services.roles.promote(await bot.services.roles.actor(ADMIN.id), other.id, "blood")
    await bot.services.accounts.seen(BLOOD_LEAD.id, "zh-hans")


async def test_item14_link_group_requires_group_admin(bot: Harness) -> None:
    await seed(bot, 0)
    for status in ("member", "restricted", "left", "kicked"):
        bot.api.member_statuses[(GROUP["id"], LEAD.id)] = status
        refused = await bot.say(LEAD, "/link_group", chat=GROUP)
        assert refused.text == NOT_GROUP_ADMIN, status
    asked = [c for c in bot.api.calls_to("getChatMember") if c.ok]
    assert asked and all(
        (int(c.params["chat_id"]), int(c.params["user_id"])) == (GROUP["id"], LEAD.id)
        for c in asked
    )
    # An org admin who does not run the group gets no keyboard, and cannot press one either,
    # nor forge a confirmation.
    refused = await bot.say(ADMIN, "/link_group", chat=GROUP)
    assert refused.text == NOT_GROUP_ADMIN
    bot.api.member_statuses[(GROUP["id"], ADMIN.id)] = "administrator"
    choose = await bot.say(ADMIN, "/link_group", chat=GROUP)
    assert button_data(choose)[:2] == ["g:l:traffic", "g:l:blood"]
    for forged in ("g:l:traffic", "g:l:traffic:1", "g:l:blood:2", "g:k"):
        answer = await bot.answer_to_press(LEAD, choose, forged)
        assert answer.params["text"] == NOT_GROUP_ADMIN[:200], forged
    await bot.api.wait_idle()
    assert await bot.count("team_groups") == 0
    # Made an administrator of the group, the lead links it; the group's creator can too.
    bot.api.member_statuses[(GROUP["id"], LEAD.id)] = "administrator"
    linked = await bot.say(LEAD, "/link_group", chat=GROUP)
    assert linked.text == "本群已成为文明交通志愿服务队的队伍群，队伍通知将发布在这里。"
    assert await _linked_team(bot) == "traffic"
    bot.api.member_statuses[(GROUP["id"], LEAD.id)] = "creator"
    again = await bot.say(LEAD, "/link_group", chat=GROUP)
    assert again.text == linked.text, "relinking the team's own group needs no confirmation"


async def test_item14_link_group_does_not_take_over_another_teams_group(bot: Harness) -> None:
    await seed(bot, 0)
    await _blood_lead(bot)
    bot.api.member_statuses[(GROUP["id"], LEAD.id)] = "administrator"
    bot.api.member_statuses[(GROUP["id"], BLOOD_LEAD.id)] = "administrator"
    await bot.say(LEAD, "/link_group", chat=GROUP)
    assert await _linked_team(bot) == "traffic"

    asked = await bot.say(BLOOD_LEAD, "/link_group", chat=GROUP)
    assert asked.text == (
        "本群目前是文明交通志愿服务队的队伍群。要改为无偿献血志愿服务队的队伍群吗？"
        "改后文明交通志愿服务队的通知将不再发布在这里。"
    )
    move, keep = button_data(asked)
    assert keep == "g:k" and move.startswith("g:l:blood:")
    assert await _linked_team(bot) == "traffic", "nothing changes before the confirmation"

    # A plain member cannot press either button; keeping it changes nothing.
    for button in (move, keep):
        answer = await bot.answer_to_press(LUCY, asked, button)
        assert answer.params["text"] == "Only team leads and admins can do this."
    kept = await bot.answer_to_press(BLOOD_LEAD, asked, keep)
    assert kept.params["text"] == "未作更改。"
    await bot.api.wait_idle()
    assert await _linked_team(bot) == "traffic"
    # A confirmation naming another team than the one linked now is asked again.
    asked = await bot.say(BLOOD_LEAD, "/link_group", chat=GROUP)
    bot.api.press(BLOOD_LEAD, asked, "g:l:blood:999")
    again = await bot.api.next_message(GROUP["id"])
    assert again.text == asked.text
    await bot.api.wait_idle()
    for malformed in ("g:l:blood:", "g:l:blood:x", "g:l:blood:-1", "g:l:blood:1:2"):
        answer = await bot.answer_to_press(BLOOD_LEAD, again, malformed)
        assert answer.params["text"] == "此按钮已失效。", malformed
    await bot.api.wait_idle()
    assert await _linked_team(bot) == "traffic"

    # Confirmed by the lead of the other team, who runs the group: the group moves.
    bot.api.press(BLOOD_LEAD, again, move)
    moved = await bot.api.next_message(GROUP["id"])
    assert moved.text == "本群已成为无偿献血志愿服务队的队伍群，队伍通知将发布在这里。"
    assert await _linked_team(bot) == "blood"
    assert await bot.count("team_groups") == 1
    # The old confirmation cannot move it back to traffic: it was about blood.
    back = await bot.say(LEAD, "/link_group", chat=GROUP)
    assert back.text.startswith("本群目前是无偿献血志愿服务队的队伍群")
    assert await _linked_team(bot) == "blood"

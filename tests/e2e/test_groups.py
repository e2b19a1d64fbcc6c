"""Group chats over HTTP: linking a team's group, the bot removed, people blocking the bot."""

from __future__ import annotations

from tests.e2e.conftest import ADMIN, Harness, button_data
from tests.e2e.test_broadcast import LEAD, final_report, run_broadcast, seed
from tests.e2e.test_registration import LUCY
from tests.fake_bot_api import group_chat

GROUP = group_chat(-100555, "交通队群")


async def test_a_lead_links_their_group_and_team_broadcasts_reach_it(bot: Harness) -> None:
    await seed(bot, 2)
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

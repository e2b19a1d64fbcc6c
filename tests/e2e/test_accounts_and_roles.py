"""Language, help, forgetting, promotion and demotion over HTTP, including forged buttons."""

from __future__ import annotations

import logging

import pytest

from tests.e2e.conftest import ADMIN, Harness, button_data
from tests.e2e.test_registration import LUCY, ZHANG, register
from tests.fake_bot_api import FakeUser


async def test_language_follows_telegram_until_chosen_and_help_follows_the_choice(
    bot: Harness,
) -> None:
    assert (await bot.say(LUCY, "/help")).text.startswith("You are: guest")
    choice = await bot.say(LUCY, "/language")
    assert button_data(choice) == ["l:zh", "l:en"]
    confirmed = await bot.tap(LUCY, choice, "l:zh")
    assert confirmed.method == "editMessageText" and confirmed.text == "以后我将使用中文与您交流。"
    help_text = (await bot.say(LUCY, "/help")).text
    assert help_text.startswith("您的身份：访客") and "/register — 注册或修改注册信息" in help_text
    assert "/promote" not in help_text
    forged = await bot.answer_to_press(LUCY, choice, "l:fr")
    assert forged.params["text"] == "此按钮已失效。"


async def test_help_lists_what_each_role_may_do(bot: Harness) -> None:
    await register(bot, ZHANG, "张三", "13800138000", ["traffic"])
    volunteer_help = (await bot.say(ZHANG, "/help")).text
    assert "志愿者" in volunteer_help and "/profile" in volunteer_help
    assert "/promote" not in volunteer_help
    admin_help = (await bot.say(ADMIN, "/help")).text
    assert "管理员" in admin_help and all(
        c in admin_help for c in ("/promote", "/demote", "/teams")
    )


async def test_command_menus_are_published_per_language_and_for_admins(bot: Harness) -> None:
    zh = bot.api.commands_for(language_code="zh")
    en = bot.api.commands_for(language_code="en")
    assert {c["command"]: c["description"] for c in zh}["profile"] == "我的资料"
    assert {c["command"]: c["description"] for c in en}["profile"] == "Your profile"
    assert "promote" not in {c["command"] for c in en}
    admin_menu = bot.api.commands_for(scope={"type": "chat", "chat_id": ADMIN.id})
    assert "promote" in {c["command"] for c in admin_menu}


async def test_forget_me_erases_data_after_confirmation_and_allows_a_new_start(
    bot: Harness,
) -> None:
    await register(bot, ZHANG, "张三", "13800138000", ["traffic"])
    question = await bot.say(ZHANG, "/forget_me")
    assert "无法撤销" in question.text and button_data(question) == ["f:y", "f:n"]
    kept = await bot.tap(ZHANG, question, "f:n")
    assert kept.text == "没有删除任何信息。"
    assert await bot.services.registration.volunteer(ZHANG.id) is not None
    replayed = await bot.answer_to_press(ZHANG, question, "f:y")
    assert replayed.params["text"] == "此按钮已失效。", "a confirmation needs a fresh /forget_me"
    question = await bot.say(ZHANG, "/forget_me")
    done = await bot.tap(ZHANG, question, "f:y")
    assert done.text.startswith("您的个人信息已删除")
    assert await bot.services.registration.volunteer(ZHANG.id) is None
    assert "还没有注册" in (await bot.say(ZHANG, "/profile")).text
    assert "还没有注册" in (await bot.say(ZHANG, "/forget_me")).text
    await register(bot, ZHANG, "张三", "13800138000", ["blood"])
    assert await bot.count("volunteers") == 2


async def test_admin_promotes_by_name_fragment_and_the_volunteer_is_told(bot: Harness) -> None:
    await register(bot, ZHANG, "张三", "13800138000", ["traffic"])
    await register(bot, LUCY, "Lucy Li", "13900139000", ["blood"])
    ask = await bot.say(ADMIN, "/promote")
    assert "例如" in ask.text
    assert "最多 30 个字符" in (await bot.say(ADMIN, "x" * 5000)).text
    assert "没有找到" in (await bot.say(ADMIN, "'; DROP TABLE volunteers; --")).text
    results = await bot.say(ADMIN, "张")
    assert results.buttons[0]["text"] == "张三 +8613800138000"
    (pick,) = button_data(results)
    teams = await bot.tap(ADMIN, results, pick)
    assert "张三（+8613800138000）" in teams.text
    since = bot.api.mark()
    done = await bot.tap(ADMIN, teams, button_data(teams)[0])
    assert done.text == "张三 现在是文明交通志愿服务队的队长。"
    told = await bot.api.wait_for(lambda c: c.chat_id == ZHANG.id and c.ok, since=since)
    assert told.text.startswith("您已被任命为文明交通志愿服务队的队长")
    assert "队长（文明交通志愿服务队）" in (await bot.say(ZHANG, "/help")).text
    again = await bot.tap(ADMIN, teams, button_data(teams)[0])
    assert again.text == "张三 已经是这支队伍的队长。"
    overview = await bot.say(ADMIN, "/teams")
    assert "文明交通志愿服务队［traffic］：1 名成员；队长：张三" in overview.text

    demote = await bot.say(ADMIN, "/demote")
    assert button_data(demote) == [f"a:d:{pick.split(':')[-1]}:traffic"]
    since = bot.api.mark()
    done = await bot.tap(ADMIN, demote, button_data(demote)[0])
    assert done.text == "张三 不再担任文明交通志愿服务队的队长。"
    told = await bot.api.wait_for(lambda c: c.chat_id == ZHANG.id and c.ok, since=since)
    assert told.text == "您已不再担任文明交通志愿服务队的队长。"
    assert (await bot.say(ADMIN, "/demote")).text.startswith("目前还没有队长")


async def test_promotion_reports_when_the_volunteer_cannot_be_told(bot: Harness) -> None:
    await register(bot, LUCY, "Lucy Li", "13900139000", ["blood"])
    bot.api.block_bot(LUCY)
    results = await bot.say(ADMIN, "/promote Lucy")
    teams = await bot.tap(ADMIN, results, button_data(results)[0])
    done = await bot.tap(ADMIN, teams, button_data(teams)[1])
    assert "Lucy Li 现在是无偿献血志愿服务队的队长。" in done.text and "未能通知对方" in done.text


async def test_admin_adds_a_team_with_validated_answers(bot: Harness) -> None:
    overview = await bot.say(ADMIN, "/teams")
    ask_key = await bot.tap(ADMIN, overview, "a:nt")
    assert "elderly_care" in ask_key.text
    assert "例如：elderly_care" in (await bot.say(ADMIN, "Elderly Care!")).text
    assert "已存在" in (await bot.say(ADMIN, "traffic")).text
    assert "中文名称" in (await bot.say(ADMIN, "elderly_care")).text
    assert "1–60" in (await bot.say(ADMIN, "长" * 61)).text
    await bot.say(ADMIN, "敬老助残志愿服务队")
    added = await bot.say(ADMIN, "Elderly Care Volunteers")
    assert added.text == "已新增队伍：敬老助残志愿服务队［elderly_care］。"
    assert "elderly_care" in [t.key for t in await bot.services.teams.all()]


@pytest.mark.parametrize(
    "forged",
    ["a:pv:{id}", "a:pt:{id}:blood", "a:d:{id}:traffic", "a:nt", "a:pt:x:blood", "a:pt:{id}:nope"],
)
async def test_forged_admin_buttons_from_a_volunteer_and_a_lead_change_nothing(
    bot: Harness, forged: str
) -> None:
    lead = await bot.services.registration.register(
        ZHANG.id, "张三", "13800138000", ["traffic"], consent=True
    )
    await bot.services.roles.promote(await bot.services.roles.actor(ADMIN.id), lead.id, "traffic")
    await register(bot, LUCY, "Lucy Li", "13900139000", ["blood"])
    welcome = await bot.say(LUCY, "/start")
    for outsider in (LUCY, ZHANG):
        answer = await bot.answer_to_press(outsider, welcome, forged.format(id=lead.id))
        assert answer.params.get("text") in (
            "Only admins can do this.",
            "只有管理员可以进行此操作。",
            "此按钮已失效。",
            "This button is no longer valid.",
        )
    await bot.api.wait_idle()
    assert (await bot.services.roles.actor(ZHANG.id)).lead_team_keys == {"traffic"}
    assert (await bot.services.roles.actor(LUCY.id)).lead_team_keys == frozenset()
    assert await bot.count("teams") == 3 and await bot.count("role_changes") == 1
    assert await bot.count("dialogues") == 0


async def test_admin_commands_are_refused_to_others(bot: Harness) -> None:
    await register(bot, LUCY, "Lucy Li", "13900139000", ["blood"])
    for command in ("/promote", "/promote Lucy", "/demote", "/teams"):
        assert (await bot.say(LUCY, command)).text == "Only admins can do this."
    assert await bot.count("dialogues") == 0


async def test_a_replayed_update_has_one_effect_and_one_answer(bot: Harness) -> None:
    await register(bot, LUCY, "Lucy Li", "13900139000", ["blood"])
    question = await bot.say(LUCY, "/forget_me")
    since = bot.api.mark()
    press = bot.api.press(LUCY, question, "f:y")
    bot.api.replay(press)
    await bot.api.wait_idle()
    confirmations = [c for c in bot.api.sent_messages(LUCY.id) if c.index >= since]
    assert [c.text for c in confirmations] == [
        "Your personal data has been deleted. You can /register again whenever you like."
    ]
    start = bot.api.send_text(LUCY, "/start")
    bot.api.replay(start)
    await bot.api.wait_idle()
    assert len([c for c in bot.api.sent_messages(LUCY.id) if c.index > since]) == 2


async def test_double_press_registers_once_with_one_confirmation(bot: Harness) -> None:
    await bot.say(LUCY, "/register")
    await bot.say(LUCY, "Lucy Li")
    await bot.say(LUCY, "13900139000")
    teams = await bot.reply(LUCY)
    await bot.toggle(LUCY, teams, "r:t:blood")
    await bot.tap(LUCY, teams, "r:td")
    consent = await bot.reply(LUCY)
    since = bot.api.mark()
    bot.api.press(LUCY, consent, "r:c:y")
    bot.api.press(LUCY, consent, "r:c:y")
    await bot.api.wait_idle()
    sent = [c.text for c in bot.api.sent_messages(LUCY.id) if c.index >= since]
    assert len(sent) == 1 and sent[0].startswith("You are registered!")
    assert await bot.count("volunteers") == 1


async def test_an_unknown_command_or_text_gets_a_pointer_to_help(bot: Harness) -> None:
    assert "/help" in (await bot.say(LUCY, "/nonsense")).text
    assert "/help" in (await bot.say(LUCY, "hello")).text


async def test_a_failure_is_logged_with_context_and_the_person_gets_an_apology(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    bot.api.inject("sendMessage", "bad_request", description="Bad Request: chat not found")
    with caplog.at_level(logging.ERROR, logger="telegram_adapter.errors"):
        apology = await bot.say(LUCY, "/start")
    assert apology.text == "Sorry, something went wrong on our side. Please try again in a moment."
    (record,) = [r for r in caplog.records if r.name == "telegram_adapter.errors"]
    assert f"user {LUCY.id}" in record.getMessage() and record.exc_info is not None
    assert "Traceback" not in apology.text


async def test_a_flooding_person_is_ignored_with_one_notice_and_others_are_unaffected(
    tmp_path, api
) -> None:
    from tests.e2e.conftest import start_harness

    async for bot in start_harness(tmp_path, api, flood={"max_updates": 20, "mute_seconds": 60}):
        flooder = FakeUser(id=777, first_name="F", language_code="en")
        since = bot.api.mark()
        for _ in range(30):
            bot.api.send_text(flooder, "spam")
        calm = await bot.say(LUCY, "/help")
        assert calm.text.startswith("You are: guest")
        await bot.api.wait_idle()
        texts = [c.text for c in bot.api.sent_messages(flooder.id) if c.index >= since]
        assert texts.count("I did not understand that. Send /help to see what I can do.") == 20
        assert (
            texts.count("You are sending messages too fast. I will ignore you for 60 seconds.") == 1
        )
        assert len(texts) == 21


async def test_a_failing_command_menu_is_logged_and_the_bot_serves_anyway(
    tmp_path, api, caplog: pytest.LogCaptureFixture
) -> None:
    from tests.e2e.conftest import start_harness

    api.inject("setMyCommands", "bad_request", times=10, description="Bad Request: chat not found")
    with caplog.at_level(logging.WARNING, logger="telegram_adapter.commands"):
        async for bot in start_harness(tmp_path, api):
            assert (await bot.say(LUCY, "/help")).text.startswith("You are: guest")
    assert any("could not set the command menu" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    "bad", ["", "x" * 5000, "a\x00b", "%", "😀", "'; DROP TABLE volunteers; --"]
)
async def test_bad_search_text_when_promoting_is_answered_with_an_example(
    bot: Harness, bad: str
) -> None:
    await register(bot, ZHANG, "张三", "13800138000", ["traffic"])
    await bot.say(ADMIN, "/promote")
    answer = await bot.say(ADMIN, bad or "\u200b")
    assert "例如：张 或 1381234" in answer.text
    assert (await bot.services.dialogues.current(ADMIN.id)).step == "query"
    results = await bot.say(ADMIN, "1380013")
    assert button_data(results)[0].startswith("a:pv:")


@pytest.mark.parametrize(
    ("step_answers", "bad", "example"),
    [
        ([], "", "例如：elderly_care"),
        ([], "x" * 5000, "例如：elderly_care"),
        ([], "😀", "例如：elderly_care"),
        ([], "drop table;", "例如：elderly_care"),
        (["elderly"], "x" * 5000, "例如：敬老助残志愿服务队"),
        (["elderly"], "a\x1bb", "例如：敬老助残志愿服务队"),
        (["elderly", "敬老"], "y" * 61, "例如：敬老助残志愿服务队"),
    ],
)
async def test_bad_answers_when_adding_a_team_are_refused_and_nothing_is_added(
    bot: Harness, step_answers: list[str], bad: str, example: str
) -> None:
    overview = await bot.say(ADMIN, "/teams")
    await bot.tap(ADMIN, overview, "a:nt")
    for answer in step_answers:
        await bot.say(ADMIN, answer)
    refusal = await bot.say(ADMIN, bad or "\u200b")
    assert example in refusal.text
    assert await bot.count("teams") == 3

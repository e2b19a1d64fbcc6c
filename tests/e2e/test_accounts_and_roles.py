"""Language, help, forgetting, promotion and demotion over HTTP, including forged buttons."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.i18n import Translator
from tests.e2e.helpers import (
    ADMIN,
    LUCY,
    ZHANG,
    Harness,
    appoint_lead,
    button_data,
    en,
    enrol,
    register,
    says,
    start_harness,
    walk_to_consent,
    zh,
)
from tests.fake_bot_api import FakeBotApi, FakeUser

TRAFFIC, BLOOD = "文明交通志愿服务队", "无偿献血志愿服务队"


def _help_line(t: Translator, command: str) -> str:
    return f"/{command} — {t(f'cmd.{command}')}"


async def test_language_follows_telegram_until_chosen_and_help_follows_the_choice(
    bot: Harness,
) -> None:
    guest_help = (await bot.say(LUCY, "/help")).text.split("\n")
    assert guest_help[0] == en("help.header", role=en("role.guest"))
    choice = await bot.say(LUCY, "/language")
    assert button_data(choice) == ["l:zh", "l:en"]
    confirmed = await bot.tap(LUCY, choice, "l:zh")
    assert confirmed.method == "editMessageText" and confirmed.text == zh("language.set")
    help_lines = (await bot.say(LUCY, "/help")).text.split("\n")
    assert help_lines[0] == zh("help.header", role=zh("role.guest"))
    assert _help_line(zh, "register") in help_lines
    assert _help_line(zh, "promote") not in help_lines
    forged = await bot.answer_to_press(LUCY, choice, "l:fr")
    assert forged.params["text"] == zh("button.expired")


async def test_help_lists_what_each_role_may_do(bot: Harness) -> None:
    await register(bot, ZHANG, "张三", "13800138000", ["traffic"])
    volunteer_help = (await bot.say(ZHANG, "/help")).text.split("\n")
    assert volunteer_help[0] == zh("help.header", role=zh("role.volunteer"))
    assert _help_line(zh, "profile") in volunteer_help
    assert _help_line(zh, "promote") not in volunteer_help
    admin_help = (await bot.say(ADMIN, "/help")).text.split("\n")
    assert admin_help[0] == zh("help.header", role=zh("role.admin"))
    assert all(_help_line(zh, c) in admin_help for c in ("promote", "demote", "teams"))


async def test_command_menus_are_published_per_language_and_for_admins(bot: Harness) -> None:
    chinese = bot.api.commands_for(language_code="zh")
    english = bot.api.commands_for(language_code="en")
    assert {c["command"]: c["description"] for c in chinese}["profile"] == zh("cmd.profile")
    assert {c["command"]: c["description"] for c in english}["profile"] == en("cmd.profile")
    assert "promote" not in {c["command"] for c in english}
    admin_menu = bot.api.commands_for(scope={"type": "chat", "chat_id": ADMIN.id})
    assert "promote" in {c["command"] for c in admin_menu}


async def test_forget_me_asks_first_and_no_keeps_everything(bot: Harness) -> None:
    await register(bot, ZHANG, "张三", "13800138000", ["traffic"])
    question = await bot.say(ZHANG, "/forget_me")
    assert question.text == zh("forget.confirm") and button_data(question) == ["f:y", "f:n"]
    kept = await bot.tap(ZHANG, question, "f:n")
    assert kept.text == zh("forget.kept")
    assert await bot.services.registration.volunteer(ZHANG.id) is not None
    replayed = await bot.answer_to_press(ZHANG, question, "f:y")
    assert replayed.params["text"] == zh("button.expired"), "it needs a fresh /forget_me"
    await bot.api.wait_idle()
    assert await bot.services.registration.volunteer(ZHANG.id) is not None


async def test_forget_me_erases_data_after_confirmation_and_allows_a_new_start(
    bot: Harness,
) -> None:
    await register(bot, ZHANG, "张三", "13800138000", ["traffic"])
    question = await bot.say(ZHANG, "/forget_me")
    done = await bot.tap(ZHANG, question, "f:y")
    assert done.text == zh("forget.done")
    assert await bot.services.registration.volunteer(ZHANG.id) is None
    assert (await bot.say(ZHANG, "/profile")).text == zh("error.not_registered")
    assert (await bot.say(ZHANG, "/forget_me")).text == zh("error.not_registered")
    await register(bot, ZHANG, "张三", "13800138000", ["blood"])
    assert await bot.count("volunteers") == 2


async def test_admin_promotes_by_name_fragment_and_the_volunteer_is_told(bot: Harness) -> None:
    await register(bot, ZHANG, "张三", "13800138000", ["traffic"])
    await register(bot, LUCY, "Lucy Li", "13900139000", ["blood"])
    ask = await bot.say(ADMIN, "/promote")
    assert ask.text == zh("promote.ask_query")
    assert (await bot.say(ADMIN, "x" * 5000)).text == zh("error.invalid_search", max=30)
    sql = "'; DROP TABLE volunteers; --"
    assert (await bot.say(ADMIN, sql)).text == zh("promote.none", query=sql)
    results = await bot.say(ADMIN, "张")
    assert results.buttons[0]["text"] == "张三 +8613800138000"
    (pick,) = button_data(results)
    teams = await bot.tap(ADMIN, results, pick)
    assert teams.text == zh("promote.choose_team", name="张三", phone="+8613800138000")
    since = bot.api.mark()
    done = await bot.tap(ADMIN, teams, button_data(teams)[0])
    assert done.text == zh("promote.done", name="张三", team=TRAFFIC)
    told = await bot.api.wait_for(lambda c: c.chat_id == ZHANG.id and c.ok, since=since)
    assert told.text == zh("promote.told", team=TRAFFIC)
    zhang_help = (await bot.say(ZHANG, "/help")).text.split("\n")
    assert zhang_help[0] == zh("help.header", role=zh("role.lead", teams=TRAFFIC))
    again = await bot.tap(ADMIN, teams, button_data(teams)[0])
    assert again.text == zh("error.already_lead", name="张三")
    overview = await bot.say(ADMIN, "/teams")
    line = zh("teams.line", name=TRAFFIC, key="traffic", members=1, leads="张三")
    assert line in overview.text.split("\n")


async def test_admin_demotes_a_lead_and_the_lead_is_told(bot: Harness) -> None:
    await appoint_lead(bot, ZHANG, "traffic", "张三", "13800138000")
    zhang = await bot.services.registration.volunteer(ZHANG.id)
    assert zhang is not None
    demote = await bot.say(ADMIN, "/demote")
    assert button_data(demote) == [f"a:d:{zhang.id}:traffic"]
    since = bot.api.mark()
    done = await bot.tap(ADMIN, demote, button_data(demote)[0])
    assert done.text == zh("demote.done", name="张三", team=TRAFFIC)
    told = await bot.api.wait_for(lambda c: c.chat_id == ZHANG.id and c.ok, since=since)
    assert told.text == zh("demote.told", team=TRAFFIC)
    assert (await bot.say(ADMIN, "/demote")).text == zh("demote.none")
    assert (await bot.services.roles.actor(ZHANG.id)).lead_team_keys == frozenset()


async def test_promotion_reports_when_the_volunteer_cannot_be_told(bot: Harness) -> None:
    await register(bot, LUCY, "Lucy Li", "13900139000", ["blood"])
    bot.api.block_bot(LUCY)
    results = await bot.say(ADMIN, "/promote Lucy")
    teams = await bot.tap(ADMIN, results, button_data(results)[0])
    done = await bot.tap(ADMIN, teams, button_data(teams)[1])
    assert zh("promote.done", name="Lucy Li", team=BLOOD) in done.text
    assert zh("notify.unreachable") in done.text


async def test_admin_adds_a_team_with_validated_answers(bot: Harness) -> None:
    overview = await bot.say(ADMIN, "/teams")
    ask_key = await bot.tap(ADMIN, overview, "a:nt")
    assert ask_key.text == zh("teams.ask_key")
    assert (await bot.say(ADMIN, "Elderly Care!")).text == zh("error.invalid_team_key")
    assert (await bot.say(ADMIN, "traffic")).text == zh("error.team_key_taken", key="traffic")
    assert (await bot.say(ADMIN, "elderly_care")).text == zh("teams.ask_name_zh")
    assert (await bot.say(ADMIN, "长" * 61)).text == zh("error.invalid_team_name", max=60)
    assert (await bot.say(ADMIN, "敬老助残志愿服务队")).text == zh("teams.ask_name_en")
    added = await bot.say(ADMIN, "Elderly Care Volunteers")
    assert added.text == zh("teams.added", name="敬老助残志愿服务队", key="elderly_care")
    assert "elderly_care" in [t.key for t in await bot.services.teams.all()]


@pytest.mark.parametrize(
    "forged",
    ["a:pv:{id}", "a:pt:{id}:blood", "a:d:{id}:traffic", "a:nt", "a:pt:x:blood", "a:pt:{id}:nope"],
)
async def test_forged_admin_buttons_from_a_volunteer_and_a_lead_change_nothing(
    bot: Harness, forged: str
) -> None:
    await appoint_lead(bot, ZHANG, "traffic", "张三", "13800138000")
    lead = await bot.services.registration.volunteer(ZHANG.id)
    assert lead is not None
    await register(bot, LUCY, "Lucy Li", "13900139000", ["blood"])
    welcome = await bot.say(LUCY, "/start")
    refusals = {t(key) for t in (zh, en) for key in ("error.not_admin", "button.expired")}
    for outsider in (LUCY, ZHANG):
        answer = await bot.answer_to_press(outsider, welcome, forged.format(id=lead.id))
        assert answer.params.get("text") in refusals
    await bot.api.wait_idle()
    assert (await bot.services.roles.actor(ZHANG.id)).lead_team_keys == {"traffic"}
    assert (await bot.services.roles.actor(LUCY.id)).lead_team_keys == frozenset()
    assert await bot.count("teams") == 3 and await bot.count("role_changes") == 1
    assert await bot.count("dialogues") == 0


async def test_admin_commands_are_refused_to_others(bot: Harness) -> None:
    await register(bot, LUCY, "Lucy Li", "13900139000", ["blood"])
    for command in ("/promote", "/promote Lucy", "/demote", "/teams"):
        assert (await bot.say(LUCY, command)).text == en("error.not_admin")
    assert await bot.count("dialogues") == 0


async def test_a_replayed_update_has_one_effect_and_one_answer(bot: Harness) -> None:
    await register(bot, LUCY, "Lucy Li", "13900139000", ["blood"])
    question = await bot.say(LUCY, "/forget_me")
    since = bot.api.mark()
    press = bot.api.press(LUCY, question, "f:y")
    bot.api.replay(press)
    await bot.api.wait_idle()
    confirmations = [c for c in bot.api.sent_messages(LUCY.id) if c.index >= since]
    assert [c.text for c in confirmations] == [en("forget.done")]
    start = bot.api.send_text(LUCY, "/start")
    bot.api.replay(start)
    await bot.api.wait_idle()
    assert len([c for c in bot.api.sent_messages(LUCY.id) if c.index > since]) == 2


async def test_double_press_registers_once_with_one_confirmation(bot: Harness) -> None:
    consent = await walk_to_consent(bot, LUCY, "Lucy Li", "13900139000", ["blood"], typed=True)
    since = bot.api.mark()
    bot.api.press(LUCY, consent, "r:c:y")
    bot.api.press(LUCY, consent, "r:c:y")
    await bot.api.wait_idle()
    sent = [c.text for c in bot.api.sent_messages(LUCY.id) if c.index >= since]
    assert len(sent) == 1 and says(sent[0], "register.done")
    assert await bot.count("volunteers") == 1


async def test_an_unknown_command_or_text_gets_a_pointer_to_help(bot: Harness) -> None:
    assert (await bot.say(LUCY, "/nonsense")).text == en("fallback.unknown")
    assert (await bot.say(LUCY, "hello")).text == en("fallback.unknown")


async def test_a_failure_is_logged_with_context_and_the_person_gets_an_apology(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    bot.api.inject("sendMessage", "bad_request", description="Bad Request: chat not found")
    with caplog.at_level(logging.ERROR, logger="telegram_adapter.errors"):
        apology = await bot.say(LUCY, "/start")
    assert apology.text == en("error.generic")
    (record,) = [r for r in caplog.records if r.name == "telegram_adapter.errors"]
    assert f"user {LUCY.id}" in record.getMessage() and record.exc_info is not None


async def test_a_flooding_person_is_ignored_with_one_notice_and_others_are_unaffected(
    tmp_path: Path, api: FakeBotApi
) -> None:
    async for bot in start_harness(tmp_path, api, flood={"max_updates": 20, "mute_seconds": 60}):
        flooder = FakeUser(id=777, first_name="F", language_code="en")
        since = bot.api.mark()
        for _ in range(30):
            bot.api.send_text(flooder, "spam")
        calm = await bot.say(LUCY, "/help")
        assert calm.text.split("\n")[0] == en("help.header", role=en("role.guest"))
        await bot.api.wait_idle()
        texts = [c.text for c in bot.api.sent_messages(flooder.id) if c.index >= since]
        assert texts.count(en("fallback.unknown")) == 20
        assert texts.count(en("flood.notice", seconds=60)) == 1
        assert len(texts) == 21


async def test_a_failing_command_menu_is_logged_and_the_bot_serves_anyway(
    tmp_path: Path, api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    api.inject("setMyCommands", "bad_request", times=10, description="Bad Request: chat not found")
    with caplog.at_level(logging.WARNING, logger="telegram_adapter.commands"):
        async for bot in start_harness(tmp_path, api):
            help_text = (await bot.say(LUCY, "/help")).text
            assert help_text.split("\n")[0] == en("help.header", role=en("role.guest"))
    assert any("could not set the command menu" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    "bad", ["", "x" * 5000, "a\x00b", "%", "😀", "'; DROP TABLE volunteers; --"]
)
async def test_bad_search_text_when_promoting_is_answered_with_an_example(
    bot: Harness, bad: str
) -> None:
    await enrol(bot, ZHANG, "张三", "13800138000", ["traffic"])
    await bot.say(ADMIN, "/promote")
    answer = await bot.say(ADMIN, bad or "\u200b")
    assert says(answer.text, "error.invalid_search", max=30) or says(answer.text, "promote.none")
    dialogue = await bot.services.dialogues.current(ADMIN.id)
    assert dialogue is not None and dialogue.step == "query"
    results = await bot.say(ADMIN, "1380013")
    assert button_data(results)[0].startswith("a:pv:")


@pytest.mark.parametrize(
    ("step_answers", "bad", "refusal"),
    [
        ([], "", zh("error.invalid_team_key")),
        ([], "x" * 5000, zh("error.invalid_team_key")),
        ([], "😀", zh("error.invalid_team_key")),
        ([], "drop table;", zh("error.invalid_team_key")),
        (["elderly"], "x" * 5000, zh("error.invalid_team_name", max=60)),
        (["elderly"], "a\x1bb", zh("error.invalid_team_name", max=60)),
        (["elderly", "敬老"], "y" * 61, zh("error.invalid_team_name", max=60)),
    ],
)
async def test_bad_answers_when_adding_a_team_are_refused_and_nothing_is_added(
    bot: Harness, step_answers: list[str], bad: str, refusal: str
) -> None:
    overview = await bot.say(ADMIN, "/teams")
    await bot.tap(ADMIN, overview, "a:nt")
    for answer in step_answers:
        await bot.say(ADMIN, answer)
    assert (await bot.say(ADMIN, bad or "\u200b")).text == refusal
    assert await bot.count("teams") == 3

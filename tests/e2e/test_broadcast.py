"""Broadcasts over HTTP: the lead's whole dialogue, progress, stopping, faults, and Telegram's
limits proven from the fake server's own timestamps."""

from __future__ import annotations

from collections import Counter
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from storage import accounts
from tests.e2e.helpers import (
    ADMIN,
    FAST,
    LEAD,
    Harness,
    button_data,
    en,
    enrol,
    final_report,
    mentions,
    most_in_window,
    publish,
    run_broadcast,
    says,
    seed_team,
    start_harness,
    zh,
)
from tests.fake_bot_api import FakeBotApi, FakeUser, group_chat

MEMBER = FakeUser(id=301, first_name="Member", language_code="en")
OUTSIDER = FakeUser(id=302, first_name="Other", language_code="en")
GROUP = group_chat(-100777, "交通队群")
TRAFFIC = "文明交通志愿服务队"


@pytest.fixture
def bot_settings() -> dict[str, Any]:
    return {"sending": {**FAST["sending"], "progress_interval_seconds": 0.2}}


async def test_a_lead_broadcasts_to_their_team_and_watches_it_finish(bot: Harness) -> None:
    members = await seed_team(bot, 30)
    ask = await bot.say(LEAD, "/broadcast")
    assert says(ask.text, "broadcast.ask_text", audience=TRAFFIC)
    body = "明早 8 点人民路口集合，请穿马甲。"
    await bot.say(LEAD, body)
    preview = await bot.reply(LEAD)
    assert preview.text == f"{zh('broadcast.header', source=TRAFFIC)}\n\n{body}"
    confirm = await bot.reply(LEAD)
    assert confirm.text == zh("broadcast.confirm", count=31, audience=TRAFFIC)
    since = bot.api.mark()
    bot.api.press(LEAD, confirm, "b:go")
    progress = await bot.told(LEAD.id, since, "broadcast.progress", audience=TRAFFIC)
    assert progress.method == "sendMessage" and button_data(progress) == ["b:s:1"]
    report = await final_report(bot, LEAD, progress)
    assert mentions(report.text, "broadcast.finished", sent=31) and report.reply_markup is None
    for member in members:
        (received,) = bot.api.sent_texts(member)
        header = en if member % 2 == 0 else zh  # the members alternate English and Chinese
        source = "Civility Traffic Volunteers" if member % 2 == 0 else TRAFFIC
        assert received == f"{header('broadcast.header', source=source)}\n\n{body}"
    assert bot.api.sent_texts(LEAD.id).count(preview.text) == 2, "the preview, then the copy"


@pytest.mark.parametrize("bad", ["x" * 5000, "a\x00b", " "])
async def test_a_bad_broadcast_text_is_refused_with_an_example(bot: Harness, bad: str) -> None:
    await seed_team(bot, 1)
    await bot.say(LEAD, "/broadcast")
    assert says((await bot.say(LEAD, bad)).text, "error.invalid_broadcast")
    assert await bot.count("broadcasts") == 0


async def test_an_admin_picks_the_audience_and_stops_a_running_broadcast(
    tmp_path: Path, api: FakeBotApi
) -> None:
    slow = {"sending": {"global_per_second": 5, "progress_interval_seconds": 0.2}}
    async for bot in start_harness(tmp_path, api, **slow):
        await seed_team(bot, 40)
        choose = await bot.say(ADMIN, "/broadcast")
        assert choose.text == zh("broadcast.choose_audience")
        assert button_data(choose)[:2] == ["b:a:all", "b:a:team:traffic"]
        progress = await run_broadcast(bot, ADMIN, "全体注意", audience="b:a:all")
        since = bot.api.mark()
        bot.api.press(ADMIN, progress, "b:s:1")
        # The progress job may edit the message once more before the stop's own answer.
        await bot.api.wait_for(
            lambda c: c.method == "editMessageText" and says(c.text, "broadcast.stopped"),
            since=since,
        )
        counts = (await bot.services.broadcasts.status(1)).counts
        assert counts.pending == 0, "claimed rows waiting for their turn were dropped at once"
        assert counts.cancelled > 20
        await bot.api.wait_idle(quiet=0.5)
        delivered = [c for c in bot.api.sent_messages() if "全体注意" in (c.text or "")]
        assert len(delivered) - 1 == (await bot.services.broadcasts.status(1)).counts.sent


async def test_people_without_the_role_cannot_broadcast_even_with_forged_buttons(
    bot: Harness,
) -> None:
    await seed_team(bot, 3)
    await enrol(bot, MEMBER, "Member", "13900000301", ["traffic"])
    assert (await bot.say(MEMBER, "/broadcast")).text == en("error.not_lead_or_admin")
    own = await bot.say(MEMBER, "/start")
    refusals = {
        en(key) for key in ("error.not_lead_or_admin", "button.expired", "error.unknown_broadcast")
    }
    for forged in ["b:a:team:traffic", "b:a:all", "b:go", "b:s:1", "b:p:1"]:
        answer = await bot.answer_to_press(MEMBER, own, forged)
        assert answer.params["text"] in refusals
    assert await bot.count("broadcasts") == 0


async def test_a_lead_may_address_only_their_own_team(bot: Harness) -> None:
    await seed_team(bot, 3)
    lead_own = await bot.say(LEAD, "/start")
    for audience in ("b:a:team:blood", "b:a:all"):
        refused = await bot.answer_to_press(LEAD, lead_own, audience)
        assert refused.params["text"] == zh("error.audience_not_allowed")
    await bot.api.wait_idle()
    assert await bot.count("broadcasts") == 0


async def test_only_the_author_or_an_admin_stops_a_broadcast(bot: Harness) -> None:
    await seed_team(bot, 3)
    await enrol(bot, MEMBER, "Member", "13900000301", ["traffic"])
    own = await bot.say(MEMBER, "/start")
    progress = await run_broadcast(bot, LEAD, "hello team")
    await final_report(bot, LEAD, progress)
    refused = await bot.answer_to_press(MEMBER, own, "b:s:1")
    assert refused.params["text"] == en("error.not_broadcast_author")
    assert await bot.count("broadcasts") == 1
    assert (await bot.services.broadcasts.status(1)).broadcast.state == "done"


async def test_blocked_throttled_and_failing_recipients_each_end_recorded_once(
    bot: Harness,
) -> None:
    members = await seed_team(bot, 12)
    blocked, throttled, flaky, rejected = members[:4]
    bot.api.inject("sendMessage", "forbidden", chat_id=blocked)
    bot.api.inject("sendMessage", "retry_after", retry_after=1, chat_id=throttled)
    bot.api.inject("sendMessage", "network", times=2, chat_id=flaky)
    bot.api.inject(
        "sendMessage", "bad_request", description="Bad Request: chat not found", chat_id=rejected
    )
    progress = await run_broadcast(bot, LEAD, "注意安全")
    report = await final_report(bot, LEAD, progress)
    assert mentions(report.text, "broadcast.finished", sent=11, blocked=1, failed=1)
    received = Counter(c.chat_id for c in bot.api.sent_messages() if "注意安全" in (c.text or ""))
    assert received[blocked] == 0 and received[rejected] == 0
    assert all(received[m] == 1 for m in members if m not in (blocked, rejected))
    async with bot.db.reader.execute(
        "SELECT chat_id, state, attempts, last_error FROM outbox WHERE chat_id IN (?, ?, ?, ?)"
        " ORDER BY chat_id",
        (blocked, throttled, flaky, rejected),
    ) as cursor:
        rows = {row[0]: tuple(row[1:]) for row in await cursor.fetchall()}
    assert rows[blocked][0] == "blocked" and "blocked" in rows[blocked][2]
    assert rows[throttled][:2] == ("sent", 2)
    assert rows[flaky][:2] == ("sent", 3)
    assert rows[rejected] == ("failed", 1, "Chat not found")
    account = await accounts.get(bot.db.reader, blocked)
    assert account is not None and account.unreachable


def _all_sent(api: FakeBotApi, expected: int) -> bool:
    return sum(1 for c in api.sent_messages() if "通知" in (c.text or "")) == expected


LIMITS: dict[str, Any] = {
    "global_per_second": 40,
    "private_per_second": 1,
    "private_burst": 3,
    "group_messages": 2,
    "group_window_seconds": 2,
    "progress_interval_seconds": 0.5,
}


async def test_no_window_of_sent_messages_exceeds_any_limit_and_replies_stay_quick(
    tmp_path: Path, api: FakeBotApi
) -> None:
    async for bot in start_harness(tmp_path, api, sending=LIMITS):
        await seed_team(bot, 40)
        lead = await bot.services.roles.actor(LEAD.id)
        await bot.services.groups.link(lead, GROUP["id"], "交通队群", "traffic", group_admin=True)
        for n in range(4):
            await bot.services.broadcasts.start(lead, "team:traffic", f"通知 {n}", LEAD.id)
        reply_delays = []
        for _ in range(3):
            asked = bot.api.mark()
            answer = await bot.say(OUTSIDER, "/help")
            reply_delays.append(
                answer.at - bot.api.calls[asked].at if asked < len(bot.api.calls) else 0
            )
        await bot.api.wait_until(partial(_all_sent, bot.api, 4 * 42), timeout=60)
        sends = [c for c in bot.api.calls if c.ok and c.method.startswith(("send", "edit"))]
        assert most_in_window(c.at for c in sends) <= 40
        group = [c.at for c in sends if c.chat_id == GROUP["id"]]
        assert len(group) == 4 and most_in_window(group, 2.0) <= 2
        by_chat: dict[int, list[float]] = {}
        for call in sends:
            if isinstance(call.chat_id, int) and call.chat_id > 0:
                by_chat.setdefault(call.chat_id, []).append(call.at)
        for times in by_chat.values():
            times.sort()
            for i, start in enumerate(times):
                for end in times[i:]:
                    assert len([t for t in times if start <= t <= end]) <= 3 + (end - start) * 1.0
        pending = [
            c for c in bot.api.calls if c.method == "sendMessage" and "通知" in (c.text or "")
        ]
        assert max(reply_delays) < 1.0, "replies go before the queued broadcast"
        assert len(pending) == 4 * 42, "every message sent exactly once"


async def test_outbox_rows_can_carry_a_file_with_a_caption_and_buttons(
    bot: Harness, tmp_path: Path
) -> None:
    from bot.outbox.models import Button, OutgoingMessage
    from storage import outbox

    report = tmp_path / "报告.csv"
    report.write_text("name,hours\n张三,3\n", encoding="utf-8")
    message = OutgoingMessage(
        LEAD.id,
        "export",
        "11月服务时长",
        buttons=((Button("打开", url="https://example.org/r"),),),
        file_path=str(report),
        file_kind="document",
    )
    async with bot.db.transaction() as tx:
        await outbox.enqueue(tx, [message], bot.clock.now())
    bot.services.outbox_signal.notify()
    sent = await bot.api.wait_for_method("sendDocument", timeout=10)
    assert sent.params["caption"] == "11月服务时长"
    (upload,) = sent.files.values()
    assert upload.data == report.read_bytes() and upload.filename == "报告.csv"
    assert sent.reply_markup["inline_keyboard"][0][0]["url"] == "https://example.org/r"


async def test_a_lead_messages_only_the_confirmed_volunteers_of_an_activity(bot: Harness) -> None:
    members = await seed_team(bot, 3)
    activity = await publish(bot, capacity=2)
    for member in members:
        await bot.services.signups.sign_up(member, activity.id)
    choose = await bot.say(LEAD, "/broadcast")
    assert button_data(choose) == ["b:a:team:traffic", f"b:a:activity:{activity.id}"]
    progress = await run_broadcast(
        bot, LEAD, "明早 7:30 集合", audience=f"b:a:activity:{activity.id}"
    )
    report = await final_report(bot, LEAD, progress)
    assert mentions(report.text, "broadcast.finished", sent=2)
    received = [m for m in members if any("7:30" in t for t in bot.api.sent_texts(m))]
    assert received == members[:2], "the waitlisted member is not in the audience"
    copy = next(t for t in bot.api.sent_texts(members[0]) if "7:30" in t)
    assert copy.startswith(en("broadcast.header", source="人民路口文明交通劝导"))

"""Broadcasts over HTTP: the lead's whole dialogue, progress, stopping, faults, and Telegram's
limits proven from the fake server's own timestamps."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import ADMIN, FAST, Harness, button_data, start_harness
from tests.fake_bot_api import Call, FakeBotApi, FakeUser, group_chat

LEAD = FakeUser(id=300, first_name="Lead", language_code="zh-hans")
MEMBER = FakeUser(id=301, first_name="Member", language_code="en")
OUTSIDER = FakeUser(id=302, first_name="Other", language_code="en")
GROUP = group_chat(-100777, "交通队群")


async def seed(
    bot: Harness, members: int, team: str = "traffic", first_id: int = 1000
) -> list[int]:
    """A lead of `team` (LEAD) and `members` registered members who have talked to the bot."""
    services = bot.services
    ids = []
    for n in range(members):
        telegram_id = first_id + n
        await services.registration.register(
            telegram_id, "张三", f"137{telegram_id:08d}", [team], consent=True
        )
        await services.accounts.seen(telegram_id, "zh-hans" if n % 2 else "en")
        ids.append(telegram_id)
    if await services.registration.volunteer(LEAD.id) is None:
        lead = await services.registration.register(
            LEAD.id, "张队长", "13900000300", [team], consent=True
        )
        await services.roles.promote(await services.roles.actor(ADMIN.id), lead.id, team)
    return ids


async def run_broadcast(
    bot: Harness, user: FakeUser, text: str, audience: str | None = None
) -> Call:
    """Drive /broadcast to the progress message; return it."""
    first = await bot.say(user, "/broadcast")
    if audience is not None:
        first = await bot.tap(user, first, audience)
    assert "/cancel" in first.text
    await bot.say(user, text)
    await bot.reply(user)  # the preview
    confirm = await bot.reply(user)
    assert button_data(confirm) == ["b:go", "b:no"]
    progress = await bot.tap(user, confirm, "b:go")
    return (
        progress if "Sent" in progress.text or "已发送" in progress.text else await bot.reply(user)
    )


async def final_report(bot: Harness, user: FakeUser, progress: Call, timeout: float = 30) -> Call:
    return await bot.api.wait_for(
        lambda c: (
            c.method == "editMessageText"
            and c.chat_id == user.id
            and c.params.get("message_id") == progress.message_id
            and (
                "finished" in (c.text or "")
                or "已完成" in (c.text or "")
                or "stopped" in (c.text or "")
                or "已停止" in (c.text or "")
            )
        ),
        timeout=timeout,
    )


@pytest.fixture
async def bot(tmp_path: Path, api: FakeBotApi) -> AsyncIterator[Harness]:
    fast = {**FAST, "sending": {**FAST["sending"], "progress_interval_seconds": 0.2}}
    async for harness in start_harness(tmp_path, api, **fast):
        yield harness


async def test_a_lead_broadcasts_to_their_team_and_watches_it_finish(bot: Harness) -> None:
    members = await seed(bot, 30)
    ask = await bot.say(LEAD, "/broadcast")
    assert ask.text.startswith("请发送给文明交通志愿服务队的消息内容")
    for bad in ["x" * 5000, "a\x00b", " "]:
        assert "例如：明天上午9点" in (await bot.say(LEAD, bad)).text
    await bot.say(LEAD, "明早 8 点人民路口集合，请穿马甲。")
    preview = await bot.reply(LEAD)
    assert preview.text == "📢 文明交通志愿服务队\n\n明早 8 点人民路口集合，请穿马甲。"
    confirm = await bot.reply(LEAD)
    assert confirm.text == "发送给 31 位接收人（文明交通志愿服务队）吗？"
    since = bot.api.mark()
    bot.api.press(LEAD, confirm, "b:go")
    progress = await bot.api.wait_for(
        lambda c: (
            c.method == "sendMessage" and c.chat_id == LEAD.id and "正在群发" in (c.text or "")
        ),
        since=since,
    )
    assert button_data(progress) == [f"b:s:{1}"]
    report = await final_report(bot, LEAD, progress)
    assert "已发送：31" in report.text and report.reply_markup is None
    for member in members:
        (received,) = bot.api.sent_texts(member)
        expected = "📢 Civility Traffic Volunteers" if member % 2 == 0 else "📢 文明交通志愿服务队"
        assert received.startswith(expected) and received.endswith("请穿马甲。")
    assert bot.api.sent_texts(LEAD.id).count(preview.text) == 2, "the preview, then the copy"


async def test_an_admin_picks_the_audience_and_stops_a_running_broadcast(
    tmp_path: Path, api: FakeBotApi
) -> None:
    slow = {"sending": {"global_per_second": 5, "progress_interval_seconds": 0.2}}
    async for bot in start_harness(tmp_path, api, **slow):
        await seed(bot, 40)
        choose = await bot.say(ADMIN, "/broadcast")
        assert button_data(choose)[:2] == ["b:a:all", "b:a:team:traffic"]
        progress = await run_broadcast(bot, ADMIN, "全体注意", audience="b:a:all")
        since = bot.api.mark()
        bot.api.press(ADMIN, progress, f"b:s:{1}")
        # The progress job may edit the message once more before the stop's own answer.
        await bot.api.wait_for(
            lambda c: "已停止" in (c.text or "") and c.method == "editMessageText", since=since
        )
        services = bot.services
        counts = (await services.broadcasts.status(1)).counts
        assert counts.pending == 0, "claimed rows waiting for their turn were dropped at once"
        assert counts.cancelled > 20
        await bot.api.wait_idle(quiet=0.5)
        delivered = [c for c in bot.api.sent_messages() if "全体注意" in (c.text or "")]
        assert len(delivered) - 1 == (await bot.services.broadcasts.status(1)).counts.sent


async def test_people_without_the_role_cannot_broadcast_even_with_forged_buttons(
    bot: Harness,
) -> None:
    await seed(bot, 3)
    await bot.services.registration.register(
        MEMBER.id, "Member", "13900000301", ["traffic"], consent=True
    )
    assert (await bot.say(MEMBER, "/broadcast")).text == "Only team leads and admins can do this."
    own = await bot.say(MEMBER, "/start")
    for forged in ["b:a:team:traffic", "b:a:all", "b:go", "b:s:1", "b:p:1"]:
        answer = await bot.answer_to_press(MEMBER, own, forged)
        assert answer.params["text"] in (
            "Only team leads and admins can do this.",
            "This button is no longer valid.",
            "That broadcast no longer exists.",
        )
    lead_own = await bot.say(LEAD, "/start")
    refused = await bot.answer_to_press(LEAD, lead_own, "b:a:team:blood")
    assert refused.params["text"] == "您只能向自己担任队长的队伍群发消息。"
    refused = await bot.answer_to_press(LEAD, lead_own, "b:a:all")
    assert refused.params["text"] == "您只能向自己担任队长的队伍群发消息。"
    await bot.api.wait_idle()
    progress = await run_broadcast(bot, LEAD, "hello team")
    await final_report(bot, LEAD, progress)
    refused = await bot.answer_to_press(MEMBER, own, "b:s:1")
    assert refused.params["text"] == "Only the author of this broadcast or an admin can stop it."
    assert await bot.count("broadcasts") == 1
    assert (await bot.services.broadcasts.status(1)).broadcast.state == "done"


async def test_blocked_throttled_and_failing_recipients_each_end_recorded_once(
    bot: Harness,
) -> None:
    members = await seed(bot, 12)
    blocked, throttled, flaky, rejected = members[:4]
    bot.api.inject("sendMessage", "forbidden", chat_id=blocked)
    bot.api.inject("sendMessage", "retry_after", retry_after=1, chat_id=throttled)
    bot.api.inject("sendMessage", "network", times=2, chat_id=flaky)
    bot.api.inject(
        "sendMessage", "bad_request", description="Bad Request: chat not found", chat_id=rejected
    )
    progress = await run_broadcast(bot, LEAD, "注意安全")
    report = await final_report(bot, LEAD, progress)
    assert "已发送：11" in report.text and "被屏蔽：1" in report.text and "失败：1" in report.text
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
    account = await bot.services.accounts.language_of(blocked)
    assert account in ("zh", "en")
    async with bot.db.reader.execute(
        "SELECT unreachable_since IS NOT NULL FROM accounts WHERE telegram_id = ?", (blocked,)
    ) as cursor:
        assert (await cursor.fetchone())[0] == 1


def _all_sent(api: FakeBotApi, expected: int) -> bool:
    return sum(1 for c in api.sent_messages() if "通知" in (c.text or "")) == expected


def _max_in_window(times: list[float], width: float) -> int:
    times = sorted(times)
    best, start = 0, 0
    for end, at in enumerate(times):
        while times[start] <= at - width:
            start += 1
        best = max(best, end - start + 1)
    return best


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
        await seed(bot, 40)
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
        assert _max_in_window([c.at for c in sends], 1.0) <= 40
        group = [c.at for c in sends if c.chat_id == GROUP["id"]]
        assert len(group) == 4 and _max_in_window(group, 2.0) <= 2
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
        await outbox.enqueue(tx, [message], bot.app.bot_data.runtime.clock.now())
    bot.services.outbox_signal.notify()
    sent = await bot.api.wait_for_method("sendDocument", timeout=10)
    assert sent.params["caption"] == "11月服务时长"
    (upload,) = sent.files.values()
    assert upload.data == report.read_bytes() and upload.filename == "报告.csv"
    assert sent.reply_markup["inline_keyboard"][0][0]["url"] == "https://example.org/r"


async def test_a_lead_messages_only_the_confirmed_volunteers_of_an_activity(bot: Harness) -> None:
    from tests.e2e.test_activities import publish

    members = await seed(bot, 3)
    activity = await publish(bot, capacity=2)
    for member in members:
        await bot.services.activities.sign_up(member, activity.id)
    choose = await bot.say(LEAD, "/broadcast")
    assert button_data(choose) == ["b:a:team:traffic", f"b:a:activity:{activity.id}"]
    progress = await run_broadcast(
        bot, LEAD, "明早 7:30 集合", audience=f"b:a:activity:{activity.id}"
    )
    report = await final_report(bot, LEAD, progress)
    assert "已发送：2" in report.text
    received = [m for m in members if any("7:30" in t for t in bot.api.sent_texts(m))]
    assert received == members[:2], "the waitlisted member is not in the audience"
    copy = next(t for t in bot.api.sent_texts(members[0]) if "7:30" in t)
    assert copy.startswith("📢 人民路口文明交通劝导")

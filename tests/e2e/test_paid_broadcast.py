"""Issue 11, item 12: `sending.paid_broadcast` sends broadcasts with `allow_paid_broadcast` and
lets them go beyond the free 30/s (up to 1,000/s), while everything else keeps the free limits.
The fake Bot API enforces both ceilings itself and answers 429 to a message over them."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.outbox.scheduler import PAID_PER_SECOND
from tests.e2e.helpers import add_members, appoint_lead, enrol, most_in_window, start_harness
from tests.fake_bot_api import Call, FakeBotApi, FakeUser

LEAD = FakeUser(id=300, first_name="Lead", language_code="en")
PROBE = FakeUser(id=301, first_name="Probe", language_code="en")
FIRST_MEMBER = 5_000_000
BODY = "Paid broadcast test: meet at 8."
FREE_PER_SECOND = 30


def _paid(call: Call) -> bool:
    return call.params.get("allow_paid_broadcast") is True


def _most_in_a_second(calls: list[Call]) -> int:
    return most_in_window(call.at for call in calls)


async def _broadcast(tmp_path: Path, members: int, paid: bool) -> FakeBotApi:
    """A broadcast to `members` while someone uses the bot; the calls once every copy is out."""
    async with FakeBotApi() as api:
        api.enforce_flood_limits(FREE_PER_SECOND, PAID_PER_SECOND)
        sending = {"paid_broadcast": paid, "progress_interval_seconds": 0.2}
        async for bot in start_harness(tmp_path, api, sending=sending):
            await add_members(bot.db, "traffic", [FIRST_MEMBER + n for n in range(members)])
            await appoint_lead(bot, LEAD, "traffic", "Lead", "13900000300")
            await enrol(bot, PROBE, "Probe", "13900000301", ["blood"])
            services = bot.services
            status = await services.broadcasts.start(
                await services.roles.actor(LEAD.id), "team:traffic", BODY, LEAD.id
            )
            progress = await bot.app.bot.send_message(LEAD.id, "Broadcast starting")
            await services.broadcasts.attach_progress(status.broadcast.id, progress.message_id)
            since = api.mark()
            api.send_text(PROBE, "/help")
            await api.next_message(PROBE.id, since=since, timeout=30)
            await api.wait_until(
                lambda: (
                    len([c for c in api.sent_messages() if BODY in (c.text or "")]) == members + 1
                ),
                timeout=60,
            )
            async with asyncio.timeout(30):  # the final report: an edit of the progress message
                while True:  # the database has no change notification: poll it
                    if (await services.broadcasts.status(status.broadcast.id)).broadcast.reported:
                        break
                    await asyncio.sleep(0.05)
        return api


@pytest.mark.parametrize(("paid", "members"), [(True, 200), (False, 40)])
async def test_item12_paid_broadcasts_send_the_parameter_and_keep_both_ceilings(
    tmp_path: Path, paid: bool, members: int
) -> None:
    api = await _broadcast(tmp_path, members, paid)
    sends = [c for c in api.calls if c.ok and c.method.startswith(("send", "edit"))]
    copies = [c for c in sends if BODY in (c.text or "")]
    others = [c for c in sends if BODY not in (c.text or "")]
    assert len(copies) == members + 1 and len({c.chat_id for c in copies}) == members + 1
    assert all(_paid(c) == paid for c in copies), "broadcast copies carry the parameter"
    assert others and not any("allow_paid_broadcast" in c.params for c in others), (
        "replies, the progress message and its edits never pay"
    )
    assert api.flood_refused == [], "the fake never had to refuse a message over a ceiling"
    assert api.violations == []
    assert _most_in_a_second([c for c in sends if not _paid(c)]) <= FREE_PER_SECOND
    assert _most_in_a_second([c for c in sends if _paid(c)]) <= PAID_PER_SECOND
    if paid:
        assert _most_in_a_second(copies) > FREE_PER_SECOND, "paid copies pass the free ceiling"

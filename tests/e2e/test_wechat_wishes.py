"""Micro-wishes on WeChat through the real endpoint: the wall a page at a time, a card without
the private note, claiming, and a delivery reported with a photo (an image message, fetched
through WeChat's media API and kept), which the team's lead on Telegram sees and confirms;
refusals and forged option ids that change nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import pymupdf
import pytest

from bot.clock import ManualClock
from bot.domain.wishes import WishDraft, WishState
from bot.services.photos import is_kept
from bot.views.hours import amount_text
from bot.views.wishes import wall_line
from tests.e2e.helpers import LEAD, appoint_lead, says
from tests.e2e.wechat_chat import ZH, WeChatChat, wechat_chat
from tests.e2e.wechat_people import outbox_settled, registered
from tests.fake_bot_api import FakeBotApi
from tests.fake_wechat import FakeWeChat

ALICE = "o-alice-0123456789abcdef"
BOB = "o-bob-0123456789abcdef0"
PRIVATE = "陈阿婆独居5栋302，电话13712345678"


def _jpeg(shade: int) -> bytes:
    pixmap = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 320, 240), False)
    pixmap.clear_with(shade)
    return pixmap.tobytes("jpeg")


PHOTO = _jpeg(60)


@pytest.fixture
async def wechat(clock: ManualClock) -> AsyncIterator[FakeWeChat]:
    async with FakeWeChat(clock) as fake:
        yield fake


@pytest.fixture
async def chat(
    tmp_path: Path, api: FakeBotApi, wechat: FakeWeChat, clock: ManualClock
) -> AsyncIterator[WeChatChat]:
    async with wechat_chat(tmp_path, api, wechat, clock) as running:
        await appoint_lead(running.bot, LEAD, "traffic", "李队长", "13800000001")
        yield running


async def post(chat: WeChatChat, title: str = "一台电暖器") -> int:
    lead = await chat.services.roles.actor(LEAD.id)
    draft = WishDraft("traffic", title, "", "中东西社区", None, date(2026, 12, 20), None, PRIVATE)
    return (await chat.services.wishes.post(lead, draft)).id


async def state_of(chat: WeChatChat, wish_id: int) -> WishState:
    lead = await chat.services.roles.actor(LEAD.id)
    return (await chat.services.wishes.view(lead, wish_id)).wish.state


async def test_a_wish_claimed_and_delivered_with_a_photo_is_seen_and_confirmed_on_telegram(
    chat: WeChatChat,
) -> None:
    wish_id = await post(chat)
    user_id = await registered(chat, ALICE)

    wall = await chat.send(ALICE, "心愿")
    wish = (await chat.services.wish_board.wall(0, 5, None, None)).wishes[0]
    assert wall_line(ZH, 1, wish) in wall.text
    assert wall.labels == ["1. 一台电暖器", f"2. {ZH('button.my_wishes')}"]
    card = await chat.send(ALICE, "1")
    assert ZH("wish.card_title", title="一台电暖器") in card.text
    assert "陈阿婆" not in card.text, "the private note is the leads' alone"
    assert card.labels == [f"1. {ZH('button.claim_wish')}", f"2. {ZH('button.wish_wall')}"]

    claimed = await chat.pick(ALICE, card, 1)
    assert claimed.text.startswith(
        ZH("wechat.wish.claimed", title="一台电暖器", day=ZH.day(date(2026, 12, 20)))
    )
    assert claimed.labels == [
        f"1. {ZH('button.deliver_wish')}",
        f"2. {ZH('button.release_wish')}",
        f"3. {ZH('button.wish_wall')}",
    ]
    asked = await chat.send(ALICE, "1")
    assert asked.text == ZH("wechat.wish.ask_delivery_photo", title="一台电暖器")
    assert (await chat.send(ALICE, "送到了")).text == ZH("error.photo_needed")
    photo = await chat._seen(ALICE, chat.wechat.image(ALICE, PHOTO))
    assert photo.text == ZH("wish.ask_delivery_note")
    minutes = await chat.send(ALICE, "周六上午送到，老人很高兴")
    default = chat.services.wishes.config.default_minutes
    max_minutes = chat.services.wishes.config.max_minutes
    assert minutes.text == ZH(
        "wechat.wish.ask_minutes",
        default=amount_text(ZH, default),
        max=amount_text(ZH, max_minutes),
    )
    delivered = await chat.send(ALICE, "1.5")
    assert delivered.text == ZH("wish.delivered", title="一台电暖器", amount=amount_text(ZH, 90))

    lead = await chat.services.roles.actor(LEAD.id)
    view = await chat.services.wishes.view(lead, wish_id)
    assert view.wish.state is WishState.DELIVERED and view.wish.minutes == 90
    assert view.wish.delivery_photo is not None and is_kept(view.wish.delivery_photo)
    assert await chat.services.photos.read(view.wish.delivery_photo) == PHOTO
    assert chat.wechat.calls.count("media_get") == 1

    # The lead, on Telegram, is told; opening the wish shows the photo sent on WeChat.
    bot = chat.bot
    await bot.api.wait_for(
        lambda c: c.chat_id == LEAD.id and says(c.text, "wish.delivered_notice", title="一台电暖器")
    )
    shown = await bot.say(LEAD, f"/start wish_{wish_id}")
    assert shown.method == "sendPhoto"
    assert shown.files["photo"].data == PHOTO
    await chat.services.wishes.confirm(lead, wish_id)
    await outbox_settled(chat)

    hours = await chat.send(ALICE, "时长")
    assert f"· {ZH('hours.wish_category')}: {ZH.hours(90)}" in hours.text
    assert user_id == await chat.user_id(ALICE)


async def test_a_photo_wechat_cannot_hand_over_is_asked_for_again(chat: WeChatChat) -> None:
    wish_id = await post(chat)
    user_id = await registered(chat, ALICE)
    await chat.choose(ALICE, f"wish_claim:{wish_id}")
    await chat.choose(ALICE, f"wish_deliver:{wish_id}")
    chat.wechat.inject("media_get", 40007)
    failed = await chat._seen(ALICE, chat.wechat.image(ALICE, PHOTO))
    assert failed.text == ZH("wechat.wish.photo_failed")
    dialogue = await chat.services.dialogues.current(user_id)
    assert dialogue is not None and dialogue.step == "photo"
    again = await chat._seen(ALICE, chat.wechat.image(ALICE, PHOTO))
    assert again.text == ZH("wish.ask_delivery_note")


async def test_bad_notes_and_minutes_are_refused_with_an_example_and_nothing_is_stored(
    chat: WeChatChat,
) -> None:
    wish_id = await post(chat)
    await registered(chat, ALICE)
    await chat.choose(ALICE, f"wish_claim:{wish_id}")
    await chat.choose(ALICE, f"wish_deliver:{wish_id}")
    await chat._seen(ALICE, chat.wechat.image(ALICE, PHOTO))
    # (XML carries no C0 control characters: WeChat cannot send them; format ones it can.)
    for note in ("x", "长" * 5000, "送到\u200b了", "\u202e已送到", "😀😀😀"):
        refused = await chat.send(ALICE, note)
        assert says(refused.text, "error.invalid_wish_note"), note
    await chat.send(ALICE, "送到了，老人很高兴")
    for typed in ("-1", "0", "99999", "很久", "1" * 5000, "'; DROP TABLE wishes; --"):
        refused = await chat.send(ALICE, typed)
        assert says(refused.text, "error.invalid_minutes"), typed
    assert await state_of(chat, wish_id) is WishState.CLAIMED


async def test_forged_or_stale_options_change_nothing(chat: WeChatChat) -> None:
    wish_id = await post(chat)
    await registered(chat, ALICE)
    await registered(chat, BOB, "李四", "13812345679")
    for forged in ("wish_claim:999999", "wish:abc", "wish_claim"):
        assert (await chat.choose(ALICE, forged)).text == ZH("error.unknown_wish")
    # Someone else's claim can be neither given back nor reported delivered.
    await chat.choose(BOB, f"wish_claim:{wish_id}")
    assert (await chat.choose(ALICE, f"wish_release:{wish_id}")).text == ZH("error.not_claimer")
    assert (await chat.choose(ALICE, f"wish_deliver:{wish_id}")).text == ZH("error.not_claimer")
    assert (await chat.choose(ALICE, f"wish_claim:{wish_id}")).text == ZH("error.wish_taken")
    lead = await chat.services.roles.actor(LEAD.id)
    view = await chat.services.wishes.view(lead, wish_id)
    assert view.wish.state is WishState.CLAIMED
    assert view.claimer == "李四"


async def test_someone_not_registered_is_told_how_to_register_before_claiming(
    chat: WeChatChat,
) -> None:
    wish_id = await post(chat)
    seen = await chat.choose(ALICE, f"wish_claim:{wish_id}")
    assert seen.text == ZH("wechat.error.not_registered")
    assert await state_of(chat, wish_id) is WishState.OPEN


async def test_the_wall_pages_and_a_claim_given_back_returns_to_it(chat: WeChatChat) -> None:
    ids = [await post(chat, f"心愿第{n}号") for n in range(7)]
    await registered(chat, ALICE)
    first = await chat.send(ALICE, "心愿")
    assert len(first.labels) == 7  # five wishes, next, my wishes
    assert first.labels[5] == f"6. {ZH('button.next')}"
    second = await chat.send(ALICE, "6")
    assert second.labels == [
        "1. 心愿第1号",
        "2. 心愿第0号",
        f"3. {ZH('button.previous')}",
        f"4. {ZH('button.my_wishes')}",
    ]
    card = await chat.send(ALICE, "2")
    claimed = await chat.pick(ALICE, card, 1)
    assert ZH("wish.state.claimed", name="张三") in claimed.text
    mine = await chat.choose(ALICE, "my_wishes")
    assert ZH("wish.mine_header", count=1) in mine.text
    assert mine.labels[0] == "1. 心愿第0号"
    released = await chat.choose(ALICE, f"wish_release:{ids[0]}")
    assert released.text.startswith(ZH("wish.released", title="心愿第0号"))
    assert await state_of(chat, ids[0]) is WishState.OPEN


async def test_a_photo_sent_on_wechat_is_drawn_in_the_weekly_fulfilled_wall(
    chat: WeChatChat, clock: ManualClock
) -> None:
    group = -100_4242
    wish_id = await post(chat)
    await registered(chat, ALICE)
    await chat.choose(ALICE, f"wish_claim:{wish_id}")
    await chat.choose(ALICE, f"wish_deliver:{wish_id}")
    await chat._seen(ALICE, chat.wechat.image(ALICE, PHOTO))
    await chat.send(ALICE, "周六上午送到，老人很高兴")
    await chat.send(ALICE, "1")
    await chat.services.wishes.confirm(await chat.services.roles.actor(LEAD.id), wish_id)
    bot = chat.bot
    async with bot.db.transaction() as tx:
        await tx.execute(
            "INSERT INTO team_groups (chat_id, team_id, title, linked_by, linked_at)"
            " SELECT ?, id, '交通队群', ?, ? FROM teams WHERE key = 'traffic'",
            (group, LEAD.id, clock.now().isoformat()),
        )
    clock.advance(datetime(2026, 11, 30, 1, 0, tzinfo=UTC) - clock.now())  # Monday 09:00
    assert bot.app.job_queue is not None
    [job] = bot.app.job_queue.get_jobs_by_name("wishes")
    since = bot.api.mark()
    await job.run(bot.app)
    posted = await bot.api.wait_for(
        lambda c: c.method == "sendPhoto" and c.ok and c.chat_id == group, since=since
    )
    [upload] = posted.files.values()
    picture = pymupdf.Pixmap(upload.data)
    assert max(picture.pixel(120, 230)) < 90, "the first tile shows the (dark) photo kept"
    assert not [c for c in bot.api.calls[since:] if c.method == "getFile"], (
        "a kept photo is not asked of Telegram"
    )

"""Micro-wishes end to end (issue 13), as people would: a lead posts a wish with a photo, two
volunteers race to claim it, one delivers with a photo, the lead confirms, and the hours show
in /hours and on the leaderboard. Every message a volunteer receives is scanned for the
private note. Forged presses change nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pymupdf

from bot.clock import ManualClock
from bot.domain.wishes import WishState
from tests.e2e.helpers import (
    ADMIN,
    LEAD,
    Harness,
    button_data,
    en,
    enrol,
    member,
    mentions,
    says,
    seed_team,
    zh,
)
from tests.fake_bot_api import Call, FakeUser

PRIVATE = "陈阿婆独居5栋302，电话13712345678"


def _jpeg(shade: int) -> bytes:
    pixmap = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 320, 240), False)
    pixmap.clear_with(shade)
    return pixmap.tobytes("jpeg")


WISH_PHOTO = _jpeg(200)
DELIVERY_PHOTO = _jpeg(60)
TRAFFIC = "文明交通志愿服务队"
GROUP = -100_4242


async def _volunteers(bot: Harness) -> tuple[FakeUser, FakeUser]:
    await seed_team(bot, 0)
    first, second = member(2001, "zh-hans"), member(2002, "en")
    await enrol(bot, first, "赵大勇", "13700002001", ["traffic"])
    await enrol(bot, second, "Lucy Li", "13700002002", ["traffic"])
    for person in (first, second):
        await bot.services.accounts.seen(person.id, person.language_code)
    return first, second


async def _post_wish(bot: Harness) -> int:
    """LEAD walks the posting dialogue from the wall's button to the card; the wish's id."""
    wall = await bot.say(LEAD, "/wishes")
    assert says(wall.text, "wish.wall_empty")
    ask_title = await bot.tap(LEAD, wall, "w:new")
    assert ask_title.text == zh("wish.ask_title")  # the lead's only team: no team question
    ask_story = await bot.say(LEAD, "一台电暖器")
    assert button_data(ask_story) == ["wp:s"]
    ask_community = await bot.tap(LEAD, ask_story, "wp:s")
    assert ask_community.text == zh("wish.ask_community")
    await bot.say(LEAD, "中东西社区")
    refused = await bot.say(LEAD, "很贵")
    assert says(refused.text, "error.invalid_wish_value")
    ask_deadline = await bot.say(LEAD, "200元")
    assert ask_deadline.text == zh("wish.ask_deadline")
    past = await bot.say(LEAD, "2020-01-01")
    assert says(past.text, "error.invalid_deadline")
    ask_photo = await bot.say(LEAD, "12-20")
    assert ask_photo.text == zh("wish.ask_photo")
    bot.api.send_photo(LEAD, WISH_PHOTO)
    ask_note = await bot.reply(LEAD)
    assert ask_note.text == zh("wish.ask_note")
    preview = await bot.say(LEAD, PRIVATE)
    assert mentions(preview.text, "wish.preview", title="一台电暖器", note=PRIVATE)
    posted = await bot.tap(LEAD, preview, "wp:ok:y")
    assert says(posted.text, "wish.posted", title="一台电暖器")
    wish_id = int(posted.text.rsplit("wish_", 1)[1])
    photo = await bot.reply(LEAD)
    assert photo.method == "sendPhoto" and photo.text == "一台电暖器"
    card = await bot.reply(LEAD)
    assert mentions(card.text, "wish.card_private", note=PRIVATE), "the lead sees the note"
    return wish_id


def _seen_by(bot: Harness, people: list[FakeUser]) -> list[str]:
    """Every text and caption the bot sent the people, their card edits and toasts too."""
    chats = {person.id for person in people}
    seen = []
    for call in bot.api.calls:
        if call.method == "answerCallbackQuery":
            seen.append(str(call.params.get("text") or ""))
        elif call.chat_id in chats:
            seen.append(call.text or "")
    return seen


async def test_a_wish_posted_claimed_in_a_race_delivered_and_confirmed_credits_hours(
    bot: Harness,
) -> None:
    winner_candidates = await _volunteers(bot)
    wish_id = await _post_wish(bot)

    # Both open the card from the shared link, then press "claim" at the same moment.
    cards: dict[int, Call] = {}
    for person in winner_candidates:
        bot.api.send_text(person, f"/start wish_{wish_id}")
        photo = await bot.reply(person)
        assert photo.method == "sendPhoto"
        cards[person.id] = await bot.reply(person)
        assert f"w:c:{wish_id}" in button_data(cards[person.id])
        assert PRIVATE not in (cards[person.id].text or "")
    since = bot.api.mark()
    for person in winner_candidates:
        bot.api.press(person, cards[person.id], f"w:c:{wish_id}")
    await bot.api.wait_until(
        lambda: sum(c.method == "answerCallbackQuery" for c in bot.api.calls[since:]) >= 2
    )
    toasts = {
        str(c.params.get("text"))
        for c in bot.api.calls[since:]
        if c.method == "answerCallbackQuery"
    }
    assert any(says(text, "error.wish_taken") for text in toasts), toasts
    assert any(says(text, "wish.claimed_toast", title="一台电暖器") for text in toasts), toasts
    view = await bot.services.wishes.view(await bot.services.roles.actor(ADMIN.id), wish_id)
    assert view.wish.state is WishState.CLAIMED
    first, second = winner_candidates
    winner = first if view.claimer == "赵大勇" else second
    assert view.claimer == ("赵大勇" if winner is first else "Lucy Li")
    t = zh if winner is first else en
    told = await bot.api.wait_for(
        lambda c: c.chat_id == winner.id and says(c.text, "wish.claimed", title="一台电暖器"),
        since=since,
    )
    assert PRIVATE not in told.text

    # The winner reports the delivery: a text is not a photo; then the photo, a note, the
    # default minutes with one press.
    card = await bot.api.wait_for(
        lambda c: c.chat_id == winner.id and c.method == "editMessageText", since=since
    )
    ask_photo = await bot.tap(winner, card, f"w:d:{wish_id}")
    assert says(ask_photo.text, "wish.ask_delivery_photo", title="一台电暖器")
    assert says((await bot.say(winner, "送到了")).text, "error.photo_needed")
    bot.api.send_photo(winner, DELIVERY_PHOTO)
    ask_note = await bot.reply(winner)
    assert says(ask_note.text, "wish.ask_delivery_note")
    ask_minutes = await bot.say(winner, "周六上午送到，老人很高兴")
    assert button_data(ask_minutes) == ["wd:m:60"]
    delivered = await bot.tap(winner, ask_minutes, "wd:m:60")
    if delivered.method == "editMessageReplyMarkup":
        delivered = await bot.reply(winner)
    assert says(delivered.text, "wish.delivered", title="一台电暖器")

    # The lead is told, opens the wish, sees the delivery photo and confirms.
    notice = await bot.api.wait_for(
        lambda c: c.chat_id == LEAD.id and says(c.text, "wish.delivered_notice", title="一台电暖器")
    )
    opened = await bot.tap(LEAD, notice, f"w:o:{wish_id}")
    assert opened.method == "sendPhoto"  # the wish's own photo
    delivery_photo = await bot.reply(LEAD)
    assert says(delivery_photo.text, "wish.delivery_photo_caption", title="一台电暖器")
    served = bot.api.files[delivery_photo.params["photo"]].data
    assert served == DELIVERY_PHOTO
    lead_card = await bot.reply(LEAD)
    assert button_data(lead_card)[:2] == [f"w:y:{wish_id}", f"w:b:{wish_id}"]
    confirmed = await bot.tap(LEAD, lead_card, f"w:y:{wish_id}")
    if confirmed.method == "editMessageReplyMarkup":
        confirmed = await bot.reply(LEAD)
    assert says(confirmed.text, "wish.confirmed", title="一台电暖器")
    credited = await bot.api.wait_for(
        lambda c: c.chat_id == winner.id and says(c.text, "wish.credited", title="一台电暖器")
    )
    assert credited.ok

    # The hour shows in /hours (as a micro-wish) and on the leaderboard.
    hours = await bot.say(winner, "/hours")
    assert f"· {t('hours.wish_category')}: 1" in hours.text.split("\n")
    board = await bot.say(winner, "/leaderboard")
    line = t("leaderboard.line", rank=1, name=view.claimer, hours="1")
    assert line in board.text.split("\n")

    # Nothing any volunteer was sent holds the private note.
    await bot.api.wait_idle(quiet=0.2)
    leaks = [text for text in _seen_by(bot, list(winner_candidates)) if "陈阿婆" in text]
    assert leaks == []


async def test_forged_presses_change_nothing(bot: Harness) -> None:
    first, _ = await _volunteers(bot)
    wish_id = await _post_wish(bot)
    card_call = await bot.say(first, f"/start wish_{wish_id}")
    card = await bot.reply(first) if card_call.method == "sendPhoto" else card_call
    for forged, refusal in (
        (f"w:y:{wish_id}", "error.not_team_lead"),
        (f"w:b:{wish_id}", "error.not_team_lead"),
        (f"w:r:{wish_id}", "error.not_claimer"),
        (f"w:d:{wish_id}", "error.not_claimer"),
        ("w:new", "error.not_lead_or_admin"),
        ("w:c:99999", "error.unknown_wish"),
        ("w:c:abc", "button.expired"),
        ("wd:m:240", "button.expired"),  # more minutes than the button offers, no report begun
        ("wp:t:traffic", "button.expired"),  # a step of posting nobody began
        ("wp:ok:y", "button.expired"),
    ):
        answer = await bot.answer_to_press(first, card, forged)
        assert says(answer.params.get("text"), refusal), (forged, answer.params)
    view = await bot.services.wishes.view(await bot.services.roles.actor(ADMIN.id), wish_id)
    assert view.wish.state is WishState.OPEN


async def test_a_guest_claiming_a_wish_registers_and_is_brought_back_to_it(bot: Harness) -> None:
    await _volunteers(bot)
    wish_id = await _post_wish(bot)
    guest = FakeUser(id=4242, first_name="Guest", language_code="zh-hans")
    bot.api.send_text(guest, f"/start wish_{wish_id}")
    await bot.reply(guest)  # the photo
    card = await bot.reply(guest)
    assert button_data(card)[0] == f"w:c:{wish_id}", "a guest is offered the claim too"
    ask_name = await bot.tap(guest, card, f"w:c:{wish_id}")
    assert ask_name.text == zh("register.ask_name")
    await bot.say(guest, "孙小美")
    bot.api.send_contact(guest, "13700004242")
    teams = await bot.reply(guest)
    await bot.toggle(guest, teams, "r:t:traffic")
    await bot.tap(guest, teams, "r:td")
    consent = await bot.reply(guest)
    assert says((await bot.tap(guest, consent, "r:c:y")).text, "register.done")
    assert (await bot.reply(guest)).method == "sendPhoto"
    back = await bot.reply(guest)
    assert mentions(back.text, "wish.card_title", title="一台电暖器")
    claimed = await bot.tap(guest, back, f"w:c:{wish_id}")
    assert f"w:d:{wish_id}" in button_data(claimed)
    view = await bot.services.wishes.view(await bot.services.roles.actor(ADMIN.id), wish_id)
    assert (view.wish.state, view.claimer) == (WishState.CLAIMED, "孙小美")


async def _claim_and_deliver(bot: Harness, person: FakeUser, wish_id: int) -> None:
    """`person` opens the wish, claims it and reports the delivery, typing the minutes."""
    await bot.say(person, f"/start wish_{wish_id}")  # the wish's photo
    card = await bot.reply(person)
    claimed = await bot.tap(person, card, f"w:c:{wish_id}")
    assert claimed.method == "editMessageText" and f"w:d:{wish_id}" in button_data(claimed)
    await bot.reply(person)  # "you claimed it"
    await bot.tap(person, claimed, f"w:d:{wish_id}")
    bot.api.send_photo(person, DELIVERY_PHOTO)
    await bot.reply(person)
    await bot.say(person, "周六上午送到")
    too_long = await bot.say(person, "5")
    assert says(too_long.text, "error.invalid_minutes")
    delivered = await bot.say(person, "1.5")
    assert says(delivered.text, "wish.delivered", title="一台电暖器")


async def test_a_lead_sends_a_delivery_back_with_a_reason(bot: Harness) -> None:
    first, _ = await _volunteers(bot)
    wish_id = await _post_wish(bot)
    await _claim_and_deliver(bot, first, wish_id)
    notice = await bot.api.wait_for(
        lambda c: c.chat_id == LEAD.id and says(c.text, "wish.delivered_notice")
    )
    since = bot.api.mark()
    bot.api.press(LEAD, notice, f"w:o:{wish_id}")
    card = await bot.api.wait_for(
        lambda c: c.chat_id == LEAD.id and f"w:b:{wish_id}" in button_data(c), since=since
    )
    assert mentions(card.text, "wish.card_delivery", note="周六上午送到", hours="1.5")
    ask = await bot.tap(LEAD, card, f"w:b:{wish_id}")
    assert says(ask.text, "wish.ask_send_back_reason", title="一台电暖器")
    assert says((await bot.say(LEAD, "no")).text, "error.invalid_reason")
    done = await bot.say(LEAD, "照片里看不到电暖器，请重拍")
    assert says(done.text, "wish.sent_back", title="一台电暖器")
    told = await bot.api.wait_for(
        lambda c: c.chat_id == first.id and says(c.text, "wish.sent_back_notice")
    )
    assert "照片里看不到电暖器" in told.text and PRIVATE not in told.text
    view = await bot.services.wishes.view(await bot.services.roles.actor(first.id), wish_id)
    assert view.wish.state is WishState.CLAIMED and view.may.deliver


async def test_a_photo_telegram_refuses_leaves_the_card_all_the_same(bot: Harness) -> None:
    first, _ = await _volunteers(bot)
    wish_id = await _post_wish(bot)
    bot.api.inject("sendPhoto", "bad_request", description="Bad Request: wrong file identifier")
    since = bot.api.mark()
    bot.api.send_text(first, f"/start wish_{wish_id}")
    card = await bot.api.wait_for(
        lambda c: c.chat_id == first.id and f"w:c:{wish_id}" in button_data(c), since=since
    )
    assert mentions(card.text, "wish.state.open")


async def test_the_weekly_fulfilled_wall_reaches_the_group_as_a_picture(
    timed_bot: Harness, clock: ManualClock
) -> None:
    bot = timed_bot
    first, _ = await _volunteers(bot)
    wish_id = await _post_wish(bot)
    await _claim_and_deliver(bot, first, wish_id)
    await bot.services.wishes.confirm(await bot.services.roles.actor(LEAD.id), wish_id)
    async with bot.db.transaction() as tx:
        await tx.execute(
            "INSERT INTO team_groups (chat_id, team_id, title, linked_by, linked_at)"
            " SELECT ?, id, '交通队群', ?, ? FROM teams WHERE key = 'traffic'",
            (GROUP, LEAD.id, clock.now().isoformat()),
        )
    clock.advance(datetime(2026, 11, 30, 1, 0, tzinfo=UTC) - clock.now())  # Monday 09:00
    assert bot.app.job_queue is not None
    [job] = bot.app.job_queue.get_jobs_by_name("wishes")
    since = bot.api.mark()
    await job.run(bot.app)
    post = await bot.api.wait_for(
        lambda c: c.method == "sendPhoto" and c.ok and c.chat_id == GROUP, since=since
    )
    assert says(post.text.split("\n")[0], "wish.wall_caption", count=1, team=TRAFFIC)
    assert "一台电暖器" in post.text and "陈阿婆" not in post.text
    [upload] = post.files.values()
    picture = pymupdf.Pixmap(upload.data)
    assert picture.width == 1000 and picture.height > 300
    assert max(picture.pixel(120, 230)) < 90, "the first tile shows the (dark) delivery photo"
    assert any(c.method == "getFile" and c.ok for c in bot.api.calls[since:]), (
        "the delivery photo was fetched to be drawn"
    )
    city = await bot.api.wait_for(
        lambda c: c.chat_id == ADMIN.id and mentions(c.text, "wish.city_header", count=1),
        since=since,
    )
    assert mentions(city.text, "wish.city_line", community="中东西社区", count=1)
    since = bot.api.mark()
    await job.run(bot.app)  # the same week again: nothing more
    await bot.api.wait_idle(quiet=0.3)
    assert not [c for c in bot.api.calls[since:] if c.method == "sendPhoto"]

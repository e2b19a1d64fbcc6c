"""A claimed micro-wish delivered, on a real SQLite file: the report (photo, note, minutes,
the 24 h day), the lead's confirmation as a record with source 'wish' by the rules every
record follows (never one's own, the daily limit, disputes), sending back, anonymity."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.clock import ManualClock
from bot.domain.errors import (
    DayOverfull,
    InvalidMinutes,
    InvalidReason,
    NotTeamLead,
    OwnHours,
)
from bot.domain.hours import RecordState
from bot.domain.ranking import Period
from bot.domain.wishes import (
    RECORD_CONTENT,
    InvalidWishNote,
    NotClaimer,
    PhotoNeeded,
    WishNotDelivered,
    WishState,
)
from bot.services import Services
from storage.db import Database
from tests.conftest import ADMIN_ID
from tests.service.wishes.scenes import ALICE, BOB, CAROL, LEAD, NOTE, deliver, outbox_texts, post


async def test_a_delivery_needs_a_photo_a_note_and_minutes_within_the_limit(
    services: Services, people: dict[int, int]
) -> None:
    wish = await post(services)
    await services.wishes.claim(BOB, wish.id)
    bob = await services.roles.actor(BOB)
    with pytest.raises(PhotoNeeded):
        await services.wishes.deliver(bob, wish.id, "", "周六送到了", 60)
    with pytest.raises(InvalidWishNote):
        await services.wishes.deliver(bob, wish.id, "AgAC", "\x00", 60)
    for minutes in (0, 241, -5):
        with pytest.raises(InvalidMinutes):
            await services.wishes.deliver(bob, wish.id, "AgAC", "周六送到了", minutes)
    with pytest.raises(NotClaimer):
        await deliver(services, CAROL, wish)
    delivered = await deliver(services, BOB, wish, 240)
    assert (delivered.state, delivered.minutes) == (WishState.DELIVERED, 240)


async def test_the_lead_is_told_of_a_delivery_and_the_notice_keeps_the_note_private(
    services: Services, people: dict[int, int], db: Database
) -> None:
    wish = await post(services)
    await services.wishes.claim(BOB, wish.id)
    await deliver(services, BOB, wish)
    [told] = [text for text in await outbox_texts(db, LEAD) if "一台电暖器" in text]
    assert "一台电暖器" in told and "赵大勇" in told and NOTE not in told


async def test_a_lead_delivering_a_wish_is_not_asked_to_confirm_it_the_admins_are(
    services: Services, people: dict[int, int], db: Database
) -> None:
    wish = await post(services)
    await services.wishes.claim(LEAD, wish.id)
    await deliver(services, LEAD, wish)
    assert [text for text in await outbox_texts(db, LEAD) if "一台电暖器" in text] == []
    [told] = [text for text in await outbox_texts(db, ADMIN_ID) if "一台电暖器" in text]
    assert "李队长" in told


async def test_confirming_credits_a_wish_record_by_the_same_rules(
    services: Services, people: dict[int, int], db: Database, clock: ManualClock
) -> None:
    wish = await post(services, community="中东西社区")
    await services.wishes.claim(BOB, wish.id)
    await deliver(services, BOB, wish, 90)
    clock.advance(timedelta(days=1))
    record = await services.wishes.confirm(await services.roles.actor(LEAD), wish.id)
    assert (record.source, record.category, record.content) == ("wish", "wish", RECORD_CONTENT)
    assert (record.title, record.place, record.minutes) == ("一台电暖器", "中东西社区", 90)
    assert record.state is RecordState.APPROVED and record.activity_id is None
    assert record.served_on == date(2026, 11, 27), "dated the day of the delivery"
    assert (
        await services.wishes.view(await services.roles.actor(BOB), wish.id)
    ).wish.state is WishState.CONFIRMED
    summary, _ = await services.records.summary(BOB)
    assert summary.approved_total == 90 and dict(summary.by_category) == {"wish": 90}
    board = await services.reports.board(await services.roles.actor(BOB), None, Period.ALL)
    assert [(r.key.volunteer_id, r.minutes) for r in board.top] == [(people[BOB], 90)]
    history = (
        await services.records.record_view(await services.roles.actor(LEAD), record.id)
    ).history
    assert history is not None and [e.action for e in history] == ["added"]
    texts = await outbox_texts(db, BOB)
    assert any("一台电暖器" in text for text in texts) and not any(NOTE in t for t in texts)
    certificate = await services.certificates.issue_certificate(BOB, {})
    assert [(line.content, line.minutes) for line in certificate.lines] == [(RECORD_CONTENT, 90)]


async def test_a_wish_record_can_be_disputed_like_any_other(
    services: Services, people: dict[int, int]
) -> None:
    wish = await post(services)
    await services.wishes.claim(BOB, wish.id)
    await deliver(services, BOB, wish, 60)
    record = await services.wishes.confirm(await services.roles.actor(LEAD), wish.id)
    disputed = await services.records.dispute(BOB, record.id, "实际花了两个小时，路上还买了东西")
    assert disputed.state is RecordState.DISPUTED


async def test_only_another_lead_of_the_team_or_an_admin_confirms(
    services: Services, people: dict[int, int]
) -> None:
    wish = await post(services)
    await services.wishes.claim(LEAD, wish.id)
    await deliver(services, LEAD, wish)
    for telegram_id, refusal in ((LEAD, OwnHours), (BOB, NotTeamLead), (ALICE, NotTeamLead)):
        with pytest.raises(refusal):
            await services.wishes.confirm(await services.roles.actor(telegram_id), wish.id)
    record = await services.wishes.confirm(await services.roles.actor(ADMIN_ID), wish.id)
    assert record.state is RecordState.APPROVED
    with pytest.raises(WishNotDelivered):
        await services.wishes.confirm(await services.roles.actor(ADMIN_ID), wish.id)


async def test_a_wish_over_the_daily_limit_waits_for_an_admins_review(
    services: Services, people: dict[int, int], db: Database
) -> None:
    volunteer = await services.registration.volunteer(BOB)
    assert volunteer is not None
    await services.records.add_manual(
        await services.roles.actor(ADMIN_ID),
        volunteer.id,
        "traffic",
        date(2026, 11, 27),
        7 * 60,
        "路口劝导",
        "纸质签到表补录",
    )
    wish = await post(services)
    await services.wishes.claim(BOB, wish.id)
    await deliver(services, BOB, wish, 120)
    record = await services.wishes.confirm(await services.roles.actor(LEAD), wish.id)
    assert record.state is RecordState.REVIEW and "over_daily" in record.flags
    approved = await services.records.approve_review(
        await services.roles.actor(ADMIN_ID), record.id
    )
    assert approved.state is RecordState.APPROVED


async def test_no_day_holds_more_than_24_hours_wishes_included(
    services: Services, people: dict[int, int]
) -> None:
    volunteer = await services.registration.volunteer(BOB)
    assert volunteer is not None
    await services.records.add_manual(
        await services.roles.actor(ADMIN_ID),
        volunteer.id,
        "traffic",
        date(2026, 11, 27),
        23 * 60,
        "通宵值守",
        "纸质签到表补录",
    )
    wish = await post(services)
    await services.wishes.claim(BOB, wish.id)
    with pytest.raises(DayOverfull):  # told when reporting, not only when the lead confirms
        await deliver(services, BOB, wish, 120)
    lead = await services.roles.actor(LEAD)
    assert (await services.wishes.view(lead, wish.id)).wish.state is WishState.CLAIMED
    await deliver(services, BOB, wish, 60)
    await services.records.add_manual(
        await services.roles.actor(ADMIN_ID),
        volunteer.id,
        "traffic",
        date(2026, 11, 27),
        30,
        "补录",
        "纸质签到表补录",
    )
    with pytest.raises(DayOverfull):  # the day filled up after the report
        await services.wishes.confirm(lead, wish.id)
    assert (await services.wishes.decidable(lead, wish.id)).state is WishState.DELIVERED


async def test_sending_back_tells_the_claimer_why_and_lets_them_deliver_again(
    services: Services, people: dict[int, int], db: Database
) -> None:
    wish = await post(services)
    await services.wishes.claim(BOB, wish.id)
    await deliver(services, BOB, wish)
    lead = await services.roles.actor(LEAD)
    with pytest.raises(InvalidReason):
        await services.wishes.send_back(lead, wish.id, "no")
    with pytest.raises(NotTeamLead):
        await services.wishes.send_back(
            await services.roles.actor(CAROL), wish.id, "照片看不清楚，请重拍"
        )
    returned = await services.wishes.send_back(lead, wish.id, "照片看不清楚，请重拍")
    assert returned.state is WishState.CLAIMED and returned.delivery_photo is None
    assert any("照片看不清楚" in text for text in await outbox_texts(db, BOB))
    mine = await services.wishes.view(await services.roles.actor(BOB), wish.id)
    assert mine.wish.sent_back_reason == "照片看不清楚，请重拍" and mine.may.deliver
    others = await services.wishes.view(await services.roles.actor(CAROL), wish.id)
    assert others.wish.sent_back_reason is None and others.wish.delivery_note is None
    assert (await deliver(services, BOB, wish)).state is WishState.DELIVERED


async def test_an_anonymous_claimer_is_named_only_to_leads_and_themselves(
    services: Services, people: dict[int, int]
) -> None:
    await services.records.set_anonymous(BOB, True)
    wish = await post(services)
    await services.wishes.claim(BOB, wish.id)
    public = await services.wishes.view(await services.roles.actor(CAROL), wish.id)
    assert public.claimer is None and public.claimer_anonymous
    assert (
        await services.wishes.view(await services.roles.actor(LEAD), wish.id)
    ).claimer == "赵大勇"
    assert (
        await services.wishes.view(await services.roles.actor(BOB), wish.id)
    ).claimer == "赵大勇"


async def test_the_lead_sees_deliveries_waiting_for_their_word(
    services: Services, people: dict[int, int]
) -> None:
    wish = await post(services)
    await services.wishes.claim(BOB, wish.id)
    await deliver(services, BOB, wish)
    mine = await services.wishes.mine(await services.roles.actor(LEAD))
    assert [w.id for w in mine.awaiting] == [wish.id]
    assert (await services.wishes.mine(await services.roles.actor(CAROL))).awaiting == []
    bob = await services.wishes.mine(await services.roles.actor(BOB))
    assert [w.id for w in bob.claims] == [wish.id] and bob.claims[0].private_note == ""

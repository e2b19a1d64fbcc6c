"""Micro-wishes (issue 13) on a real SQLite file: posting, the wall, atomic claims within the
per-person limit, release, delivery, the lead's confirmation (a service record with source
'wish' through the same rules as every record) or sending back, and deadlines. Time is
injected."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.clock import ManualClock
from bot.config import Config
from bot.domain.errors import (
    DayOverfull,
    InvalidMinutes,
    InvalidReason,
    NotLeadOrAdmin,
    NotRegistered,
    NotTeamLead,
    OwnHours,
)
from bot.domain.hours import RecordState
from bot.domain.ranking import Period
from bot.domain.wishes import (
    RECORD_CONTENT,
    ClaimLimit,
    InvalidWishNote,
    NotClaimer,
    PhotoNeeded,
    UnknownWish,
    Wish,
    WishDraft,
    WishNotDelivered,
    WishPastDeadline,
    WishState,
    WishTaken,
)
from bot.services import Services
from storage.db import Database
from tests.conftest import ADMIN_ID, make_config

LEAD, ALICE, BOB, CAROL = 501, 502, 503, 504
SECOND_ADMIN = 900_002
NOTE = "受助人：独居的陈阿婆，电话 13712340000，住5栋"


def draft(
    title: str = "一台电暖器",
    community: str = "中东西社区",
    deadline: date = date(2026, 12, 20),
    team: str = "traffic",
    note: str = NOTE,
) -> WishDraft:
    return WishDraft(team, title, "老人冬天屋里很冷。", community, 300, deadline, "AgACphoto", note)


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """Two admins: a record past the daily limit is reviewed by one who did not add it."""
    return make_config(tmp_path, org={"admins": [ADMIN_ID, SECOND_ADMIN]})


@pytest.fixture
async def people(services: Services, register: Any) -> dict[int, int]:
    """LEAD leads traffic; ALICE, BOB and CAROL are volunteers (ALICE in blood)."""
    ids = {}
    ids[LEAD] = (await register(LEAD, "李队长", "13800000001", ("traffic",))).id
    ids[ALICE] = (await register(ALICE, "王小丽", "13800000002", ("blood",))).id
    ids[BOB] = (await register(BOB, "赵大勇", "13800000003", ("traffic",))).id
    ids[CAROL] = (await register(CAROL, "钱多多", "13800000004", ("traffic",))).id
    admin = await services.roles.actor(ADMIN_ID)
    await services.roles.promote(admin, ids[LEAD], "traffic")
    for telegram_id in (LEAD, ALICE, BOB, CAROL):
        await services.accounts.seen(telegram_id, "zh-hans")
    return ids


async def post(services: Services, **kwargs: Any) -> Wish:
    return await services.wishes.post(await services.roles.actor(LEAD), draft(**kwargs))


async def deliver(services: Services, telegram_id: int, wish: Wish, minutes: int = 60) -> Wish:
    actor = await services.roles.actor(telegram_id)
    return await services.wishes.deliver(actor, wish.id, "AgACdelivered", "周六送到了", minutes)


async def outbox_texts(db: Database, chat_id: int) -> list[str]:
    async with db.reader.execute(
        "SELECT text FROM outbox WHERE chat_id = ? ORDER BY id", (chat_id,)
    ) as cursor:
        return [row[0] for row in await cursor.fetchall()]


# ---------------------------------------------------------------- posting and the wall


async def test_a_lead_posts_a_wish_that_volunteers_see_without_the_private_note(
    services: Services, people: dict[int, int]
) -> None:
    wish = await post(services)
    assert wish.state is WishState.OPEN and wish.private_note == NOTE
    seen = await services.wishes.view(await services.roles.actor(ALICE), wish.id)
    assert seen.wish.private_note == "" and not seen.manages and seen.may.claim
    led = await services.wishes.view(await services.roles.actor(LEAD), wish.id)
    assert led.wish.private_note == NOTE and led.manages and not led.may.decide
    page = await services.wish_board.wall(0, 5, None, None)
    assert [w.private_note for w in page.wishes] == [""]


async def test_only_the_teams_leads_and_admins_post_wishes(
    services: Services, people: dict[int, int]
) -> None:
    with pytest.raises(NotTeamLead):
        await services.wishes.post(await services.roles.actor(BOB), draft())
    with pytest.raises(NotTeamLead):
        await services.wishes.post(await services.roles.actor(LEAD), draft(team="blood"))
    with pytest.raises(NotLeadOrAdmin):
        await services.wishes.teams_to_post(await services.roles.actor(BOB))
    posted = await services.wishes.post(await services.roles.actor(ADMIN_ID), draft(team="blood"))
    assert posted.team_key == "blood"
    assert (await services.wish_board.wall(0, 5, None, None)).total == 1


async def test_a_post_with_bad_fields_stores_nothing(
    services: Services, people: dict[int, int], db: Database
) -> None:
    with pytest.raises(InvalidWishNote):
        await post(services, note="x")
    async with db.reader.execute("SELECT COUNT(*) FROM wishes") as cursor:
        assert (await cursor.fetchone())[0] == 0


async def test_the_wall_is_newest_first_five_a_page_with_team_and_community_filters(
    services: Services, people: dict[int, int]
) -> None:
    titles = [f"心愿{n}号" for n in range(7)]
    for n, title in enumerate(titles):
        await post(services, title=title, community="东区" if n % 2 else "西区")
    await services.wishes.post(
        await services.roles.actor(ADMIN_ID), draft(title="献血车上的热水", team="blood")
    )
    first = await services.wish_board.wall(0, 5, None, None)
    assert [w.title for w in first.wishes] == ["献血车上的热水", *titles[::-1][:4]]
    assert (first.total, first.count) == (8, 2)
    second = await services.wish_board.wall(1, 5, None, None)
    assert [w.title for w in second.wishes] == titles[::-1][4:]
    assert (await services.wish_board.wall(9, 5, None, None)).number == 1, (
        "a forged page is clamped"
    )
    traffic = (await services.teams.all())[0]
    assert (await services.wish_board.wall(0, 5, traffic.id, None)).total == 7
    east = next(c for c, name, _ in await services.wish_board.communities(None) if name == "东区")
    eastern = await services.wish_board.wall(0, 5, traffic.id, east)
    assert [w.title for w in eastern.wishes] == ["心愿5号", "心愿3号", "心愿1号"]


async def test_a_wish_past_its_deadline_leaves_the_wall_even_before_the_job_runs(
    services: Services, people: dict[int, int], clock: ManualClock
) -> None:
    await post(services, deadline=date(2026, 11, 28))
    assert (await services.wish_board.wall(0, 5, None, None)).total == 1
    clock.advance(timedelta(days=2))
    assert (await services.wish_board.wall(0, 5, None, None)).total == 0


# ---------------------------------------------------------------- claiming


async def test_two_presses_at_once_make_one_claim(
    services: Services, people: dict[int, int]
) -> None:
    for round_number in range(20):
        wish = await post(services, title=f"第{round_number}个心愿")
        results = await asyncio.gather(
            services.wishes.claim(BOB, wish.id),
            services.wishes.claim(CAROL, wish.id),
            return_exceptions=True,
        )
        claimed = [r for r in results if isinstance(r, Wish)]
        refused = [r for r in results if isinstance(r, WishTaken)]
        assert len(claimed) == 1 and len(refused) == 1, results
        for telegram_id in (BOB, CAROL):  # room for the next round
            with contextlib.suppress(NotClaimer):
                await services.wishes.release(telegram_id, wish.id)


async def test_a_person_holds_at_most_three_undelivered_claims(
    services: Services, people: dict[int, int]
) -> None:
    wishes = [await post(services, title=f"心愿{n}号") for n in range(5)]
    for wish in wishes[:3]:
        await services.wishes.claim(BOB, wish.id)
    with pytest.raises(ClaimLimit) as refused:
        await services.wishes.claim(BOB, wishes[3].id)
    assert refused.value.params == {"count": 3}
    assert (
        await services.wishes.view(await services.roles.actor(BOB), wishes[3].id)
    ).wish.state is WishState.OPEN
    await deliver(services, BOB, wishes[0])
    assert (await services.wishes.claim(BOB, wishes[3].id)).state is WishState.CLAIMED


async def test_claiming_needs_registration_and_an_open_wish_before_its_deadline(
    services: Services, people: dict[int, int], clock: ManualClock
) -> None:
    wish = await post(services, deadline=date(2026, 11, 28))
    with pytest.raises(NotRegistered):
        await services.wishes.claim(999_999, wish.id)
    with pytest.raises(UnknownWish):
        await services.wishes.claim(BOB, 424_242)
    clock.advance(timedelta(days=2))
    with pytest.raises(WishPastDeadline):
        await services.wishes.claim(BOB, wish.id)


async def test_a_repeated_press_by_the_claimer_is_one_claim(
    services: Services, people: dict[int, int]
) -> None:
    wish = await post(services)
    await services.wishes.claim(BOB, wish.id)
    again = await services.wishes.claim(BOB, wish.id)
    assert again.state is WishState.CLAIMED and again.private_note == ""
    with pytest.raises(WishTaken):
        await services.wishes.claim(CAROL, wish.id)


async def test_only_the_claimer_releases_and_the_wish_goes_back_to_the_wall(
    services: Services, people: dict[int, int]
) -> None:
    wish = await post(services)
    await services.wishes.claim(BOB, wish.id)
    assert (await services.wish_board.wall(0, 5, None, None)).total == 0
    with pytest.raises(NotClaimer):
        await services.wishes.release(CAROL, wish.id)
    released = await services.wishes.release(BOB, wish.id)
    assert released.state is WishState.OPEN and released.claimer_id is None
    assert (await services.wishes.claim(CAROL, wish.id)).claimer_id == people[CAROL]


# ---------------------------------------------------------------- delivery and the lead's word


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


# ---------------------------------------------------------------- deadlines


async def test_an_open_wish_past_its_deadline_expires_and_the_lead_is_told_once(
    services: Services, people: dict[int, int], db: Database, clock: ManualClock
) -> None:
    wish = await post(services, deadline=date(2026, 11, 28))
    assert await services.wish_digests.expire() == (0, 0)
    clock.advance(timedelta(days=1))  # the 28th: still its last day
    assert await services.wish_digests.expire() == (0, 0)
    clock.advance(timedelta(days=1))
    assert await services.wish_digests.expire() == (0, 1)
    assert await services.wish_digests.expire() == (0, 0)
    told = [t for t in await outbox_texts(db, LEAD) if "一台电暖器" in t]
    assert len(told) == 1 and NOTE not in told[0]
    view = await services.wishes.view(await services.roles.actor(BOB), wish.id)
    assert view.wish.state is WishState.EXPIRED and not view.may.claim


async def test_a_claim_not_delivered_by_the_deadline_goes_back_and_the_claimer_is_told(
    services: Services, people: dict[int, int], db: Database, clock: ManualClock
) -> None:
    wish = await post(services, deadline=date(2026, 11, 28))
    delivered = await post(services, title="一袋大米", deadline=date(2026, 11, 28))
    await services.wishes.claim(BOB, wish.id)
    await services.wishes.claim(CAROL, delivered.id)
    await deliver(services, CAROL, delivered)
    clock.advance(timedelta(days=2))
    with pytest.raises(WishPastDeadline):
        await deliver(services, BOB, wish)
    assert await services.wish_digests.expire() == (1, 1)
    assert any("一台电暖器" in text for text in await outbox_texts(db, BOB))
    assert await services.wishes.mine(await services.roles.actor(BOB)) is not None
    assert (await services.wishes.mine(await services.roles.actor(BOB))).claims == []
    waiting = await services.wishes.decidable(await services.roles.actor(LEAD), delivered.id)
    assert waiting.state is WishState.DELIVERED, "a delivery waiting for its lead stays"


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


async def test_the_wall_shows_claims_releases_and_erasures_as_they_happen(
    services: Services, people: dict[int, int], clock: ManualClock
) -> None:
    wish = await post(services)
    board = services.wish_board
    assert (await board.wall(0, 5, None, None)).total == 1
    await services.wishes.claim(BOB, wish.id)
    assert (await board.wall(0, 5, None, None)).wishes == ()
    await services.wishes.release(BOB, wish.id)
    assert [w.id for w in (await board.wall(0, 5, None, None)).wishes] == [wish.id]
    await services.wishes.claim(BOB, wish.id)
    assert (await board.wall(0, 5, None, None)).total == 0
    await services.registration.forget(BOB)  # releases the claim outside the wish service
    clock.advance(timedelta(seconds=11))
    assert (await board.wall(0, 5, None, None)).total == 1, "within seconds"


async def test_the_post_button_is_offered_to_leads_and_admins_only(
    services: Services, people: dict[int, int]
) -> None:
    assert await services.wish_board.may_post(LEAD) and await services.wish_board.may_post(ADMIN_ID)
    assert not await services.wish_board.may_post(BOB)
    assert not await services.wish_board.may_post(424_242)


async def test_a_wall_read_while_a_claim_commits_is_not_kept_after_it(
    services: Services, people: dict[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Someone reads the wall between the claim's write and its commit (they see the wish
    still open): that page is dropped once the claim has committed, not shown for seconds."""
    from storage import wishes as wish_storage

    wish = await post(services)
    board = services.wish_board
    claim = wish_storage.claim
    seen_meanwhile = []

    async def claim_while_someone_reads(*args: Any) -> bool:
        claimed = await claim(*args)
        seen_meanwhile.append((await board.wall(0, 5, None, None)).total)
        return claimed

    monkeypatch.setattr(wish_storage, "claim", claim_while_someone_reads)
    await services.wishes.claim(BOB, wish.id)
    assert seen_meanwhile == [1], "the reader saw the wish before the claim committed"
    assert (await board.wall(0, 5, None, None)).total == 0

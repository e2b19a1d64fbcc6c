"""Channel-neutral texts (bot/views): what Telegram's handlers and WeChat's flows both show,
made from the services' results and the catalogs."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain.hours import HoursSummary, StarLevel
from bot.domain.models import Team
from bot.domain.ranking import Period, Ranked
from bot.domain.wishes import Wish, WishState
from bot.i18n import Catalogs
from bot.services.reports import Board, HonorRoll
from bot.services.wishes import MyWishes, WishPermissions, WishView
from bot.views.boards import board_text, honor_roll_text
from bot.views.hours import hours_text
from bot.views.periods import period_text
from bot.views.settings import settings_text
from bot.views.wishes import MINE_MOST, mine_text, wall_line, wish_text
from storage.reports import MemberTotal, TeamTotal

CATALOGS = Catalogs(ZoneInfo("Asia/Shanghai"))
ZH, EN = CATALOGS.translator("zh"), CATALOGS.translator("en")
TEAM = Team(1, "river", "河道守护队", "River Guardians")


def _summary(**changes: object) -> HoursSummary:
    summary = HoursSummary(
        approved_year=150,
        approved_total=600,
        pending_year=90,
        pending_total=90,
        by_category=(("cleanup", 480), ("manual", 120)),
        by_team=(("river", 600),),
        no_shows=1,
    )
    return replace(summary, **changes)  # type: ignore[arg-type]


def test_hours_show_approved_pending_stars_and_the_named_categories_and_teams() -> None:
    text = hours_text(
        ZH, _summary(), StarLevel(1, 20, 600), {"cleanup": "环境清洁"}, {"river": "河道守护队"}
    )
    assert text.startswith(
        ZH(
            "hours.summary",
            year=ZH.hours(150),
            total=ZH.hours(600),
            pending_year=ZH.hours(90),
            pending=ZH.hours(90),
            no_shows=1,
        )
    )
    assert ZH("hours.stars", stars="★", next=20, to_next=ZH.hours(600)) in text
    assert f"· 环境清洁: {ZH.hours(480)}" in text
    assert f"· manual: {ZH.hours(120)}" in text  # a key without a name is shown as it is
    assert f"· 河道守护队: {ZH.hours(600)}" in text


def test_no_stars_yet_and_the_top_level_read_differently() -> None:
    empty = _summary(by_category=(), by_team=())
    first = hours_text(EN, empty, StarLevel(0, 10, 450), {}, {})
    assert EN("hours.no_stars") in first and EN("hours.by_category") not in first
    top = hours_text(EN, empty, StarLevel(5, None, None), {}, {})
    assert EN("hours.stars_top", stars="★★★★★") in top


def _member(name: str | None, anonymous: bool = False) -> MemberTotal:
    return MemberTotal(1, name, anonymous, 120)


def test_a_board_names_members_unless_anonymous_and_says_where_the_reader_stands() -> None:
    start, end = date(2026, 11, 1), date(2026, 12, 1)
    top = [
        Ranked(1, _member("张三"), 300, False),
        Ranked(2, _member("李四", anonymous=True), 120, False),
        Ranked(3, _member(None), 60, False),
    ]
    text = board_text(ZH, Board(TEAM, start, end, top, top[1], 3), Period.MONTH)
    assert ZH("leaderboard.line", rank=1, name="张三", hours=ZH.hours(300)) in text
    anonymous = ZH("leaderboard.anonymous")
    assert ZH("leaderboard.line", rank=2, name=anonymous, hours=ZH.hours(120)) in text
    assert ZH("leaderboard.line", rank=3, name=anonymous, hours=ZH.hours(60)) in text
    assert "李四" not in text
    assert ZH("leaderboard.mine", rank=2, count=3, hours=ZH.hours(120)) in text
    assert period_text(ZH, start, end) in text

    nobody = board_text(EN, Board(TEAM, start, end, [], None, 0), Period.WEEK)
    assert EN("leaderboard.empty") in nobody and EN("leaderboard.mine_none") in nobody


def test_the_honor_roll_ranks_teams_by_total_and_per_member_in_the_readers_language() -> None:
    team = TeamTotal(1, "river", "河道守护队", "River Guardians", 600, 4)
    roll = HonorRoll(date(2026, 11, 1), date(2026, 12, 1), [Ranked(1, team, 600, False)], [])
    roll = replace(roll, by_member=[(Ranked(1, team, 600, False), 150)])
    text = honor_roll_text(EN, roll, EN("period.month"))
    assert EN("honor.line", rank=1, team="River Guardians", hours=EN.hours(600), active=4) in text
    assert EN("honor.member_line", rank=1, team="River Guardians", hours=EN.hours(150)) in text
    empty = honor_roll_text(ZH, replace(roll, by_total=[], by_member=[]), ZH("period.month"))
    assert empty.endswith(ZH("leaderboard.empty"))


@pytest.mark.parametrize(("muted", "anonymous"), [(False, False), (True, True)])
def test_settings_read_as_they_stand(muted: bool, anonymous: bool) -> None:
    text = settings_text(ZH, muted, anonymous)
    reminders = ZH("settings.off" if muted else "settings.on")
    shown = ZH("settings.anonymous" if anonymous else "settings.named")
    assert text == ZH("settings.text", reminders=reminders, shown=shown)


def _wish(state: WishState = WishState.OPEN, **changes: object) -> Wish:
    wish = Wish(
        id=7,
        team_key="river",
        community_id=1,
        community="沙坪社区",
        title="给王奶奶买一台收音机",
        story="王奶奶眼睛不好，想听戏。",
        value_yuan=80,
        deadline=date(2026, 12, 20),
        photo=None,
        private_note="王奶奶 138 0000 0000",
        state=state,
        posted_by=1,
        posted_at=datetime(2026, 11, 1, tzinfo=UTC),
    )
    return replace(wish, **changes)  # type: ignore[arg-type]


def _view(wish: Wish, *, manages: bool = False, mine: bool = False, claimer: str | None = None):
    return WishView(wish, claimer, False, manages, mine, WishPermissions())


def test_a_wish_card_shows_the_private_note_to_the_teams_leads_only() -> None:
    teams = {"river": "河道守护队"}
    lead = wish_text(ZH, _view(_wish(), manages=True), teams)
    assert ZH("wish.card_private", note="王奶奶 138 0000 0000") in lead
    volunteer = wish_text(ZH, _view(_wish(private_note="")), teams)
    assert "138" not in volunteer
    for part in (
        ZH("wish.card_title", title="给王奶奶买一台收音机"),
        ZH("wish.card_place", team="河道守护队", community="沙坪社区"),
        ZH("wish.card_value", value=ZH.number(80)),
        "王奶奶眼睛不好，想听戏。",
        ZH("wish.state.open"),
    ):
        assert part in volunteer


def test_a_delivered_wish_shows_its_report_to_its_claimer_and_hides_an_anonymous_claimer() -> None:
    delivered = _wish(WishState.DELIVERED, minutes=90, delivery_note="送到了", private_note="")
    claimer = wish_text(EN, _view(delivered, mine=True, claimer="Ann"), {})
    assert EN("wish.card_delivery", note="送到了", hours=EN.hours(90)) in claimer
    assert EN("wish.state.delivered", name="Ann") in claimer
    stranger = wish_text(EN, _view(replace(delivered, delivery_note=None)), {})
    assert EN("wish.state.delivered_anonymous") in stranger
    assert "送到了" not in stranger


def test_a_wall_line_and_a_persons_claims() -> None:
    wish = _wish()
    assert wall_line(ZH, 3, wish) == ZH(
        "wish.wall_line", n=3, title=wish.title, community="沙坪社区", day=ZH.day(wish.deadline)
    )
    none = mine_text(ZH, MyWishes([], []))
    assert none == ZH("wish.mine_none")
    claims = [_wish(WishState.CLAIMED, id=n, title=f"心愿{n}") for n in range(MINE_MOST + 5)]
    text = mine_text(ZH, MyWishes(claims, [_wish(WishState.DELIVERED, title="待确认")]))
    assert ZH("wish.mine_header", count=MINE_MOST + 5) in text
    assert f"心愿{MINE_MOST - 1}" in text and f"心愿{MINE_MOST}" not in text
    assert ZH("wish.awaiting_line", title="待确认", community="沙坪社区") in text

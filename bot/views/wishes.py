"""Micro-wishes as text: a wish's card for its reader, a line of the wall, a person's claims."""

from __future__ import annotations

from collections.abc import Mapping

from bot.domain.wishes import Wish, WishState
from bot.i18n import Translator
from bot.services.wishes import MyWishes, WishView

MINE_MOST = 20  # claims and awaiting deliveries listed, each


def _title_lines(t: Translator, wish: Wish, teams: Mapping[str, str]) -> str:
    lines = [
        t("wish.card_title", title=wish.title),
        t(
            "wish.card_place",
            team=teams.get(wish.team_key, wish.team_key),
            community=wish.community,
        ),
        t("wish.card_deadline", day=t.day(wish.deadline)),
    ]
    if wish.value_yuan:
        lines.append(t("wish.card_value", value=t.number(wish.value_yuan)))
    if wish.story:
        lines.append("\n" + wish.story)
    return "\n".join(lines)


def state_line(t: Translator, view: WishView) -> str:
    state = view.wish.state
    if state is WishState.OPEN or state is WishState.EXPIRED:
        return t(f"wish.state.{state.value}")
    if view.claimer is None:
        return t(f"wish.state.{state.value}_anonymous")
    return t(f"wish.state.{state.value}", name=view.claimer)


def wish_text(t: Translator, view: WishView, teams: Mapping[str, str]) -> str:
    """The wish as its reader may see it: the delivery and a send-back reason for its claimer
    and the team's leads, the private note for the leads alone (`teams`: key to name)."""
    wish = view.wish
    parts = [_title_lines(t, wish, teams), "", state_line(t, view)]
    if view.mine or view.manages:
        if wish.state is WishState.DELIVERED and wish.minutes:
            parts.append(
                t("wish.card_delivery", note=wish.delivery_note or "—", hours=t.hours(wish.minutes))
            )
        if wish.state is WishState.CLAIMED and wish.sent_back_reason:
            parts.append(t("wish.card_sent_back", reason=wish.sent_back_reason))
    if view.manages:
        parts.append(t("wish.card_private", note=wish.private_note))
    return "\n".join(parts)


def wall_header(t: Translator, total: int, number: int, count: int) -> str:
    return t("wish.wall_header", count=total, page=number + 1, pages=count)


def wall_line(t: Translator, n: int, wish: Wish) -> str:
    return t(
        "wish.wall_line", n=n, title=wish.title, community=wish.community, day=t.day(wish.deadline)
    )


def mine_text(t: Translator, mine: MyWishes) -> str:
    """The reader's claims not yet confirmed and, for leads, the deliveries to decide."""
    lines: list[str] = []
    if mine.claims:
        lines.append(t("wish.mine_header", count=len(mine.claims)))
        lines += [
            t(f"wish.mine_line.{wish.state.value}", title=wish.title, day=t.day(wish.deadline))
            for wish in mine.claims[:MINE_MOST]
        ]
    else:
        lines.append(t("wish.mine_none"))
    if mine.awaiting:
        lines.append("")
        lines.append(t("wish.awaiting_header", count=len(mine.awaiting)))
        lines += [
            t("wish.awaiting_line", title=wish.title, community=wish.community)
            for wish in mine.awaiting[:MINE_MOST]
        ]
    return "\n".join(lines)

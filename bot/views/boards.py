"""Leaderboards as text: a team's members ranked over a period, and the honor roll of teams."""

from __future__ import annotations

from bot.domain.ranking import Period
from bot.i18n import Translator
from bot.services.reports import Board, HonorRoll, display_name
from bot.views.periods import period_text


def board_text(t: Translator, board: Board, period: Period) -> str:
    """The team's top members, and where the reader stands."""
    lines = [
        t(
            "leaderboard.header",
            team=board.team.name(t.language),
            period=t(f"period.{period.value}"),
            range=period_text(t, board.start, board.end),
        )
    ]
    if not board.top:
        lines.append(t("leaderboard.empty"))
    for entry in board.top:
        name = display_name(entry.key) or t("leaderboard.anonymous")
        lines.append(
            t("leaderboard.line", rank=entry.rank, name=name, hours=t.hours(entry.minutes))
        )
    if board.mine is not None:
        lines.append(
            t(
                "leaderboard.mine",
                rank=board.mine.rank,
                count=board.ranked,
                hours=t.hours(board.mine.minutes),
            )
        )
    else:
        lines.append(t("leaderboard.mine_none"))
    return "\n".join(lines)


def honor_roll_text(t: Translator, roll: HonorRoll, period_label: str) -> str:
    """The teams ranked by their hours in all and per active member (ten each)."""
    lines = [t("honor.header", period=period_label, range=period_text(t, roll.start, roll.end))]
    if not roll.by_total:
        lines.append(t("leaderboard.empty"))
        return "\n".join(lines)
    lines.append(t("honor.by_total"))
    for entry in roll.by_total[:10]:
        lines.append(
            t(
                "honor.line",
                rank=entry.rank,
                team=entry.key.name_zh if t.language == "zh" else entry.key.name_en,
                hours=t.hours(entry.key.minutes),
                active=entry.key.active,
            )
        )
    lines.append(t("honor.by_member"))
    for entry, per_member in roll.by_member[:10]:
        lines.append(
            t(
                "honor.member_line",
                rank=entry.rank,
                team=entry.key.name_zh if t.language == "zh" else entry.key.name_en,
                hours=t.hours(per_member),
            )
        )
    return "\n".join(lines)

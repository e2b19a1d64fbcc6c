"""A volunteer's hours and stars, as /hours (Telegram) and 时长 (WeChat) show them."""

from __future__ import annotations

from collections.abc import Mapping

from bot.domain.hours import HoursSummary, StarLevel
from bot.i18n import Translator


def stars_line(t: Translator, level: StarLevel) -> str:
    stars = "★" * level.level if level.level else t("hours.no_stars")
    if level.next_hours is None:
        return t("hours.stars_top", stars=stars)
    return t(
        "hours.stars",
        stars=stars,
        next=level.next_hours,
        to_next=t.hours(level.minutes_to_next or 0),
    )


def hours_text(
    t: Translator,
    summary: HoursSummary,
    level: StarLevel,
    categories: Mapping[str, str],
    teams: Mapping[str, str],
) -> str:
    """Approved and pending hours this year and in all, the stars, and approved hours by
    category and by team (`categories`, `teams`: key to name in the reader's language)."""
    lines = [
        t(
            "hours.summary",
            year=t.hours(summary.approved_year),
            total=t.hours(summary.approved_total),
            pending_year=t.hours(summary.pending_year),
            pending=t.hours(summary.pending_total),
            no_shows=t.number(summary.no_shows),
        ),
        stars_line(t, level),
    ]
    if summary.by_category:
        lines.append(t("hours.by_category"))
        lines += [
            f"· {categories.get(key, key)}: {t.hours(minutes)}"
            for key, minutes in summary.by_category
        ]
    if summary.by_team:
        lines.append(t("hours.by_team"))
        lines += [
            f"· {teams.get(key, key)}: {t.hours(minutes)}" for key, minutes in summary.by_team
        ]
    return "\n".join(lines)

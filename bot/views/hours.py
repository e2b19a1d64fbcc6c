"""A volunteer's hours and stars, as /hours (Telegram) and 时长 (WeChat) show them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.config import CategoryConfig
from bot.domain.hours import HoursSummary, StarLevel
from bot.i18n import Translator


def category_names(t: Translator, categories: Sequence[CategoryConfig]) -> dict[str, str]:
    """Category keys to names in the reader's language (hours added by an admin, a visit or a
    wish have a category of their own)."""
    names = {c.key: (c.name_zh if t.language == "zh" else c.name_en) for c in categories}
    return names | {
        "manual": t("hours.manual_category"),
        "visit": t("visit.category"),
        "wish": t("hours.wish_category"),
    }


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


def amount_text(t: Translator, minutes: int) -> str:
    """A length in hours and minutes, as the reader says it: "2 h 30 min", "2小时30分钟"."""
    whole, rest = divmod(minutes, 60)
    if whole and rest:
        return t("amount.hours_minutes", hours=whole, minutes=rest)
    if whole:
        return t("amount.hours", hours=whole)
    return t("amount.minutes", minutes=rest)

"""The chat commands and the least role that may use each, in the order /help lists them."""

from __future__ import annotations

from bot.domain.models import Role

COMMANDS: tuple[tuple[str, Role], ...] = (
    ("start", Role.GUEST),
    ("help", Role.GUEST),
    ("register", Role.GUEST),
    ("profile", Role.VOLUNTEER),
    ("activities", Role.GUEST),
    ("wishes", Role.GUEST),
    ("my", Role.VOLUNTEER),
    ("households", Role.VOLUNTEER),
    ("checkin", Role.VOLUNTEER),
    ("checkout", Role.VOLUNTEER),
    ("hours", Role.VOLUNTEER),
    ("leaderboard", Role.VOLUNTEER),
    ("certificate", Role.VOLUNTEER),
    ("verify", Role.GUEST),
    ("settings", Role.VOLUNTEER),
    ("language", Role.GUEST),
    ("link", Role.VOLUNTEER),
    ("forget_me", Role.VOLUNTEER),
    ("cancel", Role.GUEST),
    ("new_activity", Role.LEAD),
    ("manage", Role.LEAD),
    ("broadcast", Role.LEAD),
    ("link_group", Role.LEAD),
    ("report", Role.LEAD),
    ("export", Role.LEAD),
    ("coverage", Role.LEAD),
    ("promote", Role.ADMIN),
    ("demote", Role.ADMIN),
    ("teams", Role.ADMIN),
    ("records", Role.ADMIN),
    ("add_hours", Role.ADMIN),
    ("stats", Role.ADMIN),
)


def commands_for(role: Role) -> list[str]:
    """The commands a person with this role may use."""
    return [name for name, least in COMMANDS if role >= least]

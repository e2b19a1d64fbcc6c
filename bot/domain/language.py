"""Which language to speak to a person in."""

from __future__ import annotations

from bot.domain.models import Language


def resolve_language(
    chosen: Language | None, telegram_code: str | None, default: Language
) -> Language:
    """Their own choice first; else Telegram's language_code (zh* is Chinese); else default."""
    if chosen is not None:
        return chosen
    if telegram_code:
        return "zh" if telegram_code.lower().startswith("zh") else "en"
    return default

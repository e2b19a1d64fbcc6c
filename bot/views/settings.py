"""A person's settings as text: reminders on or off, named or anonymous on boards."""

from __future__ import annotations

from bot.i18n import Translator


def settings_text(t: Translator, muted: bool, anonymous: bool) -> str:
    state = t("settings.off" if muted else "settings.on")
    shown = t("settings.anonymous" if anonymous else "settings.named")
    return t("settings.text", reminders=state, shown=shown)

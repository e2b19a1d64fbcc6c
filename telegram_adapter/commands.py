"""The command menu shown by Telegram clients, per language and for admins."""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import TelegramError

from bot.config import Config
from bot.domain.commands import commands_for
from bot.domain.models import LANGUAGES, Language, Role
from bot.i18n import Catalogs

log = logging.getLogger(__name__)


def _menu(catalogs: Catalogs, language: Language, role: Role) -> list[BotCommand]:
    t = catalogs.translator(language)
    return [BotCommand(name, t(f"cmd.{name}")) for name in commands_for(role)]


async def publish_commands(bot: Bot, catalogs: Catalogs, config: Config) -> None:
    """Register menus per language; a failure is logged and the bot runs on without it."""
    default = config.org.default_language
    requests: list[tuple[str | None, Language, Role, int | None]] = [
        (None, default, Role.VOLUNTEER, None)
    ]
    requests += [(language, language, Role.VOLUNTEER, None) for language in LANGUAGES]
    requests += [(None, default, Role.ADMIN, admin) for admin in config.org.admins]
    for language_code, language, role, chat in requests:
        scope = BotCommandScopeChat(chat) if chat is not None else None
        try:
            await bot.set_my_commands(
                _menu(catalogs, language, role), scope=scope, language_code=language_code
            )
        except TelegramError as error:
            log.warning("could not set the command menu (%s, %s): %s", language, chat, error)

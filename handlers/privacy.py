"""Personal data is only asked for and shown in private chats."""

from __future__ import annotations

from handlers.common import Turn, reply
from telegram_adapter.context import AppContext


async def require_private(context: AppContext, turn: Turn) -> bool:
    """True in a private chat; in a group, points the person to a private chat instead."""
    if turn.private:
        return True
    link = f"https://t.me/{context.bot.username}"
    await reply(context, turn, turn.t("private_only", link=link))
    return False

"""/link: joins a person's Telegram and WeChat accounts with a one-time code."""

from __future__ import annotations

from telegram import Update

from bot.domain.errors import DomainError
from bot.services.identities import CODE_VALID
from handlers.common import reply, reply_error, turn_of
from handlers.privacy import require_private
from telegram_adapter.context import AppContext


async def link_command(update: Update, context: AppContext) -> None:
    """Shows a registered person a code to type in WeChat; `/link CODE` joins this account to
    the registration of the WeChat account that showed the code."""
    turn = await turn_of(update, context)
    if not await require_private(context, turn):
        return
    identities = turn.services.identities
    if context.args:
        try:
            await identities.link(turn.user_id, " ".join(context.args))
        except DomainError as error:
            await reply_error(context, turn, error)
            return
        await reply(context, turn, turn.t("link.done"))
        return
    if await turn.volunteer() is None:
        await reply(context, turn, turn.t("link.how_from_wechat"))
        return
    code = await identities.link_code(turn.user_id)
    minutes = int(CODE_VALID.total_seconds() // 60)
    await reply(context, turn, turn.t("link.code", code=code, minutes=minutes))

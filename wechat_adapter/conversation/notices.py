"""Buttons on the notices the services queue, as this conversation's actions.

A notice carries Telegram's button data (bot/buttons.py), which the services build. On WeChat
the outbox's transport turns each button this module knows into a msgmenu option, so a
reminder's "can't come" or a wish notice's "open the wish" can be tapped there too; a button
for something WeChat does not offer (a lead's sheet, a household) is left out."""

from __future__ import annotations

from bot.buttons import RecordOpen, SignUp, SignUpCancel, WishOpen
from wechat_adapter.conversation import actions
from wechat_adapter.conversation.actions import Action
from wechat_adapter.conversation.activities import CANCEL, SIGN_UP
from wechat_adapter.conversation.wishes import WISH


def notice_option(data: str) -> str | None:
    """The msgmenu option id for a notice's button data, or None when WeChat has no such
    action."""
    if (cancel := SignUpCancel.parse(data)) is not None:
        return Action(CANCEL, str(cancel.activity)).encode()
    if (sign_up := SignUp.parse(data)) is not None:
        return Action(SIGN_UP, str(sign_up.activity)).encode()
    if (wish := WishOpen.parse(data)) is not None:
        return Action(WISH, str(wish.wish)).encode()
    if RecordOpen.parse(data) is not None:
        return Action(actions.HOURS).encode()  # WeChat shows hours, not one record's view
    return None

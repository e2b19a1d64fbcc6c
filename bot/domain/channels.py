"""Which channel a person is reached on, and the rules of WeChat's customer-service window.

Services key people by an integer user id (named `telegram_id` in the code). A Telegram
person's user id is their Telegram id (below 2**52); a person who came through WeChat first gets
a synthetic one from WECHAT_BASE up; negative ids are Telegram groups."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

Channel = Literal["telegram", "wechat"]

WECHAT_BASE = 2**53
# WeChat lets an account write customer-service messages to a person for 48 hours after the
# person's last message, at most 20 of them (errors 45015 and 45047 past that).
WINDOW = timedelta(hours=48)
WINDOW_MESSAGES = 20


def is_wechat_user(user_id: int) -> bool:
    """The person came through WeChat first: they have no Telegram id of their own."""
    return user_id >= WECHAT_BASE


def wechat_user_id(number: int) -> int:
    """The synthetic user id of the `number`-th person who came through WeChat (from 1)."""
    if number < 1:
        raise ValueError("WeChat people are numbered from 1")
    return WECHAT_BASE + number


@dataclass(frozen=True)
class WeChatAddress:
    """Where and how a person can be written to on WeChat."""

    openid: str
    last_inbound_at: datetime | None  # their last message to us
    sent_since_inbound: int  # customer-service messages sent to them since
    unreachable_since: datetime | None = None  # they unfollowed the account

    def in_window(self, now: datetime) -> bool:
        """A customer-service message may still reach them (else only a template can)."""
        return (
            self.last_inbound_at is not None
            and now - self.last_inbound_at < WINDOW
            and self.sent_since_inbound < WINDOW_MESSAGES
        )

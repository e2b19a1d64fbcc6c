"""How a delivery can fail, in terms the sender acts on (no Telegram types)."""

from __future__ import annotations


class DeliveryError(Exception):
    """A message could not be delivered this time."""


class RetryLater(DeliveryError):
    """Throttled: try again after `seconds`."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds:g}s")
        self.seconds = seconds


class Unreachable(DeliveryError):
    """The recipient blocked the bot, or removed it from the group: final."""


class Rejected(DeliveryError):
    """Telegram refused this message (bad request): final."""


class WindowClosed(Rejected):
    """The channel lets the account write to the person only for a while after their last
    message (WeChat's 48 hours, 20 messages), and that is over: another way (a template
    message, another channel) may still reach them."""


class ChatMoved(DeliveryError):
    """The group became a supergroup with a new id: send there instead."""

    def __init__(self, new_chat_id: int) -> None:
        super().__init__(f"chat moved to {new_chat_id}")
        self.new_chat_id = new_chat_id


class Transient(DeliveryError):
    """A network failure or timeout: retry with backoff, a bounded number of times."""


class ServiceDown(DeliveryError):
    """The Bot API refuses requests as a whole: 401/404 (the token is invalid or revoked) or
    an unexpected status such as a 5xx (an outage). Nothing is wrong with this message: sending
    pauses and is tried again with growing pauses, never final."""


class NoAnswer(DeliveryError):
    """The request went out but its answer never came (a read timeout): Telegram may have
    delivered the message. Retried at most once, so a lost answer costs at most one copy."""

"""WeChat's refusals that the outbox's own errors do not name, as subclasses of them: a sender
that knows nothing of WeChat still ends or postpones the row rightly."""

from __future__ import annotations

from bot.outbox.errors import RetryLater, WindowClosed


class OutsideWindow(WindowClosed):
    """A customer-service message cannot reach the person now: 45015 (no message from them in
    48 hours, or they unfollowed) or 45047 (20 messages sent since their last one). A template
    message still can; unhandled, the row ends failed like any refused message."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"{errcode} {errmsg}")
        self.errcode = errcode


class QuotaReached(RetryLater):
    """45009: the account's daily quota for this API is used up until midnight, Beijing time."""

"""What a shared location must be to vouch for where someone is: check-in and household
visits both take only a location the person's own device shared."""

from __future__ import annotations

from telegram import Message


def sent_from_own_device(message: Message) -> bool:
    """A location the person's own device shared: not forwarded (where someone else was), not
    a venue (a place picked from a list), not posted through an inline bot or on behalf of a
    chat (either can carry any point, live or not)."""
    return (
        message.forward_origin is None
        and message.venue is None
        and message.via_bot is None
        and message.sender_chat is None
        and not message.is_automatic_forward
    )

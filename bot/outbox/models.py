"""What goes into the outbox and what comes back out of it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class Priority(IntEnum):
    """Lower goes first. Replies to people's own commands are not in the outbox; they always
    go before all of these."""

    URGENT = 1  # a slot freed for you, an activity cancelled
    NOTICE = 3  # you were promoted, an activity changed
    REMINDER = 5
    BROADCAST = 7
    DIGEST = 9  # leaderboards, reports


@dataclass(frozen=True)
class Button:
    text: str
    callback_data: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class OutgoingMessage:
    chat_id: int
    kind: str
    text: str
    priority: Priority = Priority.NOTICE
    buttons: tuple[tuple[Button, ...], ...] = ()
    file_path: str | None = None
    file_kind: str | None = None  # "document" or "photo"; the text is then the caption
    broadcast_id: int | None = None
    blocked: bool = False  # the recipient is known unreachable: record, do not send
    about: int | None = None  # the volunteer (row id) the text names: erased with them


@dataclass(frozen=True)
class QueuedMessage:
    """A row claimed for sending."""

    id: int
    chat_id: int
    kind: str
    text: str
    priority: int
    buttons: tuple[tuple[Button, ...], ...]
    file_path: str | None
    file_kind: str | None
    attempts: int
    broadcast_id: int | None
    unanswered: int = 0  # earlier sends whose answer never came (may have been delivered)
    paid: bool = False  # sent with allow_paid_broadcast (a broadcast, sending.paid_broadcast)


@dataclass(frozen=True)
class DeliveryCounts:
    pending: int = 0
    sent: int = 0
    blocked: int = 0
    failed: int = 0
    cancelled: int = 0

    @property
    def total(self) -> int:
        return self.pending + self.sent + self.blocked + self.failed + self.cancelled

    @property
    def finished(self) -> bool:
        return self.pending == 0

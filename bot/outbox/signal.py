"""Lets services tell the sender that rows were committed, without knowing the sender."""

from __future__ import annotations

from collections.abc import Callable


class OutboxSignal:
    def __init__(self) -> None:
        self._listener: Callable[[], None] | None = None

    def connect(self, listener: Callable[[], None]) -> None:
        self._listener = listener

    def notify(self) -> None:
        """Call after the transaction that wrote outbox rows has committed."""
        if self._listener is not None:
            self._listener()

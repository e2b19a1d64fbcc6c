"""Lets services tell the sender that rows were committed, without knowing the sender."""

from __future__ import annotations

from collections.abc import Callable


class OutboxSignal:
    def __init__(self) -> None:
        self._on_rows: Callable[[], None] | None = None
        self._on_stop: Callable[[int], None] | None = None

    def connect(self, on_rows: Callable[[], None], on_stop: Callable[[int], None]) -> None:
        self._on_rows, self._on_stop = on_rows, on_stop

    def notify(self) -> None:
        """Call after the transaction that wrote outbox rows has committed."""
        if self._on_rows is not None:
            self._on_rows()

    def broadcast_stopped(self, broadcast_id: int) -> None:
        """Call after a broadcast's pending rows were cancelled: drop those already claimed."""
        if self._on_stop is not None:
            self._on_stop(broadcast_id)

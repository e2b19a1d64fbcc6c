"""Long lists are shown a page at a time (Telegram keyboards hold at most 100 buttons)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    number: int  # 0-based, clamped to the pages that exist
    count: int  # how many pages there are (at least 1)

    @property
    def has_previous(self) -> bool:
        return self.number > 0

    @property
    def has_next(self) -> bool:
        return self.number < self.count - 1


def page_of(items: Sequence[T], number: int, size: int) -> Page[T]:
    """The requested page; a number out of range (a stale or forged button) is clamped."""
    count = max(1, -(-len(items) // size))
    number = min(max(number, 0), count - 1)
    return Page(list(items[number * size : (number + 1) * size]), number, count)

"""Remembers recently handled update ids so a replayed update has no second effect."""

from __future__ import annotations

from collections import deque


class RecentIds:
    def __init__(self, capacity: int) -> None:
        self._order: deque[int] = deque()
        self._seen: set[int] = set()
        self._capacity = capacity

    def add(self, item: int) -> bool:
        """Remember the id; False if it was already remembered."""
        if item in self._seen:
            return False
        self._seen.add(item)
        self._order.append(item)
        if len(self._order) > self._capacity:
            self._seen.discard(self._order.popleft())
        return True

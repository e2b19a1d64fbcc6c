"""Pushes already seen, so that a replayed one (WeChat's own retry, or a copy someone sends
again) has no second effect."""

from __future__ import annotations

from collections import OrderedDict


class SeenMessages:
    """The keys of recent pushes: at most `capacity`, none older than `window` seconds. A push
    signed longer ago than the window is refused by its timestamp, so forgetting older keys
    lets nothing through twice; the capacity bounds memory under a flood."""

    def __init__(self, capacity: int, window: float) -> None:
        self._capacity = capacity
        self._window = window
        self._seen: OrderedDict[str, float] = OrderedDict()

    def first_time(self, key: str, now: float) -> bool:
        """Record the key; False if it was seen within the window."""
        while self._seen:
            oldest, when = next(iter(self._seen.items()))
            if now - when <= self._window:
                break
            del self._seen[oldest]
        if key in self._seen:
            return False
        if len(self._seen) >= self._capacity:
            self._seen.popitem(last=False)
        self._seen[key] = now
        return True

    def __len__(self) -> int:
        return len(self._seen)

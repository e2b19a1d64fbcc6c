"""Per-person flood guard: too many updates in a window and the person is ignored a while."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from enum import Enum


class Verdict(Enum):
    ALLOW = "allow"
    BLOCK_AND_NOTIFY = "block_and_notify"
    BLOCK = "block"


@dataclass
class _Track:
    hits: deque[float] = field(default_factory=deque)
    muted_until: float = 0.0


class FloodGuard:
    """Sliding-window counter per key; `now` is seconds on any monotonic scale."""

    def __init__(self, max_updates: int, window: float, mute: float) -> None:
        self.max_updates = max_updates
        self.window = window
        self.mute = mute
        self._tracks: dict[int, _Track] = {}

    def check(self, key: int, now: float) -> Verdict:
        track = self._tracks.setdefault(key, _Track())
        if now < track.muted_until:
            return Verdict.BLOCK
        hits = track.hits
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        hits.append(now)
        if len(hits) > self.max_updates:
            hits.clear()
            track.muted_until = now + self.mute
            return Verdict.BLOCK_AND_NOTIFY
        return Verdict.ALLOW

    def forget_idle(self, now: float) -> None:
        """Drop tracks with nothing recent, so memory stays bounded by active people."""
        idle = [
            key
            for key, track in self._tracks.items()
            if track.muted_until <= now and (not track.hits or track.hits[-1] <= now - self.window)
        ]
        for key in idle:
            del self._tracks[key]

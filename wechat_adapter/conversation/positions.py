"""Where WeChat last said each person's phone was (the LOCATION event, 上报地理位置): kept in
memory for check-in by location.

WeChat sends it from the phone's own positioning when the person opens the chat (if the
account asks for it and they allowed it); the person cannot pick or move the point, unlike a
location message or the location_select menu, where any point on the map can be sent. So it
is the one location on WeChat that stands for where someone is, as a live location does on
Telegram."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

FRESH_SECONDS = 300  # a position reported longer ago than this no longer says where they are
KEPT = 10_000  # people whose last position is kept (the oldest forgotten first)


@dataclass(frozen=True)
class Position:
    latitude: float
    longitude: float
    reported: int  # WeChat's CreateTime of the event, seconds since the epoch


class DevicePositions:
    def __init__(self, kept: int = KEPT) -> None:
        self._kept = kept
        self._by_openid: OrderedDict[str, Position] = OrderedDict()

    def report(self, openid: str, position: Position) -> None:
        self._by_openid[openid] = position
        self._by_openid.move_to_end(openid)
        while len(self._by_openid) > self._kept:
            self._by_openid.popitem(last=False)

    def fresh(self, openid: str, now: int) -> Position | None:
        """Their position if WeChat reported it within FRESH_SECONDS of `now` (WeChat's time
        of the message asking, so both times come from WeChat's clock)."""
        position = self._by_openid.get(openid)
        if position is None or not 0 <= now - position.reported <= FRESH_SECONDS:
            return None
        return position

    def forget(self, openid: str) -> None:
        self._by_openid.pop(openid, None)

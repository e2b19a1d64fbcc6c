"""Calendar files (.ics) of a volunteer's confirmed activities, for any calendar app."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from icalendar import Calendar, Event

from bot.domain.models import Activity


def ics(activities: Iterable[Activity], organisation: str, stamp: datetime) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//volunteer-bot//activities//ZH")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", organisation)
    for activity in activities:
        event = Event()
        event.add("uid", f"activity-{activity.id}@volunteer-bot")
        event.add("dtstamp", stamp)
        event.add("dtstart", activity.starts_at)
        event.add("dtend", activity.ends_at)
        event.add("summary", activity.title)
        event.add("location", activity.place)
        if activity.description:
            event.add("description", activity.description)
        if activity.state == "cancelled":
            event.add("status", "CANCELLED")
        calendar.add_component(event)
    data: bytes = calendar.to_ical()
    return data

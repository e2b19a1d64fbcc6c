"""Capacity and waitlist as a pure model: the rules the database enforces, stated once.

Never more confirmed than capacity; the waitlist keeps arrival order; every freed slot goes to
the first on the waitlist at once."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Placement(Enum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"


@dataclass
class Roster:
    capacity: int
    confirmed: list[int] = field(default_factory=list)
    waitlist: list[int] = field(default_factory=list)

    def status(self, person: int) -> Placement | None:
        if person in self.confirmed:
            return Placement.CONFIRMED
        if person in self.waitlist:
            return Placement.WAITLISTED
        return None

    def sign_up(self, person: int) -> Placement:
        """Confirmed while slots remain, else at the end of the waitlist; a repeat is a no-op."""
        current = self.status(person)
        if current is not None:
            return current
        if len(self.confirmed) < self.capacity:
            self.confirmed.append(person)
            return Placement.CONFIRMED
        self.waitlist.append(person)
        return Placement.WAITLISTED

    def cancel(self, person: int) -> list[int]:
        """Leave the roster; returns who was promoted from the waitlist into the freed slot."""
        if person in self.waitlist:
            self.waitlist.remove(person)
            return []
        if person not in self.confirmed:
            return []
        self.confirmed.remove(person)
        return self._fill()

    def resize(self, capacity: int) -> list[int]:
        """Change the capacity (never below the confirmed count); returns who was promoted."""
        if capacity < len(self.confirmed):
            raise ValueError("capacity below the confirmed count")
        self.capacity = capacity
        return self._fill()

    def _fill(self) -> list[int]:
        promoted = []
        while self.waitlist and len(self.confirmed) < self.capacity:
            person = self.waitlist.pop(0)
            self.confirmed.append(person)
            promoted.append(person)
        return promoted

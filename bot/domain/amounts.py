"""Amounts of service as people read them: one rounding rule from minutes to hours."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

HOURS_STEP = Decimal("0.01")


def hours_of(minutes: int) -> Decimal:
    """The one rounding rule for showing minutes as hours, everywhere (replies, notices, charts,
    certificates, exports): two decimals, half up. 45 min -> 0.75, 3 min -> 0.05, 1 min -> 0.02;
    a sum is rounded once, from its minutes, never summed from rounded parts."""
    return (Decimal(minutes) / 60).quantize(HOURS_STEP, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Hours:
    """An amount of service handed to a notice: each reader sees it in their own language."""

    minutes: int

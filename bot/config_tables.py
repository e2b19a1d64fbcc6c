"""What every configuration table shares: the model base (unknown keys refused, frozen), the
rule for keys that also go into button data (team, category, need and notice-kind keys), and
the shape of a time of day."""

from __future__ import annotations

import re
from datetime import time

from pydantic import BaseModel, ConfigDict

_KEY = re.compile(r"^[a-z][a-z0-9_]{1,31}$")


class Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def check_key(value: str) -> str:
    """Team and category keys: stable identifiers that also go into callback data."""
    if not _KEY.match(value):
        raise ValueError("must be 2-32 lowercase letters, digits or '_', starting with a letter")
    return value


def check_clock_time(value: str) -> str:
    """A time of day as configuration writes it: '09:00'."""
    try:
        time.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a time like '09:00'") from None
    return value

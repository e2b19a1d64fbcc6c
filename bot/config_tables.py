"""What every configuration table shares: the model base (unknown keys refused, frozen) and the
rule for keys that also go into button data (team, category, need and notice-kind keys)."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

_KEY = re.compile(r"^[a-z][a-z0-9_]{1,31}$")


class Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def check_key(value: str) -> str:
    """Team and category keys: stable identifiers that also go into callback data."""
    if not _KEY.match(value):
        raise ValueError("must be 2-32 lowercase letters, digits or '_', starting with a letter")
    return value

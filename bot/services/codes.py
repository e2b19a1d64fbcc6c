"""Codes people type: check-in codes shown on site and certificate verification codes."""

from __future__ import annotations

import secrets

# Codes are typed by people on site: no 0/O, 1/I/L.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_code(length: int) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def clean_code(text: str) -> str:
    """What was typed, as stored: upper case, letters and digits only, at most 20 of them."""
    return "".join(char for char in text.upper() if char.isalnum())[:20]

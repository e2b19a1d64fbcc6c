"""Logging set-up that never writes the bot token (httpx logs request URLs, which contain it)."""

from __future__ import annotations

import logging
import re
import sys

# A token is `<bot id>:<35 characters>`; catch anything token-shaped even if not ours.
_TOKEN_SHAPE = re.compile(r"\d{5,}:[A-Za-z0-9_-]{20,}")


class RedactingFormatter(logging.Formatter):
    """Formats the record, traceback included, then masks the token and token-shaped text."""

    def __init__(self, secrets: list[str], fmt: str) -> None:
        super().__init__(fmt)
        self._secrets = [secret for secret in secrets if secret]

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "<token>")
        return _TOKEN_SHAPE.sub("<token>", text)

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))


def configure_logging(level: str, secrets: list[str]) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        RedactingFormatter(secrets, "%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Request lines are noise at INFO and carry the token in their URL.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)

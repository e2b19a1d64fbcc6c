"""Logging set-up that never writes the bot token (httpx logs request URLs, which contain it),
nor WeChat's secrets and access tokens."""

from __future__ import annotations

import logging
import re
import sys

# A token is `<bot id>:<35 characters>`; catch anything token-shaped even if not ours.
_TOKEN_SHAPE = re.compile(r"\d{5,}:[A-Za-z0-9_-]{20,}")
# WeChat's access token travels in request URLs (`?access_token=...`) and its API's answers
# (`"access_token": "..."`); the AppSecret in the token request (`&secret=...`).
_CREDENTIAL = re.compile(r"""((?:access_token|secret)["']?\s*[=:]\s*["']?)[^&\s"',}]+""")
# Mainland mobile numbers, with or without +86: personal data that logs must not keep.
_PHONE_SHAPE = re.compile(r"(?<!\d)(\+?86)?(1[3-9]\d)\d{4}(\d{4})(?!\d)")


class RedactingFormatter(logging.Formatter):
    """Formats the record, traceback included, then masks the token and token-shaped text."""

    def __init__(self, secrets: list[str], fmt: str) -> None:
        super().__init__(fmt)
        self._secrets = [secret for secret in secrets if secret]

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "<token>")
        text = _TOKEN_SHAPE.sub("<token>", text)
        text = _CREDENTIAL.sub(r"\1<token>", text)
        return _PHONE_SHAPE.sub(lambda m: f"{m.group(1) or ''}{m.group(2)}****{m.group(3)}", text)

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
    # Request lines are noise at INFO and carry the token in their URL; at DEBUG the library
    # logs every request and update in full (names, shared phone numbers).
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    for chatty in ("telegram", "aiosqlite"):
        logging.getLogger(chatty).setLevel(max(logging.INFO, logging.getLevelName(level)))

    def log_uncaught(kind: type[BaseException], error: BaseException, trace: object) -> None:
        logging.getLogger("bot").critical("uncaught error", exc_info=(kind, error, trace))  # type: ignore[arg-type]

    # An exception escaping main() would otherwise be printed raw, token and all.
    sys.excepthook = log_uncaught

"""Log lines never carry the bot token or a phone number, tracebacks included."""

from __future__ import annotations

import logging

from bot.logs import RedactingFormatter

TOKEN = "7712345678:AAHk2v0-Realistic_Secret_Token_12345"


def _format(message: str, *args: object, exc: BaseException | None = None) -> str:
    formatter = RedactingFormatter([TOKEN], "%(message)s")
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, message, args, None)
    if exc is not None:
        record.exc_info = (type(exc), exc, exc.__traceback__)
    return formatter.format(record)


def test_the_token_is_masked_in_messages_arguments_and_tracebacks() -> None:
    url = f"https://api.telegram.org/bot{TOKEN}/sendMessage"
    assert _format("POST %s", url) == "POST https://api.telegram.org/bot<token>/sendMessage"
    try:
        raise RuntimeError(f"The token `{TOKEN}` was rejected by the server.")
    except RuntimeError as error:
        text = _format("failed", exc=error)
    assert TOKEN not in text and "Secret" not in text and "<token>" in text


def test_other_token_shaped_text_is_masked_too() -> None:
    assert _format("bot123456789:ABCdefGHIjklMNOpqrSTUvwxYZ01 here") == "bot<token> here"


def test_phone_numbers_are_masked_but_other_numbers_are_kept() -> None:
    assert _format("phone +8613812345678 and 13912345678") == "phone +86138****5678 and 139****5678"
    assert _format("update 123456789012 took 12 ms") == "update 123456789012 took 12 ms"

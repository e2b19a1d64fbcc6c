"""Telegram's side of sending: the rate limiter every request passes through, and the
transport the outbox sender delivers with. Telegram errors become the sender's own."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import httpx
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import BaseRateLimiter, ExtBot

from bot.outbox.errors import (
    ChatMoved,
    NoAnswer,
    Rejected,
    RetryLater,
    ServiceDown,
    Transient,
    Unreachable,
)
from bot.outbox.models import QueuedMessage
from bot.outbox.scheduler import INTERACTIVE, SendScheduler
from telegram_adapter.context import RateLimitArgs

log = logging.getLogger(__name__)

# Requests that put a message in a chat; the rest (getUpdates, answerCallbackQuery, ...) are
# not counted against the sending limits.
LIMITED_PREFIXES = ("send", "edit", "copyMessage", "forwardMessage")
INTERACTIVE_RETRIES = 2
NOT_SENT_TIMEOUTS = (httpx.ConnectTimeout, httpx.PoolTimeout, httpx.WriteTimeout)


def _seconds(retry_after: Any) -> float:
    return float(
        retry_after.total_seconds() if hasattr(retry_after, "total_seconds") else retry_after
    )


class SchedulingRateLimiter(BaseRateLimiter[RateLimitArgs]):
    """Admits every message-sending request through the shared scheduler. Replies to people
    (no rate_limit_args) go first and are retried after a 429. Outbox requests were admitted
    by the sender already (rate_limit_args marks them) and are not retried here: the sender
    reschedules them."""

    def __init__(self, scheduler: SendScheduler) -> None:
        self._scheduler = scheduler

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: RateLimitArgs | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        if not endpoint.startswith(LIMITED_PREFIXES):
            return await callback(*args, **kwargs)
        chat = data.get("chat_id")
        admitted = rate_limit_args is not None
        retries = 0 if admitted else INTERACTIVE_RETRIES
        for attempt in range(retries + 1):
            slot = None
            if not admitted or attempt > 0:
                slot = await self._scheduler.admit(chat, INTERACTIVE)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                seconds = _seconds(error.retry_after)
                self._scheduler.pause(chat, seconds)
                if attempt == retries:
                    raise
                log.info("429 on %s to %s; retrying in %ss", endpoint, chat, seconds)
            finally:
                if slot is not None:  # outbox requests: the sender closes theirs
                    slot.close()
        raise AssertionError("unreachable")


def inline_markup(message: QueuedMessage) -> InlineKeyboardMarkup | None:
    if not message.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.text, callback_data=b.callback_data, url=b.url) for b in row]
            for row in message.buttons
        ]
    )


class TelegramTransport:
    """Delivers outbox rows with the bot, translating Telegram's answers for the sender."""

    def __init__(self, bot: ExtBot[Any]) -> None:
        self._bot = bot

    async def deliver(self, message: QueuedMessage) -> int:
        limits = {"admitted": 1}
        markup = inline_markup(message)
        # None leaves the parameter out of the request.
        paid = True if message.paid else None
        try:
            if message.file_kind is None:
                sent = await self._bot.send_message(
                    message.chat_id,
                    message.text,
                    reply_markup=markup,
                    allow_paid_broadcast=paid,
                    rate_limit_args=limits,
                )
            else:
                assert message.file_path is not None
                path = Path(message.file_path)
                send = (
                    self._bot.send_photo
                    if message.file_kind == "photo"
                    else self._bot.send_document
                )
                sent = await send(
                    message.chat_id,
                    await asyncio.to_thread(path.read_bytes),
                    caption=message.text or None,
                    filename=path.name,
                    reply_markup=markup,
                    allow_paid_broadcast=paid,
                    rate_limit_args=limits,
                )
        except RetryAfter as error:
            raise RetryLater(_seconds(error.retry_after)) from None
        except Forbidden as error:
            raise Unreachable(error.message) from None
        except ChatMigrated as error:
            raise ChatMoved(error.new_chat_id) from None
        except BadRequest as error:
            raise Rejected(error.message) from None
        except InvalidToken as error:
            raise ServiceDown(f"token refused: {error.message}") from None
        except TimedOut as error:
            # Only a timeout before the whole request went out is sure not to have been
            # delivered; after it (no answer), Telegram may have sent the message.
            if isinstance(error.__cause__, NOT_SENT_TIMEOUTS):
                raise Transient(error.message) from None
            raise NoAnswer(error.message) from None
        except NetworkError as error:
            if error.__cause__ is None or isinstance(error.__cause__, TelegramError):
                # Telegram answered with a status that is about the service, not this message.
                raise ServiceDown(error.message) from None
            raise Transient(error.message or type(error).__name__) from None
        except OSError as error:
            raise Rejected(f"file not readable: {error.strerror}") from None
        return sent.message_id

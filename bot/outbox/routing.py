"""Which channel an outbox row goes through, by person: the rows keep `chat_id` = user id, and
the person's last channel decides. Someone who last wrote on WeChat (or has no Telegram id at
all) gets a customer-service message inside WeChat's 48-hour window, else the template message
configured for the row's kind, else the message on Telegram if they have a Telegram account
too; with none of these the row fails and says why."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from bot.clock import Clock
from bot.domain.channels import WeChatAddress, is_wechat_user
from bot.outbox.errors import DeliveryError, Rejected, Unreachable, WindowClosed
from bot.outbox.models import QueuedMessage
from bot.outbox.sender import MAIN_CHANNEL, Transport

log = logging.getLogger(__name__)

WECHAT = "wechat"


class People(Protocol):
    """What the router asks about people (bot.services.identities.IdentityService)."""

    async def last_channel_is_wechat(self, user_id: int) -> bool: ...

    async def wechat_address(self, user_id: int) -> WeChatAddress | None: ...

    async def telegram_id_of(self, user_id: int) -> int | None: ...

    async def sent_on_wechat(self, openid: str, count: int = 1) -> None: ...

    async def window_closed(self, openid: str) -> None: ...

    async def unreachable_on_wechat(self, openid: str, since: datetime | None) -> None: ...


class WeChatSending(Protocol):
    """The WeChat channel's side (wechat_adapter.transport.WeChatTransport)."""

    def template_for(self, kind: str) -> str | None:
        """The template message id configured for this kind of notice."""
        ...

    async def customer_service(self, openid: str, message: QueuedMessage) -> int:
        """Send the row as customer-service messages; how many went. OutsideWindow (a
        WindowClosed) if WeChat says the window is over."""
        ...

    async def template(self, openid: str, template_id: str, message: QueuedMessage) -> int:
        """Send the row as a template message; WeChat's message id."""
        ...


@dataclass(frozen=True)
class _Plan:
    channel: str
    telegram_id: int | None = None  # the Telegram chat, to send there or to fall back to
    address: WeChatAddress | None = None
    template_id: str | None = None
    refusal: DeliveryError | None = None  # nothing reaches them


class PersonRouter:
    """The outbox sender's transport: delivers each row through the person's channel."""

    def __init__(self, telegram: Transport, people: People, clock: Clock) -> None:
        self._telegram = telegram
        self._people = people
        self._clock = clock
        self._wechat: WeChatSending | None = None

    def attach_wechat(self, wechat: WeChatSending | None) -> None:
        """The WeChat channel started (or, with None, stopped)."""
        self._wechat = wechat

    async def channel_of(self, message: QueuedMessage) -> str:
        return (await self._plan(message)).channel

    async def _plan(self, message: QueuedMessage) -> _Plan:
        chat = message.chat_id
        if chat <= 0 or (
            not is_wechat_user(chat) and not await self._people.last_channel_is_wechat(chat)
        ):
            return _Plan(MAIN_CHANNEL, telegram_id=chat)
        telegram_id = await self._people.telegram_id_of(chat)
        address = await self._people.wechat_address(chat)
        wechat = self._wechat
        reason = ""
        if address is None:
            reason = "no WeChat address"
        elif address.unreachable_since is not None:
            reason = "unfollowed the WeChat account"
        elif wechat is None:
            reason = "the WeChat channel is not running"
        else:
            template_id = wechat.template_for(message.kind)
            if address.in_window(self._clock.now()) or template_id is not None:
                return _Plan(WECHAT, telegram_id, address, template_id)
            reason = f"outside WeChat's 48-hour window and no template for {message.kind!r}"
        if telegram_id is not None:
            return _Plan(MAIN_CHANNEL, telegram_id, address)
        refusal: DeliveryError = (
            Unreachable(reason)
            if address is not None and address.unreachable_since is not None
            else Rejected(f"{reason}, and no Telegram account")
        )
        return _Plan("none", refusal=refusal)

    async def deliver(self, message: QueuedMessage) -> int:
        plan = await self._plan(message)
        if plan.refusal is not None:
            raise plan.refusal
        if plan.channel == MAIN_CHANNEL:
            assert plan.telegram_id is not None
            return await self._on_telegram(message, plan)
        assert plan.address is not None and self._wechat is not None
        openid = plan.address.openid
        try:
            if plan.address.in_window(self._clock.now()):
                try:
                    sent = await self._wechat.customer_service(openid, message)
                    await self._people.sent_on_wechat(openid, sent)
                    return 0
                except WindowClosed as error:
                    # Their window closed sooner than we counted (messages sent by the
                    # conversation, the clock): no more customer-service messages until they
                    # write again.
                    await self._people.window_closed(openid)
                    if plan.template_id is None:
                        if plan.telegram_id is not None:
                            return await self._on_telegram(message, plan)
                        raise Rejected(f"{error}; no template for {message.kind!r}") from None
            assert plan.template_id is not None
            return await self._wechat.template(openid, plan.template_id, message)
        except Unreachable:
            await self._people.unreachable_on_wechat(openid, self._clock.now())
            if plan.telegram_id is not None:
                return await self._on_telegram(message, plan)
            raise

    async def _on_telegram(self, message: QueuedMessage, plan: _Plan) -> int:
        assert plan.telegram_id is not None
        if plan.telegram_id == message.chat_id:
            return await self._telegram.deliver(message)
        try:
            return await self._telegram.deliver(replace(message, chat_id=plan.telegram_id))
        except Unreachable as error:
            if plan.address is None:
                raise
            # Blocked on Telegram, but the person uses WeChat: this row fails; their WeChat
            # notices go on (a block would mark the person, not the Telegram account).
            raise Rejected(f"blocked on Telegram ({error}) and out of WeChat's reach") from None

"""One message from one person on WeChat, resolved: who (their user id), in which language,
with the services to act through."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Config
from bot.domain.errors import DomainError
from bot.domain.models import Volunteer
from bot.i18n import Translator
from bot.services import Services
from wechat_adapter.conversation.positions import DevicePositions
from wechat_adapter.conversation.screens import Screen
from wechat_adapter.messages import InboundMessage


@dataclass(frozen=True)
class Turn:
    user_id: int
    t: Translator
    services: Services
    config: Config
    message: InboundMessage
    positions: DevicePositions  # where WeChat last reported each person's phone

    @property
    def openid(self) -> str:
        return self.message.openid

    def say(self, key: str, /, **params: object) -> str:
        """The key's text, in its WeChat wording where the catalogs have one (`wechat.<key>`:
        no buttons, no commands, no contact sharing), else as on Telegram."""
        variant = f"wechat.{key}"
        return self.t(variant if variant in self.t.messages else key, **params)

    def refusal(self, error: DomainError) -> Screen:
        """A refused request, explained."""
        params = {name: self.t.value(value) for name, value in error.params.items()}
        return Screen(self.say(error.key, **params))

    async def volunteer(self) -> Volunteer | None:
        return await self.services.registration.volunteer(self.user_id)

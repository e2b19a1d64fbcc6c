"""One message from one person on WeChat, resolved: who (their user id), in which language,
with the services to act through."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.config import Config
from bot.domain.errors import DomainError
from bot.domain.models import Volunteer
from bot.i18n import Catalogs, Translator
from bot.services import Services
from wechat_adapter.conversation.positions import DevicePositions
from wechat_adapter.conversation.screens import Screen
from wechat_adapter.downloads import Downloads
from wechat_adapter.messages import InboundMessage


class Media(Protocol):
    """WeChat's media API, for flows that send a picture or take a person's photo."""

    async def upload_image_content(self, name: str, content: bytes) -> str: ...

    async def send_image(self, openid: str, media_id: str) -> None: ...

    async def download_media(self, media_id: str) -> bytes: ...


@dataclass(frozen=True)
class Turn:
    user_id: int
    t: Translator
    services: Services
    config: Config
    message: InboundMessage
    positions: DevicePositions  # where WeChat last reported each person's phone
    media: Media
    catalogs: Catalogs  # to answer in another language (the one just chosen)
    downloads: Downloads | None = None  # signed download links (a certificate's PDF)

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

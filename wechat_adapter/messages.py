"""What the endpoint hands the conversation layer, and what it may answer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class InboundMessage:
    """One message or event pushed by WeChat, decrypted and checked."""

    openid: str  # the person, as this Official Account sees them (FromUserName)
    account: str  # the Official Account's original id, gh_... (ToUserName)
    kind: str  # MsgType: text, image, voice, video, shortvideo, location, link, event
    created: int  # CreateTime, seconds since the epoch
    msg_id: int | None = None  # events have none
    text: str = ""  # a text's Content, or a voice message's recognised words
    event: str = ""  # lower case: subscribe, unsubscribe, click, view, location, ...
    event_key: str = ""  # a menu button's key, a QR code's scene
    menu_choice: str = ""  # the id of the msgmenu option pressed (bizmsgmenuid)
    media_id: str = ""
    pic_url: str = ""
    latitude: float | None = None  # a location message, a LOCATION or location_select event
    longitude: float | None = None
    label: str = ""  # a location's place name
    fields: Mapping[str, Any] = field(default_factory=dict)  # everything WeChat sent

    @property
    def dedup_key(self) -> str:
        """What tells a replayed push: the message id, or for events the sender and time."""
        if self.msg_id is not None:
            return f"m:{self.msg_id}"
        return f"e:{self.openid}:{self.created}:{self.event}:{self.event_key}"


@dataclass(frozen=True)
class TextReply:
    text: str


@dataclass(frozen=True)
class ImageReply:
    media_id: str  # an image uploaded with WeChatApi.upload_image


@dataclass(frozen=True)
class MenuOption:
    id: str  # comes back as InboundMessage.menu_choice when pressed
    label: str


@dataclass(frozen=True)
class MenuReply:
    """Clickable choices (msgmenu). WeChat has no passive form of it: it always goes as a
    customer-service message."""

    head: str
    options: tuple[MenuOption, ...]
    tail: str = ""


Reply = TextReply | ImageReply | MenuReply


class InboundHandler(Protocol):
    """The conversation layer's side of the endpoint."""

    async def handle(self, message: InboundMessage) -> Reply | None:
        """Act on one person's message and return the answer, or None when there is nothing
        to answer (or the handler sent it itself). One person's messages come one at a time,
        in order. A quick answer goes back as WeChat's passive reply; one that takes longer
        than the reply budget goes as a customer-service message when it is ready."""
        ...


# A customer-service text message holds at most 2,048 bytes; 2,000 leaves room.
MAX_TEXT_BYTES = 2000


def split_text(text: str, limit: int = MAX_TEXT_BYTES) -> list[str]:
    """Pieces of at most `limit` UTF-8 bytes, cut at line breaks where possible."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line.encode()) > limit:
            if current:
                pieces.append(current)
                current = ""
            cut = len(line.encode()[:limit].decode(errors="ignore"))
            pieces.append(line[:cut])
            line = line[cut:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate.encode()) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current or not pieces:
        pieces.append(current)
    return pieces

"""WeChat's side of the outbox: a row as customer-service messages (its text, its buttons as a
msgmenu, a photo as an image, a document as a signed download link) or as the template message
configured for its kind. The outbox's router (bot/outbox/routing.py) decides which."""

from __future__ import annotations

import asyncio
import mimetypes
from collections.abc import Callable, Mapping
from pathlib import Path

from bot.outbox.errors import Rejected
from bot.outbox.models import QueuedMessage
from wechat_adapter.api import WeChatApi
from wechat_adapter.downloads import Downloads
from wechat_adapter.messages import MenuOption, MenuReply, split_text

# WeChat cuts a text message at 2048 bytes: longer ones go in pieces cut at line breaks.
MAX_MENU_OPTIONS = 10
# A template field shows a short text; the whole text is in the customer-service message the
# person gets once they write again, or on Telegram.
TEMPLATE_TEXT_MAX = 200
TEMPLATE_FIELD = "content"  # the one field the templates to apply for carry: {{content.DATA}}

# A Telegram button's data -> the WeChat conversation's action for the same thing (a msgmenu
# option's id); None: the button has no WeChat counterpart and is left out.
OptionFor = Callable[[str], str | None]


def _no_option(callback_data: str) -> str | None:
    return None


class WeChatTransport:
    def __init__(
        self,
        api: WeChatApi,
        templates: Mapping[str, str],
        downloads: Downloads | None = None,
        option_for: OptionFor = _no_option,
    ) -> None:
        self._api = api
        self._templates = templates
        self._downloads = downloads
        self._option_for = option_for

    def template_for(self, kind: str) -> str | None:
        return self._templates.get(kind)

    def _links(self, message: QueuedMessage) -> list[str]:
        """The URL buttons' targets, as lines under the text."""
        return [
            f"{button.text}: {button.url}"
            for row in message.buttons
            for button in row
            if button.url
        ]

    def _options(self, message: QueuedMessage) -> tuple[MenuOption, ...]:
        options = []
        for row in message.buttons:
            for button in row:
                action = self._option_for(button.callback_data) if button.callback_data else None
                if action is not None:
                    options.append(MenuOption(action, button.text))
        return tuple(options[:MAX_MENU_OPTIONS])

    async def _document_link(self, openid: str, message: QueuedMessage) -> str | None:
        """A signed link to the row's document, if links are configured."""
        if message.file_kind != "document" or message.file_path is None:
            return None
        if self._downloads is None or not self._downloads.enabled:
            return None
        path = Path(message.file_path)
        try:
            content = await asyncio.to_thread(path.read_bytes)
        except OSError as error:
            raise Rejected(f"file not readable: {error.strerror}") from None
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return self._downloads.offer(message.chat_id, path.name, content, kind)

    async def customer_service(self, openid: str, message: QueuedMessage) -> int:
        """The row as customer-service messages: a photo first, then the text (with the URL
        buttons and a document's link under it) in pieces, the last one carrying the
        buttons as msgmenu options. How many messages went."""
        sent = 0
        if message.file_kind == "photo" and message.file_path is not None:
            try:
                media_id = await self._api.upload_image(Path(message.file_path))
            except OSError as error:
                raise Rejected(f"file not readable: {error.strerror}") from None
            await self._api.send_image(openid, media_id)
            sent += 1
        lines = [message.text] if message.text else []
        link = await self._document_link(openid, message)
        lines += [*self._links(message), *([link] if link else [])]
        text = "\n\n".join(lines)
        if not text:
            return sent
        options = self._options(message)
        texts = split_text(text)
        for piece in texts[:-1] if options else texts:
            await self._api.send_text(openid, piece)
            sent += 1
        if options:
            await self._api.send_menu(openid, MenuReply(head=texts[-1], options=options))
            sent += 1
        return sent

    async def template(self, openid: str, template_id: str, message: QueuedMessage) -> int:
        """The row as the template message of its kind: its text, cut short, and a link (a
        URL button's, or the document's) that the template opens."""
        text = message.text
        if len(text) > TEMPLATE_TEXT_MAX:
            text = text[: TEMPLATE_TEXT_MAX - 1] + "…"
        url = next((b.url for row in message.buttons for b in row if b.url), None)
        url = await self._document_link(openid, message) or url or ""
        return await self._api.send_template(openid, template_id, {TEMPLATE_FIELD: text}, url)

"""A fake Telegram Bot API server for end-to-end tests and benchmarks.

The real python-telegram-bot ``Bot``/``Application`` is pointed at it with
``base_url=api.base_url`` (and optionally ``base_file_url=api.base_file_url``). The server
speaks enough of the Bot API for the volunteer bot: it keeps the messages it "sent" so edits
and button presses behave like Telegram, enforces Telegram's main limits (text length,
callback_data size, HTML/Markdown entity parsing, not-modified edits, answered callback
queries), implements ``getUpdates`` with real offset/long-poll semantics, records every call
and can inject faults (429 / 403 / 400 / dropped connections).

Typical use::

    async with FakeBotApi() as api:
        app = ApplicationBuilder().token(api.token).base_url(api.base_url).build()
        ...
        alice = FakeUser(id=111, first_name="Alice")
        api.send_text(alice, "/start")
        reply = await api.next_message(alice.id)
        assert reply.text == "hi"

Everything runs on the caller's event loop; user-side helpers (``send_text``, ``press``, ...)
are plain synchronous methods that enqueue an update and return it.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import copy
import html
import itertools
import json
import math
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal, Self, get_args

from aiohttp import web

__all__ = [
    "DEFAULT_TOKEN",
    "MESSAGE_METHODS",
    "SENT_METHODS",
    "ApiError",
    "Call",
    "FakeBotApi",
    "FakeUser",
    "FaultKind",
    "Hold",
    "UploadedFile",
    "group_chat",
]

JSONDict = dict[str, Any]
FaultKind = Literal[
    "retry_after", "forbidden", "bad_request", "network", "unauthorized", "server_error", "late"
]
ChatArg = JSONDict | int | None

DEFAULT_TOKEN = "123456:TEST-TOKEN"
MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER_LENGTH = 200

#: Methods that create a new message in a chat (``sent_messages`` looks at these).
SENT_METHODS: frozenset[str] = frozenset(
    {
        "sendMessage",
        "sendDocument",
        "sendPhoto",
        "sendLocation",
        "sendContact",
        "forwardMessage",
        "copyMessage",
    }
)
#: Methods ``next_message`` waits for: new messages plus text/caption edits.
MESSAGE_METHODS: frozenset[str] = SENT_METHODS | {
    "editMessageText",
    "editMessageCaption",
    "editMessageMedia",
}

# Methods that put a message in a chat, counted by ``enforce_flood_limits``.
_LIMITED_PREFIXES = ("send", "edit", "copyMessage", "forwardMessage")

_KNOWN_METHODS = [
    "getMe",
    "getUpdates",
    "sendMessage",
    "editMessageText",
    "editMessageCaption",
    "editMessageMedia",
    "editMessageReplyMarkup",
    "answerCallbackQuery",
    "setMyCommands",
    "deleteMyCommands",
    "getMyCommands",
    "deleteWebhook",
    "setWebhook",
    "getWebhookInfo",
    "sendDocument",
    "sendPhoto",
    "sendChatAction",
    "deleteMessage",
    "close",
    "logOut",
    "getFile",
    "getChat",
    "getChatMember",
    "sendLocation",
    "sendContact",
    "forwardMessage",
    "copyMessage",
    "deleteMessages",
    "setMyDescription",
    "setMyShortDescription",
    "setMyName",
    "setChatMenuButton",
]
_CANONICAL_METHODS = {name.lower(): name for name in _KNOWN_METHODS}

# Parameters that are strings in the Bot API even when they look like JSON numbers/bools
# (PTB sends str values verbatim, so a message text "42" must stay "42").
_STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "callback_query_id",
        "inline_message_id",
        "parse_mode",
        "business_connection_id",
        "message_effect_id",
        "url",
        "description",
        "short_description",
        "name",
        "title",
        "query",
        "emoji",
        "phone_number",
        "first_name",
        "last_name",
        "vcard",
        "address",
        "foursquare_id",
        "foursquare_type",
        "google_place_id",
        "google_place_type",
        "action",
        "file_id",
        "language_code",
        "custom_title",
        "question",
        "explanation",
        "secret_token",
        "ip_address",
        "invite_link",
        "document",
        "photo",
        "audio",
        "video",
        "voice",
        "animation",
        "sticker",
        "thumbnail",
        "payload",
        "currency",
        "start_parameter",
    }
)

_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)

_INLINE_BUTTON_ACTIONS = frozenset(
    {
        "url",
        "callback_data",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    }
)

_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a content and reply markup of the current message"
)
_QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"
_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{1,64})?")
_BOT_COMMAND_NAME_RE = re.compile(r"[a-z0-9_]{1,32}")


# --------------------------------------------------------------------------------------------
# Data classes
# --------------------------------------------------------------------------------------------


@dataclass
class UploadedFile:
    """A file part of a multipart request (or a file the fake server stores)."""

    filename: str | None
    content_type: str | None
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(repr=False)
class Call:
    """One request the bot made to the fake API.

    ``response`` is the JSON body that was answered (``{}`` for a dropped connection);
    ``status`` the HTTP status (0 for a dropped connection); ``fault`` the injected fault kind
    (``None`` for genuine answers); ``index`` the position in ``FakeBotApi.calls``.
    """

    method: str
    params: JSONDict
    at: float
    files: dict[str, UploadedFile] = field(default_factory=dict)
    response: JSONDict = field(default_factory=dict)
    fault: str | None = None
    status: int = 200
    index: int = -1

    @property
    def ok(self) -> bool:
        return bool(self.response.get("ok"))

    @property
    def result(self) -> Any:
        return self.response.get("result")

    @property
    def error(self) -> str | None:
        """The error description of a failed call (``None`` when it succeeded)."""
        if self.ok:
            return None
        if self.fault == "network":
            return "connection dropped (injected network fault)"
        description = self.response.get("description")
        return str(description) if description is not None else f"HTTP {self.status}"

    @property
    def message(self) -> JSONDict | None:
        """The Message object returned by the call, if any."""
        result = self.result
        if isinstance(result, dict) and "message_id" in result and "chat" in result:
            return result
        return None

    @property
    def message_id(self) -> int | None:
        message = self.message
        if message is not None:
            return int(message["message_id"])
        value = self.params.get("message_id")
        return value if isinstance(value, int) else None

    @property
    def chat_id(self) -> int | str | None:
        """Chat of the returned message, else the ``chat_id`` parameter (ints normalised)."""
        message = self.message
        if message is not None:
            return int(message["chat"]["id"])
        return _normalize_chat_id(self.params.get("chat_id"))

    @property
    def raw_text(self) -> str | None:
        """``text`` (or ``caption``) exactly as the bot sent it, markup included."""
        for key in ("text", "caption"):
            value = self.params.get(key)
            if value is not None:
                return str(value)
        return None

    @property
    def text(self) -> str | None:
        """Text (or caption) as the user sees it: entities parsed, HTML tags removed."""
        message = self.message
        if message is not None:
            for key in ("text", "caption"):
                if key in message:
                    return str(message[key])
        return self.raw_text

    @property
    def reply_markup(self) -> JSONDict | None:
        markup = self.params.get("reply_markup")
        return markup if isinstance(markup, dict) else None

    @property
    def buttons(self) -> list[JSONDict]:
        """Inline keyboard buttons of the call's ``reply_markup``, flattened row by row."""
        return _inline_buttons(self.reply_markup)

    def summary(self) -> str:
        parts = [f"#{self.index} {self.method}"]
        chat_id = self.chat_id
        if chat_id is not None:
            parts.append(f"chat={chat_id}")
        if self.message_id is not None and self.method != "sendMessage":
            parts.append(f"msg={self.message_id}")
        text = self.raw_text
        if text is not None:
            short = text if len(text) <= 70 else text[:67] + "..."
            parts.append(f"text={short!r}")
        if "callback_query_id" in self.params:
            parts.append(f"query={self.params['callback_query_id']}")
        buttons = self.buttons
        if buttons:
            parts.append(f"buttons={[b.get('text') for b in buttons]}")
        if self.files:
            parts.append(f"files={sorted(self.files)}")
        if self.method == "getUpdates" and isinstance(self.result, list):
            parts.append(f"updates={[u.get('update_id') for u in self.result]}")
        if self.fault:
            parts.append(f"FAULT={self.fault}")
        if self.ok:
            parts.append("-> ok")
        else:
            parts.append(f"-> {self.status} {self.error}")
        return " ".join(parts)

    def __repr__(self) -> str:
        return f"<Call {self.summary()}>"


@dataclass(frozen=True)
class FakeUser:
    """A simulated Telegram user."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "zh-hans"
    is_bot: bool = False

    def to_dict(self) -> JSONDict:
        data: JSONDict = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name is not None:
            data["last_name"] = self.last_name
        if self.username is not None:
            data["username"] = self.username
        if self.language_code is not None:
            data["language_code"] = self.language_code
        return data

    def private_chat(self) -> JSONDict:
        chat: JSONDict = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name is not None:
            chat["last_name"] = self.last_name
        if self.username is not None:
            chat["username"] = self.username
        return chat


def group_chat(chat_id: int, title: str = "Test group", type: str = "supergroup") -> JSONDict:
    """A group chat dict for ``send_text(..., chat=...)`` and friends."""
    return {"id": chat_id, "type": type, "title": title}


class ApiError(Exception):
    """Raised by method implementations to answer with a Bot API error."""

    def __init__(self, code: int, description: str, parameters: JSONDict | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def payload(self) -> JSONDict:
        data: JSONDict = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            data["parameters"] = self.parameters
        return data


@dataclass
class _Pending:
    update: JSONDict
    delivered: bool = False
    replay: bool = False

    @property
    def update_id(self) -> int:
        return int(self.update["update_id"])


@dataclass
class _FaultSpec:
    kind: FaultKind
    retry_after: float = 1
    description: str | None = None

    def error(self) -> ApiError:
        if self.kind == "retry_after":
            return ApiError(
                429,
                self.description or f"Too Many Requests: retry after {self.retry_after}",
                {"retry_after": self.retry_after},
            )
        if self.kind == "forbidden":
            return ApiError(403, self.description or "Forbidden: bot was blocked by the user")
        if self.kind == "unauthorized":
            return ApiError(401, self.description or "Unauthorized")
        if self.kind == "server_error":
            return ApiError(500, self.description or "Internal Server Error")
        return ApiError(400, self.description or "Bad Request: injected fault")


def _fault_matches(
    method: str | None, chat_id: int | None, call_method: str, params: JSONDict
) -> bool:
    if method is None:
        if call_method == "getUpdates":
            return False
    elif method.lower() != call_method.lower():
        return False
    return chat_id is None or _normalize_chat_id(params.get("chat_id")) == chat_id


@dataclass
class _QueuedFault:
    method: str | None
    spec: _FaultSpec
    remaining: int
    chat_id: int | None


@dataclass
class Hold:
    """A call kept waiting at the server, unanswered and not applied: see ``FakeBotApi.hold``."""

    method: str
    chat_id: int | None
    text: str | None
    reached: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)

    def matches(self, method: str, params: JSONDict) -> bool:
        if self.reached.is_set() or method.lower() != self.method.lower():
            return False
        if self.chat_id is not None and _normalize_chat_id(params.get("chat_id")) != self.chat_id:
            return False
        return self.text is None or self.text in str(params.get("text") or "")

    def release(self) -> None:
        self.released.set()


@dataclass
class _RandomFault:
    method: str | None
    kind: FaultKind
    probability: float
    retry_after_range: tuple[int, int]
    rng: random.Random
    description: str | None
    chat_id: int | None


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def _now() -> int:
    return int(time.time())


def _command_entities(text: str) -> list[JSONDict]:
    """The entity Telegram marks a leading /command with (none for other texts)."""
    match = _COMMAND_RE.match(text)
    if match is None:
        return []
    return [{"type": "bot_command", "offset": 0, "length": _utf16_len(match[0])}]


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _normalize_chat_id(value: Any) -> int | str | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return value
    return None


def _as_int(value: Any, default: int) -> int:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _as_float(value: Any, default: float) -> float:
    if value is None or value == "":
        return default
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def _decode_form_value(key: str, value: str) -> Any:
    """Undo PTB's json-encoding of non-string parameters in form bodies."""
    if key in _STRING_PARAMS:
        return value
    try:
        decoded = json.loads(value)
    except ValueError:
        return value
    if isinstance(decoded, float) and not math.isfinite(decoded):
        return value
    if isinstance(decoded, dict | list | int | float | bool):
        return decoded
    return value


def _inline_buttons(markup: JSONDict | None) -> list[JSONDict]:
    if not markup:
        return []
    rows = markup.get("inline_keyboard")
    if not isinstance(rows, list):
        return []
    return [btn for row in rows if isinstance(row, list) for btn in row if isinstance(btn, dict)]


def _error_payload(code: int, description: str) -> JSONDict:
    return {"ok": False, "error_code": code, "description": description}


# --------------------------------------------------------------------------------------------
# Entity parsing (HTML / MarkdownV2 / Markdown), good enough to catch the usual bot bugs
# --------------------------------------------------------------------------------------------


class _EntityParseError(Exception):
    pass


class _TextBuilder:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.offset = 0  # in UTF-16 code units, like Telegram's entity offsets
        self.entities: list[JSONDict] = []

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.offset += _utf16_len(text)

    def entity(self, type_: str, start: int, **extra: Any) -> None:
        length = self.offset - start
        if length > 0:
            self.entities.append({"type": type_, "offset": start, "length": length, **extra})

    def result(self) -> tuple[str, list[JSONDict]]:
        entities = sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.parts), entities


_HTML_TAG_RE = re.compile(
    r"<(/?)([A-Za-z][A-Za-z0-9-]*)"
    r"((?:\s+[A-Za-z_:][-A-Za-z0-9_:.]*(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'=<>`]+))?)*)"
    r"\s*/?>"
)
_HTML_ATTR_RE = re.compile(
    r"([A-Za-z_:][-A-Za-z0-9_:.]*)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s\"'=<>`]+))?"
)
_HTML_ENTITY_RE = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z]{2,8});")
_HTML_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_HTML_TAG_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}


def _decode_html_entity(name: str) -> str | None:
    if name.startswith(("#x", "#X")):
        codepoint = int(name[2:], 16)
    elif name.startswith("#"):
        codepoint = int(name[1:])
    else:
        return _HTML_NAMED_ENTITIES.get(name)
    if 0 < codepoint <= 0x10FFFF and not 0xD800 <= codepoint <= 0xDFFF:
        return chr(codepoint)
    return None


def _parse_html(src: str) -> tuple[str, list[JSONDict]]:
    out = _TextBuilder()
    stack: list[tuple[str, int, dict[str, str]]] = []
    i, n = 0, len(src)
    while i < n:
        char = src[i]
        if char == "<":
            offset = _byte_offset(src, i)
            match = _HTML_TAG_RE.match(src, i)
            if match is None:
                name_match = re.match(r"</?([^\s<>/]*)", src[i:])
                name = name_match.group(1) if name_match else ""
                raise _EntityParseError(f'Unsupported start tag "{name}" at byte offset {offset}')
            closing, name = match.group(1) == "/", match.group(2).lower()
            if closing:
                if not stack:
                    raise _EntityParseError(f"Unexpected end tag at byte offset {offset}")
                open_name, start, attrs = stack.pop()
                if open_name != name:
                    raise _EntityParseError(
                        f'Unmatched end tag at byte offset {offset}, expected "</{open_name}>", '
                        f'found "</{name}>"'
                    )
                _close_html_tag(out, stack, name, start, attrs)
            else:
                if name not in _HTML_TAG_TYPES:
                    raise _EntityParseError(
                        f'Unsupported start tag "{name}" at byte offset {offset}'
                    )
                attrs = {
                    key.lower(): html.unescape(value.strip("\"'")) if value else ""
                    for key, value in _HTML_ATTR_RE.findall(match.group(3))
                }
                if name == "span" and attrs.get("class") != "tg-spoiler":
                    raise _EntityParseError(
                        f'Tag "span" must have class "tg-spoiler" at byte offset {offset}'
                    )
                stack.append((name, out.offset, attrs))
            i = match.end()
            continue
        if char == "&":
            match = _HTML_ENTITY_RE.match(src, i)
            if match is not None:
                decoded = _decode_html_entity(match.group(1))
                if decoded is not None:
                    out.add(decoded)
                    i = match.end()
                    continue
        j = i + 1
        while j < n and src[j] not in "<&":
            j += 1
        out.add(src[i:j])
        i = j
    if stack:
        raise _EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return out.result()


def _close_html_tag(
    out: _TextBuilder,
    stack: list[tuple[str, int, dict[str, str]]],
    name: str,
    start: int,
    attrs: dict[str, str],
) -> None:
    type_ = _HTML_TAG_TYPES[name]
    extra: JSONDict = {}
    if name == "a":
        href = attrs.get("href")
        if not href:
            return
        extra["url"] = href
    elif name == "code" and stack and stack[-1][0] == "pre":
        css = attrs.get("class", "")
        if css.startswith("language-"):
            stack[-1][2]["_language"] = css[len("language-") :]
            return
    elif name == "pre":
        if attrs.get("_language"):
            extra["language"] = attrs["_language"]
    elif name == "blockquote":
        if "expandable" in attrs:
            type_ = "expandable_blockquote"
    elif name == "tg-emoji":
        emoji_id = attrs.get("emoji-id")
        if not emoji_id:
            return
        extra["custom_emoji_id"] = emoji_id
    out.entity(type_, start, **extra)


_MDV2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MDV2_NAMES = {
    "*": ("bold", "Bold"),
    "_": ("italic", "Italic"),
    "__": ("underline", "Underline"),
    "~": ("strikethrough", "Strikethrough"),
    "||": ("spoiler", "Spoiler"),
}


def _find_unescaped(src: str, needle: str, start: int) -> int:
    i = start
    while i < len(src):
        if src[i] == "\\":
            i += 2
            continue
        if src.startswith(needle, i):
            return i
        i += 1
    return -1


def _unescape_backslashes(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text, flags=re.DOTALL)


def _parse_markdown_v2(src: str) -> tuple[str, list[JSONDict]]:
    out = _TextBuilder()
    open_markers: dict[str, tuple[int, int]] = {}  # marker -> (entity start, source index)
    links: list[tuple[int, int]] = []
    i, n = 0, len(src)
    while i < n:
        char = src[i]
        if char == "\\":
            if i + 1 < n:
                out.add(src[i + 1])
                i += 2
                continue
            raise _EntityParseError("Character '\\' is reserved and must be escaped")
        if char == "`":
            fence = "```" if src.startswith("```", i) else "`"
            end = _find_unescaped(src, fence, i + len(fence))
            if end < 0:
                name = "Pre" if fence == "```" else "Code"
                raise _EntityParseError(
                    f"Can't find end of {name} entity at byte offset {_byte_offset(src, i)}"
                )
            body = src[i + len(fence) : end]
            extra: JSONDict = {}
            if fence == "```":
                first, sep, rest = body.partition("\n")
                if sep and first and not any(c.isspace() for c in first):
                    extra["language"], body = first, rest
            start = out.offset
            out.add(_unescape_backslashes(body))
            out.entity("pre" if fence == "```" else "code", start, **extra)
            i = end + len(fence)
            continue
        marker: str | None = None
        if char == "_":
            marker = "__" if src.startswith("__", i) else "_"
        elif char in "*~":
            marker = char
        elif char == "|" and src.startswith("||", i):
            marker = "||"
        if marker is not None:
            if marker in open_markers:
                start, _ = open_markers.pop(marker)
                out.entity(_MDV2_NAMES[marker][0], start)
            else:
                open_markers[marker] = (out.offset, i)
            i += len(marker)
            continue
        if char == "[":
            links.append((out.offset, i))
            i += 1
            continue
        if char == "]" and links and src.startswith("(", i + 1):
            start, _ = links.pop()
            end = _find_unescaped(src, ")", i + 2)
            if end < 0:
                raise _EntityParseError(
                    f"Can't find end of a URL at byte offset {_byte_offset(src, i + 1)}"
                )
            out.entity("text_link", start, url=_unescape_backslashes(src[i + 2 : end]))
            i = end + 1
            continue
        if char == ">" and (i == 0 or src[i - 1] == "\n"):
            i += 1  # blockquote marker (approximation: no entity produced)
            continue
        if char in _MDV2_RESERVED:
            raise _EntityParseError(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        out.add(char)
        i += 1
    if open_markers:
        marker, (_, index) = min(open_markers.items(), key=lambda item: item[1][1])
        raise _EntityParseError(
            f"Can't find end of {_MDV2_NAMES[marker][1]} entity at byte offset "
            f"{_byte_offset(src, index)}"
        )
    if links:
        raise _EntityParseError(
            f"Can't find end of TextUrl entity at byte offset {_byte_offset(src, links[0][1])}"
        )
    return out.result()


def _parse_markdown_legacy(src: str) -> tuple[str, list[JSONDict]]:
    out = _TextBuilder()
    i, n = 0, len(src)
    types = {"*": "bold", "_": "italic"}
    while i < n:
        char = src[i]
        offset = _byte_offset(src, i)
        error = f"Can't find end of the entity starting at byte offset {offset}"
        if char == "\\" and i + 1 < n and src[i + 1] in "_*`[":
            out.add(src[i + 1])
            i += 2
            continue
        if char in types or char == "`":
            fence = "```" if src.startswith("```", i) else char
            end = src.find(fence, i + len(fence))
            if end < 0:
                raise _EntityParseError(error)
            start = out.offset
            out.add(src[i + len(fence) : end])
            type_ = types.get(char) or ("pre" if fence == "```" else "code")
            out.entity(type_, start)
            i = end + len(fence)
            continue
        if char == "[":
            close = src.find("]", i + 1)
            if close < 0 or not src.startswith("(", close + 1):
                raise _EntityParseError(error)
            url_end = src.find(")", close + 2)
            if url_end < 0:
                raise _EntityParseError(error)
            start = out.offset
            out.add(src[i + 1 : close])
            out.entity("text_link", start, url=src[close + 2 : url_end])
            i = url_end + 1
            continue
        out.add(char)
        i += 1
    return out.result()


def _parse_entities(text: str, parse_mode: str) -> tuple[str, list[JSONDict]]:
    mode = parse_mode.lower()
    if mode == "html":
        return _parse_html(text)
    if mode == "markdownv2":
        return _parse_markdown_v2(text)
    if mode == "markdown":
        return _parse_markdown_legacy(text)
    raise ApiError(400, f"Bad Request: unsupported parse_mode {parse_mode!r}")


def _chat_member(user: JSONDict, status: str) -> JSONDict:
    member: JSONDict = {"status": status, "user": user}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member.update(
            can_be_edited=False,
            is_anonymous=False,
            can_manage_chat=True,
            can_delete_messages=True,
            can_manage_video_chats=False,
            can_restrict_members=True,
            can_promote_members=False,
            can_change_info=False,
            can_invite_users=True,
            can_post_stories=False,
            can_edit_stories=False,
            can_delete_stories=False,
        )
    elif status == "restricted":
        member.update(
            is_member=True,
            can_change_info=False,
            can_invite_users=False,
            can_pin_messages=False,
            can_send_messages=False,
            can_send_polls=False,
            can_send_other_messages=False,
            can_add_web_page_previews=False,
            can_manage_topics=False,
            until_date=0,
            can_send_audios=False,
            can_send_documents=False,
            can_send_photos=False,
            can_send_videos=False,
            can_send_video_notes=False,
            can_send_voice_notes=False,
            can_edit_tag=False,
            can_react_to_messages=True,
        )
    elif status == "kicked":
        member["until_date"] = 0
    return member


# --------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------


class FakeBotApi:
    """In-process fake of the Telegram Bot API (see the module docstring)."""

    def __init__(
        self,
        bot_id: int = 1000,
        bot_username: str = "volunteer_test_bot",
        token: str = DEFAULT_TOKEN,
        *,
        bot_first_name: str = "Volunteer Test Bot",
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.token = token
        self.bot_first_name = bot_first_name
        self.host = host
        self.port = port

        self.calls: list[Call] = []
        #: Known chats by id (filled by simulated users, created on demand for unknown ids).
        self.chats: dict[int, JSONDict] = {}
        #: Known users by id.
        self.users: dict[int, JSONDict] = {}
        #: Current state of messages the bot sent, by (chat_id, message_id).
        self.messages: dict[tuple[int, int], JSONDict] = {}
        #: Messages simulated users sent, by (chat_id, message_id).
        self.user_messages: dict[tuple[int, int], JSONDict] = {}
        #: Deleted messages (bot's or users'), last state before deletion.
        self.deleted_messages: dict[tuple[int, int], JSONDict] = {}
        #: Private chats whose user blocked the bot (sends answer 403).
        self.blocked: set[int] = set()
        #: Last reply keyboard (``ReplyKeyboardMarkup`` dict) shown per chat, None if removed.
        self.reply_keyboards: dict[int, JSONDict | None] = {}
        #: Bot commands by (json scope, language_code).
        self.my_commands: dict[tuple[str, str], list[JSONDict]] = {}
        #: Chat member statuses for getChatMember, by (chat_id, user_id); default "member".
        self.member_statuses: dict[tuple[int, int], str] = {}
        #: Stored files by file_id.
        self.files: dict[str, UploadedFile] = {}
        #: answerCallbackQuery calls by callback query id.
        self.callback_answers: dict[str, Call] = {}

        self._callback_queries: dict[str, bool] = {}  # id -> answered
        self._queue: list[_Pending] = []
        self._next_update_id = 1
        self._message_ids: dict[int, int] = {}
        self._cursors: dict[int | str, int] = {}
        self._faults: list[_QueuedFault] = []
        self._random_faults: list[_RandomFault] = []
        self._holds: list[Hold] = []
        #: Messages refused with 429 by ``enforce_flood_limits`` (not injected faults).
        self.flood_refused: list[Call] = []
        self._flood_limits: dict[bool, int] = {}  # paid? -> messages per second
        self._flood_times: dict[bool, collections.deque[float]] = {}
        self._ids = itertools.count(1)
        self._event = asyncio.Event()
        self._poll_generation = 0
        self._active_polls = 0
        self._last_activity = time.monotonic()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._handlers: dict[str, Callable[[Call], Any]] = {
            "getme": self._get_me,
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message_text,
            "editmessagecaption": self._edit_message_caption,
            "editmessagemedia": self._edit_message_media,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "answercallbackquery": self._answer_callback_query,
            "setmycommands": self._set_my_commands,
            "deletemycommands": self._delete_my_commands,
            "getmycommands": self._get_my_commands,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "senddocument": self._send_document,
            "sendphoto": self._send_photo,
            "sendchataction": self._send_chat_action,
            "deletemessage": self._delete_message,
            "getfile": self._get_file,
            "getchat": self._get_chat,
            "getchatmember": self._get_chat_member,
            "sendlocation": self._send_location,
            "sendcontact": self._send_contact,
            "forwardmessage": self._forward_message,
            "copymessage": self._copy_message,
        }

    # ---------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        if self._runner is not None:
            return
        self._closing = False
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("GET", "/file/bot{token}/{file_path:.+}", self._handle_file)
        runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        self._last_activity = time.monotonic()

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is None:
            return
        self._closing = True
        for held in self._holds:
            held.release()
        self._signal()
        await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """Pass to PTB as ``base_url``; PTB appends the token."""
        self._require_started()
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """Pass to PTB as ``base_file_url`` to download files stored by the fake."""
        self._require_started()
        return f"http://{self.host}:{self.port}/file/bot"

    @property
    def bot_user(self) -> JSONDict:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def _require_started(self) -> None:
        if self._runner is None:
            raise RuntimeError("FakeBotApi is not started")

    # ---------------------------------------------------------------- recording / queries

    def mark(self) -> int:
        """Current number of recorded calls, to be used as ``since``."""
        return len(self.calls)

    def calls_to(self, method: str) -> list[Call]:
        wanted = method.lower()
        return [call for call in self.calls if call.method.lower() == wanted]

    def sent_messages(self, chat_id: int | str | None = None) -> list[Call]:
        """Successful sendMessage/sendDocument/sendPhoto/... calls, optionally for one chat."""
        return [
            call
            for call in self.calls
            if call.method in SENT_METHODS
            and call.ok
            and (chat_id is None or call.chat_id == chat_id)
        ]

    def sent_texts(self, chat_id: int | str | None = None) -> list[str]:
        """Texts/captions (as the user sees them) of ``sent_messages(chat_id)``."""
        return [call.text for call in self.sent_messages(chat_id) if call.text is not None]

    @property
    def violations(self) -> list[Call]:
        """Calls the fake refused with 400 on its own (not injected): API misuse by the bot."""
        return [call for call in self.calls if call.status == 400 and call.fault is None]

    @property
    def errors(self) -> list[Call]:
        """All calls that did not succeed (violations, 403s, injected faults, ...)."""
        return [call for call in self.calls if not call.ok]

    def assert_no_violations(self) -> None:
        if self.violations:
            lines = "\n".join(call.summary() for call in self.violations)
            raise AssertionError(f"Bot API misuse detected:\n{lines}")

    def message(self, chat_id: int, message_id: int) -> JSONDict | None:
        """Current state of a message the bot sent (None if unknown or deleted)."""
        stored = self.messages.get((chat_id, message_id))
        return copy.deepcopy(stored) if stored is not None else None

    def commands_for(
        self, scope: JSONDict | None = None, language_code: str | None = None
    ) -> list[JSONDict]:
        return list(self.my_commands.get(self._commands_key(scope, language_code), []))

    @property
    def pending_updates(self) -> int:
        """Updates not yet confirmed by an offset."""
        return len(self._queue)

    @property
    def active_polls(self) -> int:
        """getUpdates requests currently being long-polled."""
        return self._active_polls

    def summary(self, last: int = 20, include_get_updates: bool = False) -> str:
        calls = [c for c in self.calls if include_get_updates or c.method != "getUpdates"]
        lines = [call.summary() for call in calls[-last:]] or ["(no calls)"]
        polls = sum(1 for c in self.calls if c.method == "getUpdates")
        undelivered = sum(1 for p in self._queue if not p.delivered)
        lines.append(
            f"[{len(self.calls)} calls total, {polls} getUpdates; {len(self._queue)} updates "
            f"pending ({undelivered} never fetched)]"
        )
        return "\n".join(lines)

    # ---------------------------------------------------------------- waiting helpers

    def _signal(self) -> None:
        event, self._event = self._event, asyncio.Event()
        event.set()

    async def _wait_signal(self, seconds: float) -> None:
        event = self._event
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), max(seconds, 0.0))

    async def wait_until(
        self,
        condition: Callable[[], bool],
        timeout: float = 5.0,
        description: str = "",
    ) -> None:
        """Wait until ``condition()`` is true; re-checked whenever a call/update happens."""
        deadline = time.monotonic() + timeout
        while not condition():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"Timed out after {timeout}s waiting for {description or 'condition'}.\n"
                    f"Recent calls:\n{self.summary()}"
                )
            await self._wait_signal(remaining)

    async def wait_for(
        self,
        predicate: Callable[[Call], bool],
        timeout: float = 5.0,
        since: int | None = None,
        *,
        description: str | None = None,
    ) -> Call:
        """First call at index >= ``since`` (default 0) satisfying ``predicate``."""
        start = since or 0
        index = start
        deadline = time.monotonic() + timeout
        while True:
            while index < len(self.calls):
                call = self.calls[index]
                index += 1
                if predicate(call):
                    return call
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"Timed out after {timeout}s waiting for "
                    f"{description or 'a call matching the predicate'} (since call #{start}).\n"
                    f"Recent calls:\n{self.summary()}"
                )
            await self._wait_signal(remaining)

    async def wait_for_method(
        self,
        method: str,
        since: int | None = None,
        timeout: float = 5.0,
    ) -> Call:
        wanted = method.lower()
        return await self.wait_for(
            lambda c: c.method.lower() == wanted, timeout, since, description=f"a {method} call"
        )

    async def next_message(
        self,
        chat_id: int | str,
        since: int | None = None,
        timeout: float = 5.0,
    ) -> Call:
        """Next successful message call (send*/editMessageText/Caption) to ``chat_id``.

        Without ``since`` a per-chat cursor is used: it starts after the last message returned
        by ``next_message`` for that chat, or after the calls already recorded when a simulated
        user last acted in that chat (``send_text``, ``press``, ...), whichever is later. So
        ``api.send_text(u, "/start"); await api.next_message(u.id)`` returns the reply to
        ``/start`` even if earlier replies were never consumed.
        """
        start = since if since is not None else self._cursors.get(chat_id, 0)
        call = await self.wait_for(
            lambda c: c.method in MESSAGE_METHODS and c.ok and c.chat_id == chat_id,
            timeout,
            start,
            description=f"a message to chat {chat_id}",
        )
        self._cursors[chat_id] = max(self._cursors.get(chat_id, 0), call.index + 1)
        return call

    async def wait_idle(
        self,
        quiet: float = 0.2,
        timeout: float = 10.0,
    ) -> None:
        """Return once every enqueued update was fetched and no (non-getUpdates) call nor
        update delivery happened for ``quiet`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            undelivered = any(not pending.delivered for pending in self._queue)
            idle_for = now - self._last_activity
            if not undelivered and idle_for >= quiet:
                return
            if now >= deadline:
                raise AssertionError(
                    f"Bot not idle after {timeout}s (undelivered updates: {undelivered}).\n"
                    f"Recent calls:\n{self.summary()}"
                )
            wait = deadline - now if undelivered else min(deadline - now, quiet - idle_for)
            await self._wait_signal(wait)

    # ---------------------------------------------------------------- fault injection

    def inject(
        self,
        method: str | None,
        kind: FaultKind,
        times: int = 1,
        retry_after: float = 1,
        description: str | None = None,
        chat_id: int | None = None,
    ) -> None:
        """Make the next ``times`` matching calls fail.

        ``method=None`` matches every method except getUpdates (inject "getUpdates"
        explicitly to fault polling); ``chat_id`` restricts to calls with that chat_id.
        "unauthorized" answers 401 (a revoked token), "server_error" 500 (an outage); "late"
        applies the call (the message is sent) but answers only after ``retry_after`` seconds,
        so a client with a shorter read timeout never sees the answer.
        """
        if kind not in get_args(FaultKind):
            raise ValueError(f"unknown fault kind {kind!r}")
        spec = _FaultSpec(kind=kind, retry_after=retry_after, description=description)
        self._faults.append(_QueuedFault(method, spec, times, chat_id))

    def fault_rate(
        self,
        method: str | None,
        kind: FaultKind,
        probability: float,
        retry_after_range: tuple[int, int] = (1, 5),
        seed: int | None = 0,
        *,
        description: str | None = None,
        chat_id: int | None = None,
    ) -> None:
        """Fail each matching call with ``probability`` (deterministic for a given seed)."""
        if not 0.0 <= probability <= 1.0:
            raise ValueError("probability must be within [0, 1]")
        self._random_faults.append(
            _RandomFault(
                method,
                kind,
                probability,
                retry_after_range,
                random.Random(seed),
                description,
                chat_id,
            )
        )

    def hold(self, method: str, chat_id: int | None = None, text: str | None = None) -> Hold:
        """Keep the next call of ``method`` (to ``chat_id``, with ``text`` in its text) waiting
        at the server, neither answered nor applied, until ``release()``: a request on the wire,
        e.g. to kill the bot at that moment. ``await hold.reached.wait()`` for its arrival."""
        held = Hold(method, chat_id, text)
        self._holds.append(held)
        return held

    def enforce_flood_limits(self, per_second: int = 30, paid_per_second: int = 1000) -> None:
        """Refuse with 429 (retry after 1) a message that would be one more than ``per_second``
        within a second, as Telegram does; messages sent with ``allow_paid_broadcast`` count
        against ``paid_per_second`` instead. Messages: send*, edit*, copy/forwardMessage."""
        self._flood_limits = {False: per_second, True: paid_per_second}
        self._flood_times = {False: collections.deque(), True: collections.deque()}

    def _flooded(self, call: Call) -> bool:
        if not self._flood_limits or not call.method.startswith(_LIMITED_PREFIXES):
            return False
        paid = call.params.get("allow_paid_broadcast")
        if paid not in (None, True, False, "true", "false"):
            raise ApiError(400, "Bad Request: allow_paid_broadcast must be a boolean")
        pool = paid in (True, "true")
        times = self._flood_times[pool]
        while times and times[0] <= call.at - 1.0:
            times.popleft()
        if len(times) >= self._flood_limits[pool]:
            self.flood_refused.append(call)
            return True
        times.append(call.at)
        return False

    def clear_faults(self) -> None:
        self._faults.clear()
        self._random_faults.clear()

    def _take_fault(self, method: str, params: JSONDict) -> _FaultSpec | None:
        for queued in self._faults:
            if _fault_matches(queued.method, queued.chat_id, method, params):
                queued.remaining -= 1
                if queued.remaining <= 0:
                    self._faults.remove(queued)
                return queued.spec
        for rate in self._random_faults:
            matches = _fault_matches(rate.method, rate.chat_id, method, params)
            if matches and rate.rng.random() < rate.probability:
                low, high = rate.retry_after_range
                return _FaultSpec(rate.kind, rate.rng.randint(low, high), rate.description)
        return None

    # ---------------------------------------------------------------- simulated users

    def send_text(
        self,
        user: FakeUser,
        text: str,
        chat: ChatArg = None,
        *,
        entities: list[JSONDict] | None = None,
        reply_to: JSONDict | Call | None = None,
    ) -> JSONDict:
        """A text message from ``user`` (private chat unless ``chat`` is given)."""
        content: JSONDict = {"text": text}
        if entities is None:
            entities = _command_entities(text)
        if entities:
            content["entities"] = entities
        if reply_to is not None:
            replied = self._resolve_message(reply_to)
            replied.pop("reply_to_message", None)
            content["reply_to_message"] = replied
        return self._user_message(user, chat, content)

    def send_contact(
        self,
        user: FakeUser,
        phone_number: str,
        contact_user_id: int | None = None,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        omit_user_id: bool = False,
        chat: ChatArg = None,
    ) -> JSONDict:
        """A shared contact; by default the user's own (``user_id`` = ``user.id``)."""
        contact: JSONDict = {
            "phone_number": phone_number,
            "first_name": first_name if first_name is not None else user.first_name,
        }
        last = last_name if last_name is not None else user.last_name
        if last is not None:
            contact["last_name"] = last
        if not omit_user_id:
            contact["user_id"] = contact_user_id if contact_user_id is not None else user.id
        return self._user_message(user, chat, {"contact": contact})

    def send_location(
        self,
        user: FakeUser,
        latitude: float,
        longitude: float,
        chat: ChatArg = None,
        *,
        live_period: int | None = None,
        via_bot: FakeUser | None = None,
    ) -> JSONDict:
        """A location; with ``live_period`` (seconds) a live location, which
        :meth:`move_live_location` then moves; with ``via_bot``, posted through that inline
        bot (which can put any point on the map)."""
        location: JSONDict = {"latitude": latitude, "longitude": longitude}
        if live_period is not None:
            location["live_period"] = live_period
        content: JSONDict = {"location": location}
        if via_bot is not None:
            content["via_bot"] = via_bot.to_dict()
        return self._user_message(user, chat, content)

    def send_photo(
        self,
        user: FakeUser,
        data: bytes,
        caption: str | None = None,
        chat: ChatArg = None,
        *,
        filename: str = "photo.jpg",
    ) -> JSONDict:
        """A photo from ``user``, stored like Telegram stores one: in three sizes, each with a
        file_id the bot can getFile and download (the bytes are ``data``)."""
        upload = UploadedFile(filename, "image/jpeg", data)
        sizes = []
        for width, height in ((90, 90), (320, 320), (800, 800)):
            file_id, unique_id = self._store_file(upload, "AgAC")
            sizes.append(
                {
                    "file_id": file_id,
                    "file_unique_id": unique_id,
                    "width": width,
                    "height": height,
                    "file_size": upload.size,
                }
            )
        content: JSONDict = {"photo": sizes}
        if caption is not None:
            content["caption"] = caption
        return self._user_message(user, chat, content)

    def move_live_location(
        self, user: FakeUser, sent: JSONDict, latitude: float, longitude: float
    ) -> JSONDict:
        """Telegram reports a live location moving as an ``edited_message`` of the original
        message (``sent`` is the update :meth:`send_location` returned)."""
        stored = self._stored_user_message(sent)
        location = {**stored["location"], "latitude": latitude, "longitude": longitude}
        return self._edit_user_message(stored, {"location": location})

    def edit_text(self, user: FakeUser, sent: JSONDict, text: str) -> JSONDict:
        """``user`` edits a text they sent (``sent`` is the update :meth:`send_text` returned):
        Telegram reports it as an ``edited_message``."""
        stored = self._stored_user_message(sent)
        assert stored["from"]["id"] == user.id, "only the sender can edit a message"
        stored.pop("entities", None)
        content: JSONDict = {"text": text}
        if entities := _command_entities(text):
            content["entities"] = entities
        return self._edit_user_message(stored, content)

    def _stored_user_message(self, sent: JSONDict) -> JSONDict:
        original = sent["message"]
        return self.user_messages[(int(original["chat"]["id"]), int(original["message_id"]))]

    def _edit_user_message(self, stored: JSONDict, changes: JSONDict) -> JSONDict:
        stored.update(changes)
        stored["edit_date"] = _now()
        return self._enqueue({"edited_message": copy.deepcopy(stored)}, int(stored["chat"]["id"]))

    def press(
        self,
        user: FakeUser,
        message: Call | JSONDict | tuple[int, int],
        data: str | None,
        *,
        chat_instance: str | None = None,
    ) -> JSONDict:
        """A callback_query for a bot message (current stored state). ``data`` is not checked
        against the buttons, so forged data can be sent too."""
        msg = self._resolve_message(message)
        self._register_user(user)
        query_id = str(4_000_000_000_000 + next(self._ids))
        self._callback_queries[query_id] = False
        chat_id = int(msg["chat"]["id"])
        query: JSONDict = {
            "id": query_id,
            "from": user.to_dict(),
            "message": msg,
            "chat_instance": chat_instance or self._chat_instance(chat_id),
        }
        if data is not None:
            query["data"] = data
        return self._enqueue({"callback_query": query}, chat_id)

    def press_button(
        self, user: FakeUser, message: Call | JSONDict | tuple[int, int], button_text: str
    ) -> JSONDict:
        """Press the inline button whose text is ``button_text`` (exact match)."""
        msg = self._resolve_message(message)
        buttons = _inline_buttons(msg.get("reply_markup"))
        for button in buttons:
            if button.get("text") == button_text and "callback_data" in button:
                return self.press(user, msg, str(button["callback_data"]))
        raise AssertionError(
            f"no callback button {button_text!r} on message {msg.get('message_id')}; "
            f"buttons: {[b.get('text') for b in buttons]}"
        )

    def my_chat_member(
        self, user: FakeUser, chat: ChatArg, old_status: str, new_status: str
    ) -> JSONDict:
        """The bot's membership changed in ``chat`` (None = the user's private chat).
        In a private chat, ``kicked`` blocks the bot (sends get 403) and ``member`` unblocks."""
        chat_dict = self._register_chat(user, chat)
        chat_id = int(chat_dict["id"])
        if chat_dict.get("type") == "private":
            if new_status == "kicked":
                self.blocked.add(chat_id)
            elif new_status == "member":
                self.blocked.discard(chat_id)
        update = {
            "chat": chat_dict,
            "from": user.to_dict(),
            "date": _now(),
            "old_chat_member": _chat_member(self.bot_user, old_status),
            "new_chat_member": _chat_member(self.bot_user, new_status),
        }
        return self._enqueue({"my_chat_member": update}, chat_id)

    def block_bot(self, user: FakeUser) -> JSONDict:
        return self.my_chat_member(user, None, "member", "kicked")

    def unblock_bot(self, user: FakeUser) -> JSONDict:
        return self.my_chat_member(user, None, "kicked", "member")

    def replay(self, update: JSONDict) -> JSONDict:
        """Deliver an identical copy of ``update`` (same update_id) again, even if it was
        already confirmed. A replayed callback query can be answered again."""
        payload = copy.deepcopy(update)
        if "update_id" not in payload:
            raise ValueError("replay() needs an update dict as returned by send_text() etc.")
        query = payload.get("callback_query")
        if isinstance(query, dict) and "id" in query:
            self._callback_queries[str(query["id"])] = False
        self._queue.append(_Pending(payload, replay=True))
        chat_id = _update_chat_id(payload)
        if chat_id is not None:
            self._note_user_action(chat_id)
        self._signal()
        return copy.deepcopy(payload)

    def _user_message(self, user: FakeUser, chat: ChatArg, content: JSONDict) -> JSONDict:
        self._register_user(user)
        chat_dict = self._register_chat(user, chat)
        chat_id = int(chat_dict["id"])
        message: JSONDict = {
            "message_id": self._new_message_id(chat_id),
            "from": user.to_dict(),
            "chat": chat_dict,
            "date": _now(),
            **content,
        }
        self.user_messages[(chat_id, message["message_id"])] = message
        return self._enqueue({"message": copy.deepcopy(message)}, chat_id)

    def _enqueue(self, payload: JSONDict, chat_id: int) -> JSONDict:
        update = {"update_id": self._next_update_id, **payload}
        self._next_update_id += 1
        self._queue.append(_Pending(update))
        self._note_user_action(chat_id)
        self._signal()
        return copy.deepcopy(update)

    def _note_user_action(self, chat_id: int) -> None:
        self._cursors[chat_id] = max(self._cursors.get(chat_id, 0), len(self.calls))

    def _register_user(self, user: FakeUser) -> None:
        self.users[user.id] = user.to_dict()

    def _register_chat(self, user: FakeUser, chat: ChatArg) -> JSONDict:
        if chat is None:
            chat_dict = user.private_chat()
        elif isinstance(chat, int):
            chat_dict = self.chats.get(chat) or self._default_chat(chat)
        else:
            chat_dict = dict(chat)
        self.chats[int(chat_dict["id"])] = chat_dict
        return copy.deepcopy(chat_dict)

    def _chat_instance(self, chat_id: int) -> str:
        return str((chat_id * 2_654_435_761 + self.bot_id * 40_503) % 10**18 + 10**17)

    def _resolve_message(self, ref: Call | JSONDict | tuple[int, int]) -> JSONDict:
        if isinstance(ref, Call):
            snapshot = ref.message
            if snapshot is None:
                raise ValueError(f"call {ref.summary()} did not return a message")
        elif isinstance(ref, tuple):
            snapshot = None
            key = (int(ref[0]), int(ref[1]))
        else:
            snapshot = ref
        if snapshot is not None:
            key = (int(snapshot["chat"]["id"]), int(snapshot["message_id"]))
        for store in (self.messages, self.user_messages, self.deleted_messages):
            if key in store:
                return copy.deepcopy(store[key])
        if snapshot is None:
            raise ValueError(f"unknown message {key}")
        return copy.deepcopy(snapshot)

    # ---------------------------------------------------------------- HTTP handling

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        at = time.monotonic()
        token = request.match_info["token"]
        method = _CANONICAL_METHODS.get(request.match_info["method"].lower())
        method = method or request.match_info["method"]
        try:
            params, files = await _parse_request(request)
        except ValueError as exc:
            call = Call(method=method, params={}, at=at)
            error = ApiError(400, f"Bad Request: can't parse request: {exc}")
            return self._respond(call, error.code, error.payload())
        call = Call(method=method, params=params, at=at, files=files)
        if token != self.token:
            return self._respond(call, 401, _error_payload(401, "Unauthorized"))

        for held in self._holds:
            if held.matches(method, params):
                held.reached.set()
                await held.released.wait()
                break
        try:
            if self._flooded(call):
                error = ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})
                return self._respond(call, error.code, error.payload())
        except ApiError as error:
            return self._respond(call, error.code, error.payload())
        fault = self._take_fault(method, params)
        if fault is not None:
            call.fault = fault.kind
            if fault.kind == "late":
                response = await self._apply(call)
                await asyncio.sleep(fault.retry_after)
                return response
            if fault.kind == "network":
                self._record(call, 0, {})
                transport = request.transport
                if transport is not None:
                    transport.abort()
                return web.Response(status=500)  # never reaches the client
            error = fault.error()
            return self._respond(call, error.code, error.payload())

        return await self._apply(call)

    async def _apply(self, call: Call) -> web.Response:
        try:
            if call.method == "getUpdates":
                result = await self._get_updates(call)
            else:
                handler = self._handlers.get(call.method.lower(), _generic)
                result = handler(call)
        except ApiError as error:
            return self._respond(call, error.code, error.payload())
        except asyncio.CancelledError:
            self._record(call, 499, _error_payload(499, "client closed the request"))
            raise
        return self._respond(call, 200, {"ok": True, "result": result})

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.json_response(_error_payload(401, "Unauthorized"), status=401)
        file_id = request.match_info["file_path"].rsplit("/", 1)[-1]
        stored = self.files.get(file_id)
        if stored is None:
            return web.json_response(_error_payload(404, "Not Found"), status=404)
        return web.Response(
            body=stored.data, content_type=stored.content_type or "application/octet-stream"
        )

    def _respond(self, call: Call, status: int, payload: JSONDict) -> web.Response:
        self._record(call, status, payload)
        return web.json_response(payload, status=status)

    def _record(self, call: Call, status: int, payload: JSONDict) -> None:
        call.status = status
        call.response = payload
        call.index = len(self.calls)
        self.calls.append(call)
        if call.method != "getUpdates":
            self._last_activity = time.monotonic()
        self._signal()

    # ---------------------------------------------------------------- getUpdates

    async def _get_updates(self, call: Call) -> list[JSONDict]:
        params = call.params
        offset = _as_int(params.get("offset"), 0)
        limit = min(max(_as_int(params.get("limit"), 100), 1), 100)
        timeout = max(_as_float(params.get("timeout"), 0.0), 0.0)
        self._poll_generation += 1
        generation = self._poll_generation
        self._signal()  # terminates an older long poll (409 like Telegram)
        self._confirm(offset)
        deadline = time.monotonic() + timeout
        self._active_polls += 1
        try:
            while True:
                if generation != self._poll_generation:
                    raise ApiError(
                        409,
                        "Conflict: terminated by other getUpdates request; make sure that "
                        "only one bot instance is running",
                    )
                batch = self._next_batch(limit)
                remaining = deadline - time.monotonic()
                if batch or self._closing or remaining <= 0:
                    break
                await self._wait_signal(remaining)
        finally:
            self._active_polls -= 1
        if batch:
            self._last_activity = time.monotonic()
        for pending in batch:
            pending.delivered = True
        return [copy.deepcopy(pending.update) for pending in batch]

    def _confirm(self, offset: int) -> None:
        if offset > 0:
            self._queue = [
                p for p in self._queue if p.update_id >= offset or (p.replay and not p.delivered)
            ]
        elif offset < 0:
            self._queue = self._queue[offset:]

    def _next_batch(self, limit: int) -> list[_Pending]:
        # An undelivered replay (old update_id) is always delivered on its own so that PTB's
        # "offset = last update_id + 1" cannot re-deliver newer updates of the same batch.
        batch: list[_Pending] = []
        for pending in self._queue:
            if pending.replay and not pending.delivered:
                if not batch:
                    batch.append(pending)
                break
            batch.append(pending)
            if len(batch) >= limit:
                break
        return batch

    # ---------------------------------------------------------------- chats & messages

    def _default_chat(self, chat_id: int) -> JSONDict:
        if chat_id > 0:
            known = self.users.get(chat_id)
            first_name = known["first_name"] if known else f"User {chat_id}"
            return {"id": chat_id, "type": "private", "first_name": first_name}
        if str(chat_id).startswith("-100"):
            return {"id": chat_id, "type": "supergroup", "title": f"Chat {chat_id}"}
        return {"id": chat_id, "type": "group", "title": f"Chat {chat_id}"}

    def _resolve_chat(self, value: Any, *, check_blocked: bool = True) -> JSONDict:
        chat_id = _normalize_chat_id(value)
        if chat_id is None or chat_id == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        if isinstance(chat_id, str):
            if not chat_id.startswith("@"):
                raise ApiError(400, "Bad Request: chat not found")
            for chat in self.chats.values():
                if chat.get("username", "").lower() == chat_id[1:].lower():
                    return copy.deepcopy(chat)
            new_id = -1_000_000_000_000 - next(self._ids)
            channel = {"id": new_id, "type": "channel", "title": chat_id, "username": chat_id[1:]}
            self.chats[new_id] = channel
            return copy.deepcopy(channel)
        known = self.chats.get(chat_id)
        if known is None:
            known = self.chats[chat_id] = self._default_chat(chat_id)
        if check_blocked and chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return copy.deepcopy(known)

    def _new_message_id(self, chat_id: int) -> int:
        self._message_ids[chat_id] = self._message_ids.get(chat_id, 0) + 1
        return self._message_ids[chat_id]

    def _store_bot_message(
        self, chat: JSONDict, content: JSONDict, markup: JSONDict | None, params: JSONDict
    ) -> JSONDict:
        chat_id = int(chat["id"])
        reply = self._reply_to(chat_id, params)
        message: JSONDict = {"message_id": self._new_message_id(chat_id), "date": _now()}
        if chat.get("type") == "channel":
            message["sender_chat"] = chat
        else:
            message["from"] = self.bot_user
        message["chat"] = chat
        if reply is not None:
            message["reply_to_message"] = reply
        message.update(content)
        if markup is not None:
            if _inline_buttons(markup):
                message["reply_markup"] = markup
            elif "keyboard" in markup:
                self.reply_keyboards[chat_id] = markup
            elif markup.get("remove_keyboard"):
                self.reply_keyboards[chat_id] = None
        self.messages[(chat_id, message["message_id"])] = message
        return copy.deepcopy(message)

    def _reply_to(self, chat_id: int, params: JSONDict) -> JSONDict | None:
        reply_params = params.get("reply_parameters")
        if isinstance(reply_params, dict):
            message_id = _as_int(reply_params.get("message_id"), 0)
            target_chat = _normalize_chat_id(reply_params.get("chat_id"))
            allow = bool(reply_params.get("allow_sending_without_reply"))
        elif params.get("reply_to_message_id") is not None:
            message_id = _as_int(params.get("reply_to_message_id"), 0)
            target_chat = None
            allow = bool(params.get("allow_sending_without_reply"))
        else:
            return None
        key = (target_chat if isinstance(target_chat, int) else chat_id, message_id)
        found = self.messages.get(key) or self.user_messages.get(key)
        if found is None:
            if allow:
                return None
            raise ApiError(400, "Bad Request: message to be replied not found")
        replied = copy.deepcopy(found)
        replied.pop("reply_to_message", None)
        return replied

    def _text_and_entities(
        self,
        value: Any,
        parse_mode: Any,
        entities: Any,
        *,
        limit: int,
        too_long: str,
        empty: str | None,
    ) -> tuple[str, list[JSONDict]]:
        text = "" if value is None else str(value)
        if parse_mode:
            try:
                plain, parsed = _parse_entities(text, str(parse_mode))
            except _EntityParseError as exc:
                raise ApiError(400, f"Bad Request: can't parse entities: {exc}") from None
        else:
            plain = text
            parsed = entities if isinstance(entities, list) else []
        if empty is not None and not plain.strip():
            raise ApiError(400, empty)
        if len(plain) > limit:
            raise ApiError(400, too_long)
        return plain, parsed

    def _caption(self, params: JSONDict) -> JSONDict:
        if params.get("caption") in (None, ""):
            return {}
        caption, entities = self._text_and_entities(
            params.get("caption"),
            params.get("parse_mode"),
            params.get("caption_entities"),
            limit=MAX_CAPTION_LENGTH,
            too_long="Bad Request: message caption is too long",
            empty=None,
        )
        content: JSONDict = {"caption": caption}
        if entities:
            content["caption_entities"] = entities
        return content

    def _validate_markup(self, markup: Any) -> JSONDict | None:
        if markup is None or markup == "":
            return None
        if isinstance(markup, str):
            try:
                markup = json.loads(markup)
            except ValueError:
                markup = None
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise ApiError(400, "Bad Request: can't parse inline keyboard markup")
            for row in rows:
                for button in row:
                    self._validate_inline_button(button)
        elif "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise ApiError(400, "Bad Request: can't parse reply keyboard markup")
        return markup

    @staticmethod
    def _validate_inline_button(button: Any) -> None:
        if not isinstance(button, dict) or not isinstance(button.get("text"), str):
            raise ApiError(400, "Bad Request: can't parse inline keyboard button: Text is missing")
        actions = [key for key in button if key in _INLINE_BUTTON_ACTIONS]
        if len(actions) != 1:
            raise ApiError(
                400,
                "Bad Request: can't parse inline keyboard button: InlineKeyboardButton must "
                "have exactly one of the optional fields",
            )
        if "callback_data" in button:
            data = button["callback_data"]
            size = len(str(data).encode("utf-8")) if data is not None else 0
            if not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        if "url" in button:
            url = str(button["url"])
            if not re.match(r"^(https?|tg)://\S+$", url, flags=re.IGNORECASE):
                raise ApiError(400, "Bad Request: BUTTON_URL_INVALID")

    def _find_editable(self, params: JSONDict) -> tuple[tuple[int, int], JSONDict]:
        chat = self._resolve_chat(params.get("chat_id"))
        key = (int(chat["id"]), _as_int(params.get("message_id"), 0))
        stored = self.messages.get(key)
        if stored is None:
            if key in self.user_messages:
                raise ApiError(400, "Bad Request: message can't be edited")
            raise ApiError(400, "Bad Request: message to edit not found")
        return key, stored

    @staticmethod
    def _inline_markup_or_none(markup: JSONDict | None) -> JSONDict | None:
        return markup if _inline_buttons(markup) else None

    def _apply_edit(
        self, key: tuple[int, int], stored: JSONDict, changes: JSONDict, markup: JSONDict | None
    ) -> JSONDict:
        unchanged = all(stored.get(k) == v for k, v in changes.items() if v is not None)
        removed = [k for k, v in changes.items() if v is None and k in stored]
        if unchanged and not removed and stored.get("reply_markup") == markup:
            raise ApiError(400, _NOT_MODIFIED)
        for k, v in changes.items():
            if v is None:
                stored.pop(k, None)
            else:
                stored[k] = v
        if markup is None:
            stored.pop("reply_markup", None)
        else:
            stored["reply_markup"] = markup
        stored["edit_date"] = _now()
        self.messages[key] = stored
        return copy.deepcopy(stored)

    # ---------------------------------------------------------------- Bot API methods

    def _get_me(self, call: Call) -> JSONDict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _send_message(self, call: Call) -> JSONDict:
        params = call.params
        chat = self._resolve_chat(params.get("chat_id"))
        text, entities = self._text_and_entities(
            params.get("text"),
            params.get("parse_mode"),
            params.get("entities"),
            limit=MAX_TEXT_LENGTH,
            too_long="Bad Request: message is too long",
            empty="Bad Request: message text is empty",
        )
        markup = self._validate_markup(params.get("reply_markup"))
        content: JSONDict = {"text": text}
        if entities:
            content["entities"] = entities
        return self._store_bot_message(chat, content, markup, params)

    def _edit_message_text(self, call: Call) -> JSONDict | bool:
        params = call.params
        text, entities = self._text_and_entities(
            params.get("text"),
            params.get("parse_mode"),
            params.get("entities"),
            limit=MAX_TEXT_LENGTH,
            too_long="Bad Request: MESSAGE_TOO_LONG",
            empty="Bad Request: message text is empty",
        )
        markup = self._inline_markup_or_none(self._validate_markup(params.get("reply_markup")))
        if params.get("inline_message_id"):
            return True
        key, stored = self._find_editable(params)
        if "text" not in stored:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        changes = {"text": text, "entities": entities or None}
        return self._apply_edit(key, stored, changes, markup)

    def _edit_message_caption(self, call: Call) -> JSONDict | bool:
        params = call.params
        content = self._caption(params)
        markup = self._inline_markup_or_none(self._validate_markup(params.get("reply_markup")))
        if params.get("inline_message_id"):
            return True
        key, stored = self._find_editable(params)
        if "text" in stored:
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        changes = {
            "caption": content.get("caption"),
            "caption_entities": content.get("caption_entities"),
        }
        return self._apply_edit(key, stored, changes, markup)

    def _edit_message_media(self, call: Call) -> JSONDict | bool:
        """Replace a photo (the only media type the bot edits) with a new one and caption."""
        params = call.params
        media = params.get("media")
        if isinstance(media, str):
            try:
                media = json.loads(media)
            except ValueError:
                raise ApiError(400, "Bad Request: can't parse InputMedia JSON object") from None
        if not isinstance(media, dict) or media.get("type") != "photo":
            raise ApiError(400, "Bad Request: wrong type of the media")
        markup = self._inline_markup_or_none(self._validate_markup(params.get("reply_markup")))
        if params.get("inline_message_id"):
            return True
        key, stored = self._find_editable(params)
        if "photo" not in stored:
            raise ApiError(400, "Bad Request: there is no media in the message to edit")
        source = media.get("media")
        upload = (
            call.files.get(source[len("attach://") :])
            if isinstance(source, str) and source.startswith("attach://")
            else self.files.get(str(source))
        )
        if upload is None or not upload.data:
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        file_id, unique_id = self._store_file(upload, "AgAC")
        photo = [
            {
                "file_id": file_id,
                "file_unique_id": unique_id,
                "width": 800,
                "height": 800,
                "file_size": upload.size,
            }
        ]
        content = self._caption(media)
        changes = {"photo": photo, "caption": content.get("caption")}
        return self._apply_edit(key, stored, changes, markup)

    def _edit_message_reply_markup(self, call: Call) -> JSONDict | bool:
        params = call.params
        markup = self._inline_markup_or_none(self._validate_markup(params.get("reply_markup")))
        if params.get("inline_message_id"):
            return True
        key, stored = self._find_editable(params)
        return self._apply_edit(key, stored, {}, markup)

    def _answer_callback_query(self, call: Call) -> bool:
        query_id = str(call.params.get("callback_query_id", ""))
        if self._callback_queries.get(query_id, True):
            raise ApiError(400, _QUERY_INVALID)
        text = call.params.get("text")
        if text is not None and len(str(text)) > MAX_CALLBACK_ANSWER_LENGTH:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        self._callback_queries[query_id] = True
        self.callback_answers[query_id] = call
        return True

    @staticmethod
    def _commands_key(scope: Any, language_code: Any) -> tuple[str, str]:
        scope_dict = scope if isinstance(scope, dict) else {"type": "default"}
        return json.dumps(scope_dict, sort_keys=True), str(language_code or "")

    def _set_my_commands(self, call: Call) -> bool:
        commands = call.params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        stored: list[JSONDict] = []
        for command in commands:
            if not isinstance(command, dict):
                raise ApiError(400, "Bad Request: can't parse BotCommand")
            name = str(command.get("command", ""))
            description = str(command.get("description", ""))
            if not _BOT_COMMAND_NAME_RE.fullmatch(name):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
            stored.append({"command": name, "description": description})
        key = self._commands_key(call.params.get("scope"), call.params.get("language_code"))
        self.my_commands[key] = stored
        return True

    def _delete_my_commands(self, call: Call) -> bool:
        key = self._commands_key(call.params.get("scope"), call.params.get("language_code"))
        self.my_commands.pop(key, None)
        return True

    def _get_my_commands(self, call: Call) -> list[JSONDict]:
        key = self._commands_key(call.params.get("scope"), call.params.get("language_code"))
        return copy.deepcopy(self.my_commands.get(key, []))

    def _delete_webhook(self, call: Call) -> bool:
        if call.params.get("drop_pending_updates"):
            self._queue.clear()
        return True

    def _get_webhook_info(self, call: Call) -> JSONDict:
        return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}

    def _store_file(self, upload: UploadedFile, prefix: str) -> tuple[str, str]:
        number = next(self._ids)
        file_id = f"{prefix}AgADfake{number:06d}"
        self.files[file_id] = upload
        return file_id, f"AgADuniq{number:06d}"

    def _input_file(self, call: Call, name: str) -> UploadedFile | str:
        value = call.params.get(name)
        if isinstance(value, str) and value.startswith("attach://"):
            upload = call.files.get(value[len("attach://") :])
        else:
            upload = call.files.get(name)
        if upload is not None:
            if not upload.data:
                raise ApiError(400, "Bad Request: file must be non-empty")
            return upload
        if isinstance(value, str) and value:
            if value in self.files:
                return value
            if re.match(r"^https?://", value):
                filename = value.rstrip("/").rsplit("/", 1)[-1] or "file"
                return UploadedFile(filename, None, b"downloaded-by-fake-telegram")
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        raise ApiError(400, f"Bad Request: there is no {name} in the request")

    def _send_document(self, call: Call) -> JSONDict:
        params = call.params
        chat = self._resolve_chat(params.get("chat_id"))
        source = self._input_file(call, "document")
        content = self._caption(params)
        markup = self._validate_markup(params.get("reply_markup"))
        if isinstance(source, str):
            upload, file_id = self.files[source], source
            unique_id = f"AgADuniq{file_id[-6:]}"
        else:
            upload = source
            file_id, unique_id = self._store_file(upload, "BQAC")
        document: JSONDict = {
            "file_id": file_id,
            "file_unique_id": unique_id,
            "file_size": upload.size,
        }
        if upload.filename:
            document["file_name"] = upload.filename
        if upload.content_type:
            document["mime_type"] = upload.content_type
        content["document"] = document
        return self._store_bot_message(chat, content, markup, params)

    def _send_photo(self, call: Call) -> JSONDict:
        params = call.params
        chat = self._resolve_chat(params.get("chat_id"))
        source = self._input_file(call, "photo")
        content = self._caption(params)
        markup = self._validate_markup(params.get("reply_markup"))
        upload = self.files[source] if isinstance(source, str) else source
        sizes = []
        for width, height in ((90, 90), (320, 320), (800, 800)):
            file_id, unique_id = self._store_file(upload, "AgAC")
            sizes.append(
                {
                    "file_id": file_id,
                    "file_unique_id": unique_id,
                    "width": width,
                    "height": height,
                    "file_size": upload.size,
                }
            )
        content["photo"] = sizes
        return self._store_bot_message(chat, content, markup, params)

    def _send_chat_action(self, call: Call) -> bool:
        self._resolve_chat(call.params.get("chat_id"))
        if call.params.get("action") not in _CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        return True

    def _delete_message(self, call: Call) -> bool:
        chat = self._resolve_chat(call.params.get("chat_id"), check_blocked=False)
        key = (int(chat["id"]), _as_int(call.params.get("message_id"), 0))
        for store in (self.messages, self.user_messages):
            if key in store:
                self.deleted_messages[key] = store.pop(key)
                return True
        raise ApiError(400, "Bad Request: message to delete not found")

    def _get_file(self, call: Call) -> JSONDict:
        file_id = str(call.params.get("file_id", ""))
        stored = self.files.get(file_id)
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": f"AgADuniq{file_id[-6:]}",
            "file_size": stored.size,
            "file_path": f"documents/{file_id}",
        }

    def _get_chat(self, call: Call) -> JSONDict:
        chat = self._resolve_chat(call.params.get("chat_id"), check_blocked=False)
        return {
            **chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    def _get_chat_member(self, call: Call) -> JSONDict:
        chat = self._resolve_chat(call.params.get("chat_id"), check_blocked=False)
        user_id = _as_int(call.params.get("user_id"), 0)
        if user_id == self.bot_id:
            user = self.bot_user
        else:
            user = self.users.get(user_id) or {
                "id": user_id,
                "is_bot": False,
                "first_name": f"User {user_id}",
            }
        status = self.member_statuses.get((int(chat["id"]), user_id), "member")
        return _chat_member(copy.deepcopy(user), status)

    def _send_location(self, call: Call) -> JSONDict:
        params = call.params
        chat = self._resolve_chat(params.get("chat_id"))
        markup = self._validate_markup(params.get("reply_markup"))
        location = {
            "latitude": _as_float(params.get("latitude"), 0.0),
            "longitude": _as_float(params.get("longitude"), 0.0),
        }
        return self._store_bot_message(chat, {"location": location}, markup, params)

    def _send_contact(self, call: Call) -> JSONDict:
        params = call.params
        chat = self._resolve_chat(params.get("chat_id"))
        markup = self._validate_markup(params.get("reply_markup"))
        contact = {
            key: params[key]
            for key in ("phone_number", "first_name", "last_name", "vcard")
            if params.get(key) is not None
        }
        return self._store_bot_message(chat, {"contact": contact}, markup, params)

    def _source_message(self, params: JSONDict, what: str) -> JSONDict:
        source_chat = self._resolve_chat(params.get("from_chat_id"), check_blocked=False)
        key = (int(source_chat["id"]), _as_int(params.get("message_id"), 0))
        found = self.messages.get(key) or self.user_messages.get(key)
        if found is None:
            raise ApiError(400, f"Bad Request: message to {what} not found")
        return found

    @staticmethod
    def _copied_content(message: JSONDict) -> JSONDict:
        keys = (
            "text",
            "entities",
            "caption",
            "caption_entities",
            "document",
            "photo",
            "location",
            "contact",
        )
        return {key: copy.deepcopy(message[key]) for key in keys if key in message}

    def _forward_message(self, call: Call) -> JSONDict:
        params = call.params
        chat = self._resolve_chat(params.get("chat_id"))
        source = self._source_message(params, "forward")
        content = self._copied_content(source)
        sender = source.get("from")
        if sender is not None:
            content["forward_origin"] = {
                "type": "user",
                "sender_user": copy.deepcopy(sender),
                "date": source["date"],
            }
        else:
            content["forward_origin"] = {
                "type": "hidden_user",
                "sender_user_name": "Unknown",
                "date": source["date"],
            }
        return self._store_bot_message(chat, content, None, params)

    def _copy_message(self, call: Call) -> JSONDict:
        params = call.params
        chat = self._resolve_chat(params.get("chat_id"))
        source = self._source_message(params, "copy")
        markup = self._validate_markup(params.get("reply_markup"))
        content = self._copied_content(source)
        if params.get("caption") is not None and "text" not in content:
            content.pop("caption_entities", None)
            content.update(self._caption(params))
        message = self._store_bot_message(chat, content, markup, params)
        return {"message_id": message["message_id"]}


def _generic(call: Call) -> bool:
    return True


def _update_chat_id(update: JSONDict) -> int | None:
    for key in ("message", "edited_message", "my_chat_member", "chat_member"):
        value = update.get(key)
        if isinstance(value, dict) and isinstance(value.get("chat"), dict):
            return int(value["chat"]["id"])
    query = update.get("callback_query")
    if isinstance(query, dict) and isinstance(query.get("message"), dict):
        return int(query["message"]["chat"]["id"])
    return None


async def _parse_request(request: web.Request) -> tuple[JSONDict, dict[str, UploadedFile]]:
    params: JSONDict = {key: _decode_form_value(key, value) for key, value in request.query.items()}
    files: dict[str, UploadedFile] = {}
    if not request.body_exists:
        return params, files
    content_type = request.content_type
    if content_type == "application/json":
        body = await request.json()
        if not isinstance(body, dict):
            raise ValueError("JSON body must be an object")
        params.update(body)
    elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                try:
                    data = value.file.read()
                finally:
                    value.file.close()
                files[key] = UploadedFile(value.filename, value.content_type, data)
            else:
                params[key] = _decode_form_value(key, str(value))
    return params, files

"""WeChat's push protocol in safe mode: signatures, AES and replies through wechatpy; the
message XML read with the standard library's C parser (wechatpy's xmltodict costs a third of
the endpoint's time, and a push is a flat document of a dozen fields).

The one module that calls wechatpy (untyped)."""

from __future__ import annotations

import binascii
import hmac
import re
import secrets
import struct
from collections.abc import Mapping
from typing import Any
from xml.etree import ElementTree

from wechatpy.crypto import PrpCrypto, WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException
from wechatpy.replies import ImageReply as WeChatImageReply
from wechatpy.replies import TextReply as WeChatTextReply
from wechatpy.utils import WeChatSigner

from wechat_adapter.messages import ImageReply, InboundMessage, TextReply


class ForgedSignature(Exception):
    """The signature does not match: not from WeChat, or for another account."""


class MalformedPush(Exception):
    """Signed, but not a message this endpoint can read."""


def signature(*parts: str) -> str:
    """WeChat's signature: SHA-1 of the parts sorted and joined."""
    signer = WeChatSigner()
    signer.add_data(*parts)
    return str(signer.signature)


class _Aes(PrpCrypto):  # type: ignore[misc]
    """wechatpy's message AES, with the 16 random bytes before each message drawn from the
    system's CSPRNG (wechatpy uses `random`): with WeChat's fixed IV they are what makes two
    equal replies encrypt differently."""

    def get_random_string(self) -> str:
        return secrets.token_hex(8)


_SEALED = (
    "<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt>"
    "<MsgSignature><![CDATA[{signature}]]></MsgSignature>"
    "<TimeStamp>{timestamp}</TimeStamp><Nonce><![CDATA[{nonce}]]></Nonce></xml>"
)


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


# WeChat never sends a document type; refusing one refuses every entity trick with it.
_DECLARATIONS = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def _fields(element: ElementTree.Element) -> dict[str, Any]:
    return {child.tag: _fields(child) if len(child) else (child.text or "") for child in element}


def parse_xml(text: str | bytes) -> dict[str, Any]:
    """The fields of a `<xml>` document, a nested element as a dict (no DTD, no entities)."""
    raw = text.encode() if isinstance(text, str) else text
    if _DECLARATIONS.search(raw):
        raise MalformedPush("a document type or entity declaration")
    try:
        root = ElementTree.fromstring(raw)
    except ElementTree.ParseError as error:
        raise MalformedPush(f"not XML: {error}") from None
    if root.tag != "xml":
        raise MalformedPush("no <xml> root")
    return _fields(root)


def _text(fields: Mapping[str, Any], name: str) -> str:
    value = fields.get(name)
    return value if isinstance(value, str) else ""


def _number(text: str) -> float | None:
    try:
        return float(text) if text else None
    except ValueError:
        raise MalformedPush(f"not a number: {text[:20]!r}") from None


def inbound(fields: Mapping[str, Any]) -> InboundMessage:
    """The decrypted message's fields as an InboundMessage."""
    openid, account, kind = (
        _text(fields, key) for key in ("FromUserName", "ToUserName", "MsgType")
    )
    created = _text(fields, "CreateTime")
    msg_id = _text(fields, "MsgId") or _text(fields, "MsgID")
    if not (openid and account and kind and created.isdigit()):
        raise MalformedPush("FromUserName, ToUserName, MsgType or CreateTime missing")
    if msg_id and not msg_id.isdigit():
        raise MalformedPush("MsgId is not a number")
    event = _text(fields, "Event").lower()
    located: Mapping[str, Any] = fields
    if isinstance(fields.get("SendLocationInfo"), dict):  # a location_select event
        located = fields["SendLocationInfo"]
    if kind == "event" and event == "location":
        latitude, longitude = _text(fields, "Latitude"), _text(fields, "Longitude")
    else:
        latitude, longitude = _text(located, "Location_X"), _text(located, "Location_Y")
    return InboundMessage(
        openid=openid,
        account=account,
        kind=kind,
        created=int(created),
        msg_id=int(msg_id) if msg_id else None,
        text=_text(fields, "Content") or _text(fields, "Recognition"),
        event=event,
        event_key=_text(fields, "EventKey"),
        menu_choice=_text(fields, "bizmsgmenuid"),
        media_id=_text(fields, "MediaId"),
        pic_url=_text(fields, "PicUrl"),
        latitude=_number(latitude),
        longitude=_number(longitude),
        label=_text(located, "Label") or _text(located, "Poiname"),
        fields=fields,
    )


class Codec:
    """Checks and opens safe-mode pushes and seals passive replies, for one account."""

    def __init__(self, token: str, aes_key: str, app_id: str) -> None:
        self._token = token
        self._app_id = app_id
        self._aes = _Aes(WeChatCrypto(token, aes_key, app_id).key)

    def url_verified(self, given: str, timestamp: str, nonce: str) -> bool:
        """WeChat's GET check of the server URL (and the plain signature of every push)."""
        return _same(given, signature(self._token, timestamp, nonce))

    def open(self, body: bytes, msg_signature: str, timestamp: str, nonce: str) -> InboundMessage:
        """The push's message, once its signature (over the ciphertext) holds."""
        encrypted = _text(parse_xml(body), "Encrypt")
        if not encrypted:
            raise MalformedPush("no <Encrypt>: the account is not in safe mode")
        if not _same(msg_signature, signature(self._token, timestamp, nonce, encrypted)):
            raise ForgedSignature("msg_signature does not match")
        try:
            plain = self._aes.decrypt(encrypted, self._app_id)
        except InvalidAppIdException:
            raise ForgedSignature("encrypted for another AppID") from None
        except (ValueError, IndexError, struct.error, binascii.Error) as error:
            raise MalformedPush(f"cannot decrypt: {type(error).__name__}") from None
        return inbound(parse_xml(plain))

    def seal(
        self, reply: TextReply | ImageReply, to: InboundMessage, created: int, nonce: str = ""
    ) -> str:
        """The passive reply to `to`, encrypted and signed."""
        fields = {"source": to.account, "target": to.openid, "time": created}
        if isinstance(reply, TextReply):
            # A CDATA section ends at the first ]]>: split it there.
            text = reply.text.replace("]]>", "]]]]><![CDATA[>")
            xml = WeChatTextReply(content=text, **fields).render()
        else:
            xml = WeChatImageReply(media_id=reply.media_id, **fields).render()
        # What wechatpy's encrypt_message does, with the cipher made once rather than per reply.
        encrypted = self._aes.encrypt(xml, self._app_id).decode()
        nonce = nonce or secrets.token_hex(8)
        mark = signature(self._token, str(created), nonce, encrypted)
        return _SEALED.format(encrypted=encrypted, signature=mark, timestamp=created, nonce=nonce)

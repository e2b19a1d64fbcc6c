"""The `[wechat]` table: the Official Account's credentials, endpoint, menu and templates
(see the README's WeChat section). Kept apart from bot/config.py, which holds the rest."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from bot.config_tables import Table, check_key

_WECHAT_TOKEN = re.compile(r"^[A-Za-z0-9]{3,32}$")
_WECHAT_AES_KEY = re.compile(r"^[A-Za-z0-9]{43}$")
_WECHAT_APP_ID = re.compile(r"^wx[A-Za-z0-9]{8,32}$")
_TEMPLATE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class WeChatMenuButton(Table):
    """One button of the custom menu: a `click` (WeChat sends its key as an event), a `view`
    (opens the url), a `location_select` (asks for a location and sends its key), or a group
    of up to five sub-buttons under a name (no type)."""

    name: str = Field(min_length=1)
    type: Literal["click", "view", "location_select"] | None = None
    key: str = Field(default="", max_length=128)
    url: str = Field(default="", max_length=1024)
    sub: list[WeChatMenuButton] = Field(default_factory=list, max_length=5)

    @model_validator(mode="after")
    def _complete(self) -> WeChatMenuButton:
        if len(self.name.encode()) > 60:
            raise ValueError(f"{self.name!r}: a button name is at most 60 bytes")
        if self.sub:
            if self.type is not None or self.key or self.url:
                raise ValueError(f"{self.name!r}: a button with sub-buttons has no type of its own")
            if any(button.sub for button in self.sub):
                raise ValueError(f"{self.name!r}: sub-buttons have no sub-buttons")
        elif self.type is None:
            raise ValueError(f"{self.name!r}: give a type (click, view, location_select) or sub")
        elif self.type == "view" and not self.url.startswith(("http://", "https://")):
            raise ValueError(f"{self.name!r}: a view button needs an http(s) url")
        elif self.type != "view" and not self.key:
            raise ValueError(f"{self.name!r}: a {self.type} button needs a key")
        return self


class WeChatConfig(Table):
    """The WeChat Official Account channel (服务号), in safe mode (安全模式) only: in plaintext
    and compatible mode WeChat's signature does not cover the message, so it could be forged."""

    enabled: bool = False
    app_id: str = ""
    app_secret: SecretStr = SecretStr("")
    token: SecretStr = SecretStr("")  # the server token (令牌) set in the account's settings
    aes_key: SecretStr = SecretStr("")  # EncodingAESKey (消息加解密密钥), 43 characters
    listen: str = "127.0.0.1:8080"  # host:port the endpoint binds (behind the HTTPS proxy)
    path: str = "/wechat"  # the endpoint's path: the server URL is https://<host><path>
    api_base: str = "https://api.weixin.qq.com"
    # The endpoint's public address as people reach it (the HTTPS proxy's), e.g.
    # "https://bot.example.org": download links (a certificate's PDF) start with it. Empty: no
    # links are offered (the certificate still comes as a picture).
    public_url: str = ""
    # A handler's answer this quick goes back as the passive reply; a slower one is sent as a
    # customer-service message once ready (WeChat waits 5 s for the reply, then retries).
    reply_budget_seconds: float = Field(default=4.0, gt=0, le=4.5)
    max_body_bytes: int = Field(default=64 * 1024, ge=1024, le=1024 * 1024)
    # A push signed longer ago (or further ahead) than this is refused as a replay; message ids
    # are remembered for this long, up to `seen_messages` of them.
    replay_window_seconds: int = Field(default=300, ge=30, le=3600)
    seen_messages: int = Field(default=20_000, ge=100, le=1_000_000)
    concurrent_handlers: int = Field(default=8, ge=1, le=256)
    request_timeout_seconds: float = Field(default=10, gt=0, le=120)
    # Template message ids (applied for in the account's console) by notice kind.
    templates: dict[str, str] = Field(default_factory=dict)
    # The custom menu (自定义菜单), created at start-up: at most 3 buttons of at most 5 each.
    menu: list[WeChatMenuButton] = Field(default_factory=list, max_length=3)

    @field_validator("api_base")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        if value and not re.match(r"^https?://[^/?#\s]+(/[^?#\s]*)?$", value):
            raise ValueError("must be a public address like 'https://bot.example.org'")
        return value.rstrip("/")

    @field_validator("path")
    @classmethod
    def _absolute_path(cls, value: str) -> str:
        if not re.match(r"^/[A-Za-z0-9/_-]*$", value):
            raise ValueError("must be a path like '/wechat'")
        return value

    @field_validator("listen")
    @classmethod
    def _host_port(cls, value: str) -> str:
        host, _, port = value.rpartition(":")
        if not host or not port.isdigit() or int(port) > 65535:  # 0: any free port
            raise ValueError(f"{value!r} is not host:port, e.g. '127.0.0.1:8080'")
        return value

    @field_validator("templates")
    @classmethod
    def _template_ids(cls, value: dict[str, str]) -> dict[str, str]:
        for kind, template_id in value.items():
            check_key(kind)
            if not _TEMPLATE_ID.match(template_id):
                raise ValueError(f"{kind}: {template_id!r} is not a template id")
        return value

    @field_validator("menu")
    @classmethod
    def _short_top_names(cls, value: list[WeChatMenuButton]) -> list[WeChatMenuButton]:
        for button in value:
            if len(button.name.encode()) > 16:
                raise ValueError(f"{button.name!r}: a top button name is at most 16 bytes")
        return value

    @model_validator(mode="after")
    def _credentials(self) -> WeChatConfig:
        if self.app_id and not _WECHAT_APP_ID.match(self.app_id):
            raise ValueError(f"app_id {self.app_id!r} is not an AppID like 'wx0123456789abcdef'")
        token, aes_key = self.token.get_secret_value(), self.aes_key.get_secret_value()
        if token and not _WECHAT_TOKEN.match(token):
            raise ValueError("token must be 3-32 letters or digits")
        if aes_key and not _WECHAT_AES_KEY.match(aes_key):
            raise ValueError("aes_key must be the 43 letters and digits of the EncodingAESKey")
        if self.enabled:
            missing = [
                name
                for name, given in (
                    ("app_id", self.app_id),
                    ("app_secret", self.app_secret.get_secret_value()),
                    ("token", token),
                    ("aes_key", aes_key),
                )
                if not given
            ]
            if missing:
                raise ValueError(f"enabled needs {', '.join(missing)}")
        return self

    @property
    def host(self) -> str:
        return self.listen.rpartition(":")[0].strip("[]")

    @property
    def port(self) -> int:
        return int(self.listen.rpartition(":")[2])

    def secrets(self) -> list[str]:
        """What logs must never show."""
        values = (self.app_secret, self.token, self.aes_key)
        return [value.get_secret_value() for value in values if value.get_secret_value()]

"""Configuration: one pydantic model per TOML table, overridable from the environment.

Precedence (highest first): `VOLUNTEER_BOT__SECTION__KEY` variables, `VOLUNTEER_BOT_TOKEN`
for the token, the TOML file, the defaults below.

Over 400 lines because it is the one place every setting is declared, with its default,
limits and meaning; each table is a small model, read top to bottom like config.example.toml.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from datetime import time, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

ENV_PREFIX = "VOLUNTEER_BOT__"
TOKEN_ENV = "VOLUNTEER_BOT_TOKEN"
CONFIG_ENV = "VOLUNTEER_BOT_CONFIG"

_DURATION = re.compile(r"^\s*(\d+)\s*([dhm])\s*$")
_TEAM_KEY = re.compile(r"^[a-z][a-z0-9_]{1,31}$")
MAX_ACTIVITY_LENGTH = timedelta(days=7)  # the most `activities.max_length` may be


class ConfigError(Exception):
    """The configuration cannot be used; the message names the key and the problem."""


def parse_duration(text: str) -> timedelta:
    """Parse `24h`, `90m` or `2d` into a timedelta."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a duration like '24h', '90m' or '1d'")
    amount, unit = int(match.group(1)), match.group(2)
    delta = {"d": timedelta(days=amount), "h": timedelta(hours=amount)}.get(
        unit, timedelta(minutes=amount)
    )
    if delta <= timedelta(0):
        raise ValueError(f"{text!r} must be longer than zero")
    return delta


def _check_key(value: str) -> str:
    """Team and category keys: stable identifiers that also go into callback data."""
    if not _TEAM_KEY.match(value):
        raise ValueError("must be 2-32 lowercase letters, digits or '_', starting with a letter")
    return value


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TelegramConfig(_Table):
    token: SecretStr = SecretStr("")
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    poll_timeout: int = Field(default=30, ge=0, le=60)
    concurrent_updates: int = Field(default=8, ge=1, le=256)

    @field_validator("base_url", "base_file_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value


class StorageConfig(_Table):
    path: Path = Path("data/volunteer-bot.sqlite3")
    busy_timeout_ms: int = Field(default=5000, ge=0, le=600_000)


class OrgConfig(_Table):
    name: str = Field(default="鹤山市志愿者联合会", min_length=1, max_length=100)
    timezone: str = "Asia/Shanghai"
    default_language: Literal["zh", "en"] = "zh"
    admins: list[int] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (example: 'Asia/Shanghai')") from exc
        return value

    @field_validator("admins")
    @classmethod
    def _positive_ids(cls, value: list[int]) -> list[int]:
        if any(admin <= 0 for admin in value):
            raise ValueError("Telegram user ids are positive integers")
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class TeamConfig(_Table):
    key: str
    name_zh: str = Field(min_length=1, max_length=60)
    name_en: str = Field(min_length=1, max_length=60)

    _key_shape = field_validator("key")(_check_key)


class RemindersConfig(_Table):
    offsets: list[str] = Field(default_factory=lambda: ["24h", "2h"])

    @field_validator("offsets")
    @classmethod
    def _durations(cls, value: list[str]) -> list[str]:
        for item in value:
            parse_duration(item)
        return value

    @property
    def deltas(self) -> list[timedelta]:
        return [parse_duration(item) for item in self.offsets]


class CategoryConfig(_Table):
    key: str
    name_zh: str = Field(min_length=1, max_length=30)
    name_en: str = Field(min_length=1, max_length=40)

    _key_shape = field_validator("key")(_check_key)


def _default_categories() -> list[CategoryConfig]:
    names = [
        ("traffic", "文明交通", "Civility traffic"),
        ("blood", "无偿献血", "Blood donation"),
        ("charity", "慈善帮扶", "Charity"),
        ("environment", "环境清洁", "Environment and cleaning"),
        ("publicity", "宣传", "Publicity"),
        ("elderly", "敬老助老", "Elderly care"),
        ("tourism_dining", "文明旅游与餐桌", "Tourism and dining"),
    ]
    return [CategoryConfig(key=k, name_zh=zh, name_en=en) for k, zh, en in names]


class ActivitiesConfig(_Table):
    cancel_cutoff: str = "24h"
    # The longest an activity may last; a multi-day event is several activities.
    max_length: str = "24h"
    categories: list[CategoryConfig] = Field(default_factory=_default_categories, min_length=1)

    @field_validator("cancel_cutoff")
    @classmethod
    def _duration(cls, value: str) -> str:
        parse_duration(value)
        return value

    @field_validator("max_length")
    @classmethod
    def _bounded_length(cls, value: str) -> str:
        if parse_duration(value) > MAX_ACTIVITY_LENGTH:
            raise ValueError(
                f"{value!r} is longer than 7d; a multi-day event is several activities"
            )
        return value

    @property
    def cutoff(self) -> timedelta:
        return parse_duration(self.cancel_cutoff)

    @property
    def longest(self) -> timedelta:
        return parse_duration(self.max_length)


class HoursConfig(_Table):
    """Check-in, the credit rule, attendance sheets and star levels."""

    checkin_radius_m: int = Field(default=300, ge=10, le=10_000)
    checkin_opens_minutes: int = Field(default=30, ge=0, le=24 * 60)
    checkout_grace_minutes: int = Field(default=30, ge=0, le=24 * 60)
    code_minutes: int = Field(default=5, ge=1, le=120)
    daily_review_hours: float = Field(default=8, gt=0, le=24)
    min_presence_share: float | None = Field(default=None, gt=0, le=1)
    star_hours: list[int] = Field(default_factory=lambda: [100, 300, 600, 1000, 1500])
    sheet_reminder_days: int = Field(default=3, ge=1, le=60)
    escalation_working_days: int = Field(default=10, ge=1, le=120)

    @field_validator("star_hours")
    @classmethod
    def _increasing(cls, value: list[int]) -> list[int]:
        if not value or value[0] <= 0 or any(b <= a for a, b in pairwise(value)):
            raise ValueError("star_hours must be positive and increasing, e.g. [100, 300, 600]")
        return value


class LeaderboardConfig(_Table):
    """Leaderboards and the weekly posts."""

    top: int = Field(default=10, ge=3, le=25)
    weekly_post_weekday: int = Field(default=0, ge=0, le=6)  # 0 is Monday
    weekly_post_time: str = "09:00"

    @field_validator("weekly_post_time")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        try:
            time.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a time like '09:00'") from None
        return value

    @property
    def post_time(self) -> time:
        return time.fromisoformat(self.weekly_post_time)


class WishesConfig(_Table):
    """Micro-wishes (微心愿, /wishes)."""

    open_claims: int = Field(default=3, ge=1, le=50)  # wishes one person holds undelivered
    default_minutes: int = Field(default=60, ge=1, le=24 * 60)  # offered at delivery
    max_minutes: int = Field(default=240, ge=1, le=24 * 60)  # the most one wish credits

    @model_validator(mode="after")
    def _default_within_max(self) -> WishesConfig:
        if self.default_minutes > self.max_minutes:
            raise ValueError("default_minutes must not be above max_minutes")
        return self


class FloodConfig(_Table):
    max_updates: int = Field(default=20, ge=1)
    window_seconds: float = Field(default=10.0, gt=0)
    mute_seconds: float = Field(default=60.0, gt=0)


class SendingConfig(_Table):
    """Telegram's limits (about 30 messages/s overall, 1/s per private chat, 20/min per group)
    and how the outbox retries."""

    global_per_second: int = Field(default=30, ge=1, le=1000)
    private_per_second: float = Field(default=1, gt=0, le=100)
    # Replies to a person's own action may come this many at once before the per-chat pace;
    # queued messages (notices, reminders, broadcasts) keep the pace without a burst.
    private_burst: int = Field(default=5, ge=1, le=100)
    group_messages: int = Field(default=20, ge=1, le=1000)
    group_window_seconds: float = Field(default=60, gt=0, le=3600)
    in_flight: int = Field(default=32, ge=1, le=1000)
    max_attempts: int = Field(default=5, ge=1, le=100)
    retry_base_seconds: float = Field(default=2, gt=0, le=600)
    progress_interval_seconds: float = Field(default=3, gt=0, le=60)
    # Broadcasts with the Bot API's allow_paid_broadcast: up to 1,000 messages/s, for a fee
    # in Telegram Stars per message, outside the free 30/s.
    paid_broadcast: bool = False
    # A row `sending` this long with no delivery running for it goes back to pending.
    stuck_seconds: float = Field(default=120, gt=0, le=86400)


class LoggingConfig(_Table):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class RetentionConfig(_Table):
    """How long messages, broadcast bodies and generated files are kept (a daily job)."""

    outbox_days: int = Field(default=30, ge=1, le=3650)  # finished outbox rows, then deleted
    files_days: int = Field(default=14, ge=1, le=3650)  # chart files, then deleted
    broadcast_days: int = Field(default=90, ge=1, le=3650)  # broadcast bodies, then blanked


class BackupConfig(_Table):
    """Nightly copies of the database (`volunteer-bot backup` makes one at any time)."""

    dir: Path | None = None  # default: a `backups` folder beside the database
    keep: int = Field(default=7, ge=1, le=3650)  # the newest this many are kept
    nightly_at: str = "03:30"  # the nightly copy is made at or after this time (org time)

    @field_validator("nightly_at")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        try:
            time.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a time like '03:30'") from None
        return value

    def folder(self, storage: StorageConfig) -> Path:
        return self.dir if self.dir is not None else storage.path.parent / "backups"

    @property
    def nightly_time(self) -> time:
        return time.fromisoformat(self.nightly_at)


class NeedConfig(_Table):
    """One kind of need a household may have (a key people never see, and its names)."""

    key: str
    name_zh: str = Field(min_length=1, max_length=20)
    name_en: str = Field(min_length=1, max_length=40)

    _key_shape = field_validator("key")(_check_key)

    def name(self, language: str) -> str:
        return self.name_zh if language == "zh" else self.name_en


def _default_needs() -> list[NeedConfig]:
    names = [
        ("elderly_alone", "独居老人", "Elderly living alone"),
        ("disability", "残疾人", "Disability"),
        ("poverty", "困难帮扶", "Poverty relief"),
        ("left_behind_children", "留守儿童", "Left-behind children"),
    ]
    return [NeedConfig(key=k, name_zh=zh, name_en=en) for k, zh, en in names]


class HouseholdsConfig(_Table):
    """Household pairing (千名义工助千户): the needs list, visits and coverage."""

    needs: list[NeedConfig] = Field(default_factory=_default_needs, min_length=1, max_length=12)
    cadence_days: int = Field(default=30, ge=1, le=365)  # a new household's visit cadence
    max_per_volunteer: int = Field(default=5, ge=1, le=50)  # households paired with one person
    radius_m: int = Field(default=300, ge=10, le=10_000)  # a pinned household's default radius
    max_visit_minutes: int = Field(default=240, ge=30, le=24 * 60)
    nudge_every_days: int = Field(default=7, ge=1, le=60)  # nudges after the first, while due
    overdue_days: int = Field(default=30, ge=1, le=365)  # /coverage: "overdue by more than"
    # Nudges go out, and the monthly coverage report on the first working day, at or after
    # this time of day (organisation time).
    notify_time: str = "09:00"

    @field_validator("needs")
    @classmethod
    def _unique_needs(cls, value: list[NeedConfig]) -> list[NeedConfig]:
        keys = [need.key for need in value]
        if len(set(keys)) != len(keys):
            raise ValueError("need keys must be unique")
        return value

    @field_validator("notify_time")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        try:
            time.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a time like '09:00'") from None
        return value

    @property
    def notify_at(self) -> time:
        return time.fromisoformat(self.notify_time)

    @property
    def need_keys(self) -> tuple[str, ...]:
        return tuple(need.key for need in self.needs)

    def need_names(self, language: str, keys: Sequence[str]) -> list[str]:
        """The needs' names in the reader's language (a key no longer configured as itself)."""
        names = {need.key: need.name(language) for need in self.needs}
        return [names.get(key, key) for key in keys]


_WECHAT_TOKEN = re.compile(r"^[A-Za-z0-9]{3,32}$")
_WECHAT_AES_KEY = re.compile(r"^[A-Za-z0-9]{43}$")
_WECHAT_APP_ID = re.compile(r"^wx[A-Za-z0-9]{8,32}$")
_TEMPLATE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class WeChatMenuButton(_Table):
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


class WeChatConfig(_Table):
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
            _check_key(kind)
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


class _TokenEnvSource(PydanticBaseSettingsSource):
    """Reads the conventional `VOLUNTEER_BOT_TOKEN` variable into `telegram.token`."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        super().__init__(settings_cls)
        self._environ = environ

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        token = self._environ.get(TOKEN_ENV, "")
        return {"telegram": {"token": token}} if token else {}


class Config(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
    )

    telegram: TelegramConfig = Field(default_factory=TelegramConfig)
    storage: StorageConfig = Field(default_factory=StorageConfig)
    org: OrgConfig = Field(default_factory=OrgConfig)
    teams: list[TeamConfig] = Field(default_factory=list)
    reminders: RemindersConfig = Field(default_factory=RemindersConfig)
    activities: ActivitiesConfig = Field(default_factory=ActivitiesConfig)
    hours: HoursConfig = Field(default_factory=HoursConfig)
    leaderboard: LeaderboardConfig = Field(default_factory=LeaderboardConfig)
    wishes: WishesConfig = Field(default_factory=WishesConfig)
    flood: FloodConfig = Field(default_factory=FloodConfig)
    sending: SendingConfig = Field(default_factory=SendingConfig)
    logging: LoggingConfig = Field(default_factory=LoggingConfig)
    retention: RetentionConfig = Field(default_factory=RetentionConfig)
    backup: BackupConfig = Field(default_factory=BackupConfig)
    households: HouseholdsConfig = Field(default_factory=HouseholdsConfig)
    wechat: WeChatConfig = Field(default_factory=WeChatConfig)

    @field_validator("teams")
    @classmethod
    def _unique_keys(cls, value: list[TeamConfig]) -> list[TeamConfig]:
        keys = [team.key for team in value]
        duplicates = sorted({key for key in keys if keys.count(key) > 1})
        if duplicates:
            raise ValueError(f"duplicate team keys: {', '.join(duplicates)}")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return env_settings, _TokenEnvSource(settings_cls, os.environ), init_settings


def _describe(error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"]) or "(top level)"
        lines.append(f"config key '{key}': {item['msg']}")
    return "\n".join(lines)


def config_path(cli_path: str | None) -> Path | None:
    """The config file chosen by `--config`, else `VOLUNTEER_BOT_CONFIG`, else none."""
    chosen = cli_path or os.environ.get(CONFIG_ENV)
    return Path(chosen) if chosen else None


def load_config(path: Path | None) -> Config:
    """Load and validate the configuration, raising ConfigError with the offending key."""
    data: dict[str, Any] = {}
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(f"config file {path} does not exist") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc
    try:
        return Config(**data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None

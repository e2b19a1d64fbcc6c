"""Configuration: one pydantic model per TOML table, overridable from the environment.

Precedence (highest first): `VOLUNTEER_BOT__SECTION__KEY` variables, `VOLUNTEER_BOT_TOKEN`
for the token, the TOML file, the defaults below.

Over 400 lines because it is the one place every setting is declared, with its default,
limits and meaning; each table is a small model, read top to bottom like config.example.toml.
The `[wechat]` table is bot/config_wechat.py; the tables' shared base is bot/config_tables.py.
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
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from bot.config_tables import Table, check_clock_time, check_key
from bot.config_wechat import WeChatConfig

ENV_PREFIX = "VOLUNTEER_BOT__"
TOKEN_ENV = "VOLUNTEER_BOT_TOKEN"
CONFIG_ENV = "VOLUNTEER_BOT_CONFIG"

_DURATION = re.compile(r"^\s*(\d+)\s*([dhm])\s*$")
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


class TelegramConfig(Table):
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


class StorageConfig(Table):
    path: Path = Path("data/volunteer-bot.sqlite3")
    busy_timeout_ms: int = Field(default=5000, ge=0, le=600_000)


class OrgConfig(Table):
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


class TeamConfig(Table):
    key: str
    name_zh: str = Field(min_length=1, max_length=60)
    name_en: str = Field(min_length=1, max_length=60)

    _key_shape = field_validator("key")(check_key)


class RemindersConfig(Table):
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


class CategoryConfig(Table):
    key: str
    name_zh: str = Field(min_length=1, max_length=30)
    name_en: str = Field(min_length=1, max_length=40)

    _key_shape = field_validator("key")(check_key)


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


class ActivitiesConfig(Table):
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


class HoursConfig(Table):
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


class LeaderboardConfig(Table):
    """Leaderboards and the weekly posts."""

    top: int = Field(default=10, ge=3, le=25)
    weekly_post_weekday: int = Field(default=0, ge=0, le=6)  # 0 is Monday
    weekly_post_time: str = "09:00"

    _clock_time = field_validator("weekly_post_time")(check_clock_time)

    @property
    def post_time(self) -> time:
        return time.fromisoformat(self.weekly_post_time)


class WishesConfig(Table):
    """Micro-wishes (微心愿, /wishes)."""

    open_claims: int = Field(default=3, ge=1, le=50)  # wishes one person holds undelivered
    default_minutes: int = Field(default=60, ge=1, le=24 * 60)  # offered at delivery
    max_minutes: int = Field(default=240, ge=1, le=24 * 60)  # the most one wish credits

    @model_validator(mode="after")
    def _default_within_max(self) -> WishesConfig:
        if self.default_minutes > self.max_minutes:
            raise ValueError("default_minutes must not be above max_minutes")
        return self


class FloodConfig(Table):
    max_updates: int = Field(default=20, ge=1)
    window_seconds: float = Field(default=10.0, gt=0)
    mute_seconds: float = Field(default=60.0, gt=0)


class SendingConfig(Table):
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


class LoggingConfig(Table):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class RetentionConfig(Table):
    """How long messages, broadcast bodies and generated files are kept (a daily job)."""

    outbox_days: int = Field(default=30, ge=1, le=3650)  # finished outbox rows, then deleted
    files_days: int = Field(default=14, ge=1, le=3650)  # chart files, then deleted
    broadcast_days: int = Field(default=90, ge=1, le=3650)  # broadcast bodies, then blanked


class BackupConfig(Table):
    """Nightly copies of the database (`volunteer-bot backup` makes one at any time)."""

    dir: Path | None = None  # default: a `backups` folder beside the database
    keep: int = Field(default=7, ge=1, le=3650)  # the newest this many are kept
    nightly_at: str = "03:30"  # the nightly copy is made at or after this time (org time)

    _clock_time = field_validator("nightly_at")(check_clock_time)

    def folder(self, storage: StorageConfig) -> Path:
        return self.dir if self.dir is not None else storage.path.parent / "backups"

    @property
    def nightly_time(self) -> time:
        return time.fromisoformat(self.nightly_at)


class NeedConfig(Table):
    """One kind of need a household may have (a key people never see, and its names)."""

    key: str
    name_zh: str = Field(min_length=1, max_length=20)
    name_en: str = Field(min_length=1, max_length=40)

    _key_shape = field_validator("key")(check_key)

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


class HouseholdsConfig(Table):
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

    _clock_time = field_validator("notify_time")(check_clock_time)

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

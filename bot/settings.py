"""Settings: read once from a TOML file (plus secret overrides from the environment) into frozen dataclasses.

Every problem is reported as one ``ConfigError`` naming the key and what is wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from feeds.models import FeedSpec

DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_USER_AGENT = "Wirewatch/0.1 (+https://github.com/wirewatch/wirewatch)"
DEFAULT_WEBHOOK_LISTEN = ("127.0.0.1", 8443)


class ConfigError(Exception):
    """The configuration is unusable; the message names the key and the problem."""


@dataclass(frozen=True, slots=True)
class DatabaseSettings:
    url: str = "sqlite:///wirewatch.db"


@dataclass(frozen=True, slots=True)
class PollingSettings:
    interval_seconds: int = 300
    tick_seconds: int = 15
    concurrency: int = 20
    per_host_concurrency: int = 4
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_timeout: float = 60.0
    max_body_bytes: int = 10_000_000
    max_redirects: int = 5
    user_agent: str = DEFAULT_USER_AGENT
    story_window_hours: int = 72
    allowed_ports: frozenset[int] = frozenset()  # for feeds not from the config, besides 80 and 443
    allow_private_networks: bool = False  # lifts the guard's address check (not the scheme and port rules)
    parse_workers: int = 0  # processes parsing feeds; 0 = one per CPU core


@dataclass(frozen=True, slots=True)
class TelegramSettings:
    token: str | None = None
    api_base_url: str = DEFAULT_API_BASE_URL
    admins: frozenset[int] = frozenset()
    allowed_chats: frozenset[int] = frozenset()
    feed_adders: str = "admins"  # who may add feeds from chat: "admins" or "everyone"
    max_feeds_per_chat: int = 20
    webhook_url: str | None = None  # set: webhook mode (every bot process serves it); None: long polling
    webhook_listen: tuple[str, int] = DEFAULT_WEBHOOK_LISTEN
    webhook_secret: str | None = field(default=None, repr=False)  # X-Telegram-Bot-Api-Secret-Token


@dataclass(frozen=True, slots=True)
class DeliverySettings:
    global_per_second: float = 28.0
    private_per_second: float = 1.0
    private_burst: int = 3
    group_per_minute: float = 20.0
    group_threshold: int = 5


LOOPBACK_NETWORKS = ("127.0.0.0/8", "::1/128")


@dataclass(frozen=True, slots=True)
class MetricsSettings:
    """The ops server (``/metrics``, ``/healthz``, ``/readyz``): off unless ``listen`` is set."""

    listen: tuple[str, int] | None = None
    allowed_networks: tuple[str, ...] = LOOPBACK_NETWORKS
    username: str | None = None
    password: str | None = None


@dataclass(frozen=True, slots=True)
class LoggingSettings:
    """Log line format: ``text`` (human-readable, the default) or ``json`` (one object per line)."""

    format: str = "text"


@dataclass(frozen=True, slots=True)
class StorageSettings:
    keep_items_seconds: int = 365 * 86400  # releases first seen longer ago are pruned daily


@dataclass(frozen=True, slots=True)
class ChatSettings:
    default_language: str = "en"  # "en", "zh-Hans" or "zh-Hant": for chats and senders without a choice
    default_timezone: str = "UTC"  # IANA zone of chats that have not chosen one with /tz


@dataclass(frozen=True, slots=True)
class WorkersSettings:
    lease_seconds: int = 30  # a claim's lease: a dead worker's outbox rows are taken over after it


@dataclass(frozen=True, slots=True)
class Settings:
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    polling: PollingSettings = field(default_factory=PollingSettings)
    telegram: TelegramSettings = field(default_factory=TelegramSettings)
    delivery: DeliverySettings = field(default_factory=DeliverySettings)
    metrics: MetricsSettings = field(default_factory=MetricsSettings)
    logging: LoggingSettings = field(default_factory=LoggingSettings)
    storage: StorageSettings = field(default_factory=StorageSettings)
    chat: ChatSettings = field(default_factory=ChatSettings)
    workers: WorkersSettings = field(default_factory=WorkersSettings)
    feeds: tuple[FeedSpec, ...] = ()
    source: Path | None = None


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d)?\s*$", re.IGNORECASE)
_UNIT_SECONDS = {None: 1, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}
DAY = 86400
MAX_INTERVAL = 30 * DAY


def shown(value: object, limit: int = 40) -> str:
    """A value as an error message quotes it: its repr, shortened."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe_seconds(seconds: int) -> str:
    """``86400`` -> ``"1 day"``, ``7200`` -> ``"2 hours"``, ``90`` -> ``"90 seconds"``."""
    for size, unit in ((DAY, "day"), (3600, "hour"), (60, "minute"), (1, "second")):
        if seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    raise AssertionError("unreachable: every whole number of seconds is a multiple of 1")


def parse_duration(value: object, key: str, *, low: int = 1, high: int = MAX_INTERVAL) -> int:
    """Integer seconds, or a string like ``"90s"``, ``"5m"``, ``"1h"``; from ``low`` to ``high`` seconds."""
    seconds: float
    if isinstance(value, bool):
        raise ConfigError(f'{key}: expected seconds or a duration like "5m", got {shown(value)}')
    if isinstance(value, int | float):
        seconds = value
    elif isinstance(value, str) and (m := _DURATION.match(value)):
        unit = m.group(2).lower() if m.group(2) else None
        seconds = float(m.group(1)) * _UNIT_SECONDS[unit]
    else:
        raise ConfigError(f'{key}: expected seconds or a duration like "5m", got {shown(value)}')
    if not low <= seconds <= high:  # NaN compares false: refused too
        raise ConfigError(
            f"{key}: must be from {describe_seconds(low)} to {describe_seconds(high)}, got {shown(value)}"
        )
    return int(seconds)

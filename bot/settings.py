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


@dataclass(frozen=True, slots=True)
class TelegramSettings:
    token: str | None = None
    api_base_url: str = DEFAULT_API_BASE_URL
    admins: frozenset[int] = frozenset()
    allowed_chats: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class DeliverySettings:
    global_per_second: float = 28.0
    private_per_second: float = 1.0
    private_burst: int = 3
    group_per_minute: float = 20.0
    group_threshold: int = 5


@dataclass(frozen=True, slots=True)
class ChatSettings:
    default_timezone: str = "UTC"  # IANA zone of chats that have not chosen one with /tz


@dataclass(frozen=True, slots=True)
class Settings:
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    polling: PollingSettings = field(default_factory=PollingSettings)
    telegram: TelegramSettings = field(default_factory=TelegramSettings)
    delivery: DeliverySettings = field(default_factory=DeliverySettings)
    chat: ChatSettings = field(default_factory=ChatSettings)
    feeds: tuple[FeedSpec, ...] = ()
    source: Path | None = None


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d)?\s*$", re.IGNORECASE)
_UNIT_SECONDS = {None: 1, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}


def parse_duration(value: object, key: str) -> int:
    """Integer seconds, or a string like ``"90s"``, ``"5m"``, ``"1h"``; at least 1 second."""
    if isinstance(value, bool):
        raise ConfigError(f'{key}: expected seconds or a duration like "5m", got {value!r}')
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and (m := _DURATION.match(value)):
        unit = m.group(2).lower() if m.group(2) else None
        seconds = float(m.group(1)) * _UNIT_SECONDS[unit]
    else:
        raise ConfigError(f'{key}: expected seconds or a duration like "5m", got {value!r}')
    if seconds < 1:
        raise ConfigError(f"{key}: must be at least 1 second, got {value!r}")
    return int(seconds)

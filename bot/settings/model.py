"""The settings, as frozen dataclasses; each key's default, range (its parser) and help declared once.

A field declared with ``setting(...)`` is a config key: ``[section] key = value`` in the TOML file, named
after the field unless ``key=`` says otherwise. The fetch defaults are the fetch module's own
(``feeds.fetch.FetchLimits``), not a second copy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bot.settings.values as v
from feeds.fetch import FetchLimits
from feeds.models import FeedSpec

DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_WEBHOOK_LISTEN = ("127.0.0.1", 8443)
LOOPBACK_NETWORKS = ("127.0.0.0/8", "::1/128")
MAX_TICK = 3600
MAX_STORY_WINDOW = 30 * 86400
FETCH = FetchLimits()


def setting(default: Any, parse: v.Parser, help: str, *, key: str | None = None, secret: bool = False) -> Any:
    """A config key: its default, its parser (which holds its range) and its help, in one place."""
    return field(default=default, repr=not secret, metadata={"parse": parse, "help": help, "key": key})


@dataclass(frozen=True, slots=True)
class DatabaseSettings:
    url: str = setting("sqlite:///wirewatch.db", v.string, "SQLite file or postgresql+psycopg://… URL")


@dataclass(frozen=True, slots=True)
class PollingSettings:
    interval_seconds: int = setting(
        300, v.duration(1, v.MAX_INTERVAL), "default interval of a feed", key="interval"
    )
    tick_seconds: int = setting(
        15,
        v.duration(1, MAX_TICK),
        "ignored, accepted so older config files load: every command polls each feed when it is due",
        key="tick",
    )
    concurrency: int = setting(FETCH.concurrency, v.whole(1, 1000), "feeds fetched at once")
    per_host_concurrency: int = setting(
        FETCH.per_host_concurrency, v.whole(1, 100), "feeds fetched at once from one host"
    )
    connect_timeout: float = setting(FETCH.connect_timeout, v.positive(300), "seconds to connect")
    read_timeout: float = setting(FETCH.read_timeout, v.positive(600), "seconds between reads")
    total_timeout: float = setting(FETCH.total_timeout, v.positive(3600), "seconds for a whole fetch")
    max_body_bytes: int = setting(
        FETCH.max_body_bytes, v.whole(1, 1_000_000_000), "larger answers are refused"
    )
    max_redirects: int = setting(FETCH.max_redirects, v.whole(1, 20), "redirect hops before giving up")
    user_agent: str = setting(FETCH.user_agent, v.header_value, "the User-Agent sent to feeds")
    story_window_hours: int = setting(
        72,
        v.hours(MAX_STORY_WINDOW),
        "how far apart two wires' copies of a release still count as one story",
        key="story_window",
    )
    allowed_ports: frozenset[int] = setting(
        frozenset(), v.port_set, "ports that feeds not from the config may use, besides 80 and 443"
    )
    allow_private_networks: bool = setting(
        False, v.boolean, "lifts the guard's address check for feeds not from the config"
    )
    parse_workers: int = setting(0, v.whole(0, 64), "processes parsing feeds; 0 = one per CPU core")


@dataclass(frozen=True, slots=True)
class TelegramSettings:
    token: str | None = setting(None, v.optional_string, "bot token", secret=True)
    api_base_url: str = setting(DEFAULT_API_BASE_URL, v.http_url, "Bot API endpoint")
    admins: frozenset[int] = setting(frozenset(), v.id_set, "user ids allowed to use /feeds")
    allowed_chats: frozenset[int] = setting(frozenset(), v.id_set, "chat ids allowed; empty = anyone")
    feed_adders: str = setting("admins", v.one_of("admins", "everyone"), "who may add feeds from chat")
    max_feeds_per_chat: int = setting(20, v.whole(1, 10_000), "feeds one chat may add")
    webhook_url: str | None = setting(None, v.http_url, "set: webhook mode; absent: long polling")
    webhook_listen: tuple[str, int] = setting(
        DEFAULT_WEBHOOK_LISTEN, v.listen, '"host:port" where each bot process serves the webhook'
    )
    webhook_secret: str | None = setting(
        None, v.string, "X-Telegram-Bot-Api-Secret-Token, required with webhook_url", secret=True
    )


@dataclass(frozen=True, slots=True)
class DeliverySettings:
    global_per_second: float = setting(28.0, v.positive(1000), "messages per second over all chats")
    private_per_second: float = setting(1.0, v.positive(100), "messages per second to one private chat")
    private_burst: int = setting(3, v.whole(1, 100), "burst to one private chat")
    group_per_minute: float = setting(20.0, v.positive(1000), "messages per minute to one group")
    group_threshold: int = setting(5, v.whole(1, 1000), "more waiting alerts than this go out grouped")


@dataclass(frozen=True, slots=True)
class MetricsSettings:
    """The ops server (``/metrics``, ``/healthz``, ``/readyz``): off unless ``listen`` is set."""

    listen: tuple[str, int] | None = setting(None, v.listen, '"host:port" of the ops server')
    allowed_networks: tuple[str, ...] = setting(
        LOOPBACK_NETWORKS, v.networks, "clients allowed on the ops server"
    )
    username: str | None = setting(None, v.optional_string, "basic auth user (with password)")
    password: str | None = setting(
        None, v.optional_string, "basic auth password (with username)", secret=True
    )


@dataclass(frozen=True, slots=True)
class LoggingSettings:
    """Log line format: ``text`` (human-readable, the default) or ``json`` (one object per line)."""

    format: str = setting("text", v.one_of("text", "json"), '"text" or "json" (one object per line)')


@dataclass(frozen=True, slots=True)
class StorageSettings:
    keep_items_seconds: int = setting(
        365 * 86400,
        v.duration(3600, 100 * 365 * 86400),
        "releases first seen longer ago are pruned daily",
        key="keep_items",
    )


@dataclass(frozen=True, slots=True)
class ChatSettings:
    default_language: str = setting("en", v.language, "language of chats and senders without a choice")
    default_timezone: str = setting("UTC", v.zone, "IANA zone of chats that have not chosen one with /tz")


@dataclass(frozen=True, slots=True)
class WorkersSettings:
    lease_seconds: int = setting(
        30, v.duration(5, 3600), "how long a claim outlives its process", key="lease"
    )


@dataclass(frozen=True, slots=True)
class TranslateSettings:
    """The translator behind the Translate button; no ``provider`` (no ``[translate]``): no button, and no
    item text ever leaves the process."""

    provider: str | None = setting(
        None, v.one_of("libretranslate", "deepl", "google"), '"libretranslate", "deepl" or "google"'
    )
    url: str | None = setting(None, v.http_url, "the provider's endpoint (required for LibreTranslate)")
    api_key: str | None = setting(
        None, v.optional_string, "the provider's key ($WIREWATCH_TRANSLATE_API_KEY overrides)", secret=True
    )
    daily_characters: int = setting(
        200_000, v.whole(0, 1_000_000_000), "characters translated per UTC day, all chats together"
    )
    chat_daily_characters: int = setting(
        20_000, v.whole(0, 1_000_000_000), "characters translated per UTC day for one chat"
    )
    timeout_seconds: float = setting(
        10.0, v.positive(120), "seconds to wait for the translator", key="timeout"
    )


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
    translate: TranslateSettings = field(default_factory=TranslateSettings)
    feeds: tuple[FeedSpec, ...] = ()
    source: Path | None = None

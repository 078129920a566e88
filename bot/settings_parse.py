"""Validation of the TOML document into ``Settings``: each key has a parser; unknown keys are errors."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from bot.chat.language import parse_language_argument
from bot.settings import (
    MAX_INTERVAL,
    ChatSettings,
    ConfigError,
    DatabaseSettings,
    DeliverySettings,
    LoggingSettings,
    MetricsSettings,
    PollingSettings,
    Settings,
    StorageSettings,
    TelegramSettings,
    WorkersSettings,
    parse_duration,
    shown,
)
from feeds.models import FeedSpec
from feeds.volume import VolumeError, parse_zone

Parser = Callable[[object, str], object]

MAX_TICK = 3600
MAX_STORY_WINDOW = 30 * 86400
MAX_ID = 2**63 - 1
"""Telegram ids fit in 64 bits (the database column)."""
MAX_HEADER = 512


def _string(value: object, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{key}: expected a non-empty string, got {shown(value)}")
    return value.strip()


def _whole(low: int, high: int) -> Parser:
    """A parser of whole numbers from ``low`` to ``high``."""

    def parse(value: object, key: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ConfigError(f"{key}: expected a whole number from {low} to {high}, got {shown(value)}")
        return value

    return parse


def _positive(high: float) -> Parser:
    """A parser of numbers greater than 0 and at most ``high`` (NaN and infinity refused)."""

    def parse(value: object, key: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= high:
            raise ConfigError(
                f"{key}: expected a number greater than 0 and at most {high:g}, got {shown(value)}"
            )
        return float(value)

    return parse


def _id_set(value: object, key: str) -> frozenset[int]:
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) and -MAX_ID <= v <= MAX_ID for v in value
    ):
        raise ConfigError(
            f"{key}: expected a list of Telegram ids (whole numbers from {-MAX_ID} to {MAX_ID}), "
            f"got {shown(value)}"
        )
    return frozenset(value)


def _http_url(value: object, key: str) -> str:
    url = _string(value, key)
    try:
        parts = urlsplit(url)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0
    except ValueError:  # a bad IPv6 literal or port
        valid = False
    if not valid or any(char.isspace() or not char.isprintable() for char in url):
        raise ConfigError(f"{key}: expected an http(s) URL, got {shown(url)}")
    return url


def _header_value(value: object, key: str) -> str:
    """A string sent as an HTTP header: printable, one line, at most ``MAX_HEADER`` characters."""
    text = _string(value, key)
    if len(text) > MAX_HEADER or not text.isprintable():
        raise ConfigError(
            f"{key}: expected one line of at most {MAX_HEADER} printable characters "
            f"(no line breaks or control characters), got {shown(text)}"
        )
    return text


def _keep_items(value: object, key: str) -> int:
    """How long releases are kept: 1 hour to 100 years."""
    return parse_duration(value, key, low=3600, high=100 * 365 * 86400)


def _bool(value: object, key: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{key}: expected true or false, got {value!r}")
    return value


def _port_set(value: object, key: str) -> frozenset[int]:
    ok = isinstance(value, list) and all(
        isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 65535 for v in value
    )
    if not ok:
        raise ConfigError(f"{key}: expected a list of port numbers from 1 to 65535, got {value!r}")
    assert isinstance(value, list)
    return frozenset(value)


def _feed_adders(value: object, key: str) -> str:
    if value not in ("admins", "everyone"):
        raise ConfigError(f'{key}: expected "admins" or "everyone", got {value!r}')
    assert isinstance(value, str)
    return value


def _optional_string(value: object, key: str) -> str | None:
    if value == "":
        return None
    return _string(value, key)


def _duration(low: int, high: int) -> Parser:
    return lambda value, key: parse_duration(value, key, low=low, high=high)


def _language(value: object, key: str) -> str:
    language = parse_language_argument(value) if isinstance(value, str) else None
    if language is None:
        raise ConfigError(f'{key}: expected "en", "zh-hans" or "zh-hant", got {value!r}')
    return language


def _zone(value: object, key: str) -> str:
    try:
        return parse_zone(_string(value, key)).key
    except VolumeError as exc:
        raise ConfigError(f"{key}: {exc}") from None


def _hours(value: object, key: str) -> int:
    return max(1, parse_duration(value, key, high=MAX_STORY_WINDOW) // 3600)


def _listen(value: object, key: str) -> tuple[str, int]:
    """``"host:port"`` (``"[::1]:9108"`` for IPv6); port 0 picks a free one (tests)."""
    text = _string(value, key)
    host, sep, port = text.rpartition(":")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ConfigError(f'{key}: expected "host:port" with a port 0-65535, got {text!r}')
    return host, int(port)


def _networks(value: object, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise ConfigError(f'{key}: expected a non-empty list of networks like "127.0.0.0/8", got {value!r}')
    networks = []
    for entry in value:
        try:
            networks.append(str(ipaddress.ip_network(str(entry), strict=False)))
        except ValueError:
            raise ConfigError(f'{key}: expected networks like "10.0.0.0/8" or "::1", got {entry!r}') from None
    return tuple(networks)


def _log_format(value: object, key: str) -> str:
    if value not in ("text", "json"):
        raise ConfigError(f'{key}: expected "text" or "json", got {value!r}')
    return str(value)


SECTIONS: dict[str, tuple[type, dict[str, tuple[str, Parser]]]] = {
    "database": (DatabaseSettings, {"url": ("url", _string)}),
    "polling": (
        PollingSettings,
        {
            "interval": ("interval_seconds", _duration(1, MAX_INTERVAL)),
            "tick": ("tick_seconds", _duration(1, MAX_TICK)),
            "concurrency": ("concurrency", _whole(1, 1000)),
            "per_host_concurrency": ("per_host_concurrency", _whole(1, 100)),
            "connect_timeout": ("connect_timeout", _positive(300)),
            "read_timeout": ("read_timeout", _positive(600)),
            "total_timeout": ("total_timeout", _positive(3600)),
            "max_body_bytes": ("max_body_bytes", _whole(1, 1_000_000_000)),
            "max_redirects": ("max_redirects", _whole(1, 20)),
            "user_agent": ("user_agent", _header_value),
            "story_window": ("story_window_hours", _hours),
            "allowed_ports": ("allowed_ports", _port_set),
            "allow_private_networks": ("allow_private_networks", _bool),
            "parse_workers": ("parse_workers", _whole(0, 64)),
        },
    ),
    "telegram": (
        TelegramSettings,
        {
            "token": ("token", _optional_string),
            "api_base_url": ("api_base_url", _http_url),
            "admins": ("admins", _id_set),
            "allowed_chats": ("allowed_chats", _id_set),
            "feed_adders": ("feed_adders", _feed_adders),
            "max_feeds_per_chat": ("max_feeds_per_chat", _whole(1, 10_000)),
            "webhook_url": ("webhook_url", _http_url),
            "webhook_listen": ("webhook_listen", _listen),
            "webhook_secret": ("webhook_secret", _string),
        },
    ),
    "delivery": (
        DeliverySettings,
        {
            "global_per_second": ("global_per_second", _positive(1000)),
            "private_per_second": ("private_per_second", _positive(100)),
            "private_burst": ("private_burst", _whole(1, 100)),
            "group_per_minute": ("group_per_minute", _positive(1000)),
            "group_threshold": ("group_threshold", _whole(1, 1000)),
        },
    ),
    "metrics": (
        MetricsSettings,
        {
            "listen": ("listen", _listen),
            "allowed_networks": ("allowed_networks", _networks),
            "username": ("username", _optional_string),
            "password": ("password", _optional_string),
        },
    ),
    "logging": (LoggingSettings, {"format": ("format", _log_format)}),
    "storage": (StorageSettings, {"keep_items": ("keep_items_seconds", _keep_items)}),
    "workers": (WorkersSettings, {"lease": ("lease_seconds", _duration(5, 3600))}),
    "chat": (
        ChatSettings,
        {
            "default_language": ("default_language", _language),
            "default_timezone": ("default_timezone", _zone),
        },
    ),
}


_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


def check_webhook(telegram: TelegramSettings, *, secret_from_env: bool = False) -> None:
    """Webhook mode needs a secret Telegram accepts; ConfigError otherwise (the secret is never shown)."""
    if telegram.webhook_url is None:
        return
    key = "$WIREWATCH_WEBHOOK_SECRET" if secret_from_env else "telegram.webhook_secret"
    if not telegram.webhook_secret:
        raise ConfigError(
            "telegram.webhook_secret: required with telegram.webhook_url (1-256 characters A-Z a-z 0-9 _ -); "
            "set it or $WIREWATCH_WEBHOOK_SECRET"
        )
    if not _SECRET_TOKEN.fullmatch(telegram.webhook_secret):
        raise ConfigError(f"{key}: expected 1-256 characters A-Z a-z 0-9 _ - (Telegram's secret_token rule)")


def _check_webhook_keys(raw: Mapping[str, Any], telegram: TelegramSettings) -> None:
    """``webhook_listen`` alone would look like webhook mode while the bot long-polls: refused."""
    table = raw.get("telegram", {})
    if telegram.webhook_url is None and "webhook_listen" in table:
        raise ConfigError("telegram.webhook_listen: only used with telegram.webhook_url; set both or neither")


def _section(name: str, raw: object) -> object:
    cls, keys = SECTIONS[name]
    if not isinstance(raw, Mapping):
        raise ConfigError(f"[{name}]: expected a table")
    values: dict[str, object] = {}
    for key, value in raw.items():
        if key not in keys:
            raise ConfigError(f"{name}.{key}: unknown setting (known: {', '.join(sorted(keys))})")
        field_name, parse = keys[key]
        values[field_name] = parse(value, f"{name}.{key}")
    return cls(**values)


def _feeds(raw: object, default_interval: int) -> tuple[FeedSpec, ...]:
    if not isinstance(raw, list):
        raise ConfigError("feeds: expected [[feeds]] entries")
    specs: list[FeedSpec] = []
    seen: set[str] = set()
    for index, entry in enumerate(raw):
        where = f"feeds[{index}]"
        if not isinstance(entry, Mapping):
            raise ConfigError(f"{where}: expected a table with name and url")
        unknown = set(entry) - {"name", "url", "interval"}
        if unknown:
            raise ConfigError(f"{where}.{sorted(unknown)[0]}: unknown setting (known: interval, name, url)")
        for required in ("name", "url"):
            if required not in entry:
                raise ConfigError(f"{where}.{required}: missing")
        name = _string(entry["name"], f"{where}.name")
        if name.casefold() in seen:
            raise ConfigError(f"{where}.name: duplicate feed name {name!r}")
        seen.add(name.casefold())
        url = _http_url(entry["url"], f"{where}.url")
        interval = parse_duration(entry.get("interval", default_interval), f"{where}.interval")
        specs.append(FeedSpec(name=name, url=url, interval_seconds=interval))
    return tuple(specs)


def _check_retention(storage: StorageSettings, polling: PollingSettings) -> None:
    """Items must outlive the story window: a new copy must never join a story that is being pruned."""
    window = polling.story_window_hours * 3600
    if storage.keep_items_seconds <= window:
        raise ConfigError(
            f"storage.keep_items: must be longer than polling.story_window ({window // 3600}h), "
            f"got {storage.keep_items_seconds}s"
        )


def parse_settings_document(raw: Mapping[str, Any]) -> Settings:
    """Validate a parsed TOML document; raise ``ConfigError`` naming the first bad key."""
    unknown = set(raw) - set(SECTIONS) - {"feeds"}
    if unknown:
        raise ConfigError(f"{sorted(unknown)[0]}: unknown section (known: {', '.join([*SECTIONS, 'feeds'])})")
    sections: dict[str, Any] = {name: _section(name, raw.get(name, {})) for name in SECTIONS}
    polling: PollingSettings = sections["polling"]
    _check_retention(sections["storage"], polling)
    feeds = _feeds(raw.get("feeds", []), polling.interval_seconds)
    _check_webhook_keys(raw, sections["telegram"])
    metrics: MetricsSettings = sections["metrics"]
    if (metrics.username is None) != (metrics.password is None):
        raise ConfigError("metrics.username, metrics.password: set both for basic auth, or neither")
    return Settings(feeds=feeds, **sections)

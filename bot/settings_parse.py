"""Validation of the TOML document into ``Settings``: each key has a parser; unknown keys are errors."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from bot.settings import (
    ChatSettings,
    ConfigError,
    DatabaseSettings,
    DeliverySettings,
    PollingSettings,
    Settings,
    TelegramSettings,
    parse_duration,
)
from feeds.models import FeedSpec
from feeds.volume import VolumeError, parse_zone

Parser = Callable[[object, str], object]


def _string(value: object, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{key}: expected a non-empty string, got {value!r}")
    return value.strip()


def _positive_int(value: object, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{key}: expected a whole number of at least 1, got {value!r}")
    return value


def _positive_float(value: object, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ConfigError(f"{key}: expected a number greater than 0, got {value!r}")
    return float(value)


def _id_set(value: object, key: str) -> frozenset[int]:
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise ConfigError(f"{key}: expected a list of Telegram ids (whole numbers), got {value!r}")
    return frozenset(value)


def _http_url(value: object, key: str) -> str:
    url = _string(value, key)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{key}: expected an http(s) URL, got {url!r}")
    return url


def _optional_string(value: object, key: str) -> str | None:
    if value == "":
        return None
    return _string(value, key)


def _zone(value: object, key: str) -> str:
    try:
        return parse_zone(_string(value, key)).key
    except VolumeError as exc:
        raise ConfigError(f"{key}: {exc}") from None


def _hours(value: object, key: str) -> int:
    return max(1, parse_duration(value, key) // 3600)


SECTIONS: dict[str, tuple[type, dict[str, tuple[str, Parser]]]] = {
    "database": (DatabaseSettings, {"url": ("url", _string)}),
    "polling": (
        PollingSettings,
        {
            "interval": ("interval_seconds", parse_duration),
            "tick": ("tick_seconds", parse_duration),
            "concurrency": ("concurrency", _positive_int),
            "per_host_concurrency": ("per_host_concurrency", _positive_int),
            "connect_timeout": ("connect_timeout", _positive_float),
            "read_timeout": ("read_timeout", _positive_float),
            "total_timeout": ("total_timeout", _positive_float),
            "max_body_bytes": ("max_body_bytes", _positive_int),
            "max_redirects": ("max_redirects", _positive_int),
            "user_agent": ("user_agent", _string),
            "story_window": ("story_window_hours", _hours),
        },
    ),
    "telegram": (
        TelegramSettings,
        {
            "token": ("token", _optional_string),
            "api_base_url": ("api_base_url", _http_url),
            "admins": ("admins", _id_set),
            "allowed_chats": ("allowed_chats", _id_set),
        },
    ),
    "delivery": (
        DeliverySettings,
        {
            "global_per_second": ("global_per_second", _positive_float),
            "private_per_second": ("private_per_second", _positive_float),
            "private_burst": ("private_burst", _positive_int),
            "group_per_minute": ("group_per_minute", _positive_float),
            "group_threshold": ("group_threshold", _positive_int),
        },
    ),
    "chat": (ChatSettings, {"default_timezone": ("default_timezone", _zone)}),
}


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


def parse_settings_document(raw: Mapping[str, Any]) -> Settings:
    """Validate a parsed TOML document; raise ``ConfigError`` naming the first bad key."""
    unknown = set(raw) - set(SECTIONS) - {"feeds"}
    if unknown:
        raise ConfigError(f"{sorted(unknown)[0]}: unknown section (known: {', '.join([*SECTIONS, 'feeds'])})")
    sections: dict[str, Any] = {name: _section(name, raw.get(name, {})) for name in SECTIONS}
    polling: PollingSettings = sections["polling"]
    feeds = _feeds(raw.get("feeds", []), polling.interval_seconds)
    return Settings(feeds=feeds, **sections)

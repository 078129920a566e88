"""Validation of the TOML document into ``Settings``: each key is parsed by the parser its field declares;
unknown keys are errors."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import bot.settings.values as v
from bot.settings.model import (
    ChatSettings,
    DatabaseSettings,
    DeliverySettings,
    LoggingSettings,
    MetricsSettings,
    PollingSettings,
    Settings,
    StorageSettings,
    TelegramSettings,
    TranslateSettings,
    WorkersSettings,
)
from feeds.models import FeedSpec

ConfigError = v.ConfigError


@dataclass(frozen=True, slots=True)
class Key:
    """One config key as its field declares it."""

    field: str
    parse: v.Parser
    help: str
    default: object


def keys_of(section: type) -> dict[str, Key]:
    """The config keys of a settings dataclass, by their name in the TOML file."""
    return {
        f.metadata.get("key") or f.name: Key(f.name, f.metadata["parse"], f.metadata["help"], f.default)
        for f in fields(section)
    }


SECTION_TYPES: dict[str, type] = {
    "database": DatabaseSettings,
    "polling": PollingSettings,
    "telegram": TelegramSettings,
    "delivery": DeliverySettings,
    "metrics": MetricsSettings,
    "logging": LoggingSettings,
    "storage": StorageSettings,
    "workers": WorkersSettings,
    "chat": ChatSettings,
    "translate": TranslateSettings,
}
SECTIONS: dict[str, tuple[type, dict[str, Key]]] = {
    name: (cls, keys_of(cls)) for name, cls in SECTION_TYPES.items()
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
        values[keys[key].field] = keys[key].parse(value, f"{name}.{key}")
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
        name = v.string(entry["name"], f"{where}.name")
        if name.casefold() in seen:
            raise ConfigError(f"{where}.name: duplicate feed name {name!r}")
        seen.add(name.casefold())
        url = v.http_url(entry["url"], f"{where}.url")
        interval = v.parse_duration(entry.get("interval", default_interval), f"{where}.interval")
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
    translate: TranslateSettings = sections["translate"]
    if translate.provider == "libretranslate" and translate.url is None:
        raise ConfigError("translate.url: LibreTranslate has no default endpoint; give your server's URL")
    return Settings(feeds=feeds, **sections)

"""Loading settings: which file, reading it once, and the environment overrides for secrets."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.settings.document import check_webhook, parse_settings_document
from bot.settings.model import Settings
from bot.settings.values import ConfigError

DEFAULT_CONFIG_PATH = Path("config.toml")


def resolve_config_path(cli_path: str | None, env: Mapping[str, str]) -> tuple[Path, bool]:
    """The config file to read and whether it was asked for explicitly (then it must exist)."""
    if cli_path:
        return Path(cli_path), True
    if env.get("WIREWATCH_CONFIG"):
        return Path(env["WIREWATCH_CONFIG"]), True
    return DEFAULT_CONFIG_PATH, False


def load_settings(cli_path: str | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Read the config file (if any) and apply environment overrides; raise ``ConfigError`` when bad."""
    env = os.environ if env is None else env
    path, explicit = resolve_config_path(cli_path, env)
    raw: dict[str, Any] = {}
    if path.exists():
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
        except UnicodeDecodeError as exc:
            raise ConfigError(
                f"{path}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start}); "
                "save the file as UTF-8"
            ) from None
    elif explicit:
        raise ConfigError(f"config file {path} does not exist")
    settings = _apply_env(parse_settings_document(raw), env, path if path.exists() else None)
    check_webhook(settings.telegram, secret_from_env=bool(env.get("WIREWATCH_WEBHOOK_SECRET")))
    return settings


def _apply_env(settings: Settings, env: Mapping[str, str], source: Path | None) -> Settings:
    telegram = settings.telegram
    if env.get("WIREWATCH_TELEGRAM_TOKEN"):
        telegram = replace(telegram, token=env["WIREWATCH_TELEGRAM_TOKEN"].strip())
    if env.get("WIREWATCH_WEBHOOK_SECRET"):
        telegram = replace(telegram, webhook_secret=env["WIREWATCH_WEBHOOK_SECRET"].strip())
    database = settings.database
    if env.get("WIREWATCH_DATABASE_URL"):
        database = replace(database, url=env["WIREWATCH_DATABASE_URL"].strip())
    metrics = settings.metrics
    if env.get("WIREWATCH_METRICS_PASSWORD"):
        metrics = replace(metrics, password=env["WIREWATCH_METRICS_PASSWORD"])
    translate = settings.translate
    if env.get("WIREWATCH_TRANSLATE_API_KEY"):
        translate = replace(translate, api_key=env["WIREWATCH_TRANSLATE_API_KEY"].strip())
    return replace(
        settings, telegram=telegram, database=database, metrics=metrics, translate=translate, source=source
    )

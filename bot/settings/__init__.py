"""Settings: read once from a TOML file (plus secret overrides from the environment) into frozen dataclasses.

Every problem is reported as one ``ConfigError`` naming the key and what is wrong. ``model`` declares each
key once (default, range, help), ``values`` parses values, ``document`` validates a whole file's tables and
``load`` finds and reads the file.
"""

from bot.settings.document import SECTIONS, Key, check_webhook, parse_settings_document
from bot.settings.load import DEFAULT_CONFIG_PATH, defaults_notice, load_settings, resolve_config_path
from bot.settings.model import (
    DEFAULT_API_BASE_URL,
    DEFAULT_WEBHOOK_LISTEN,
    LOOPBACK_NETWORKS,
    ChatSettings,
    DatabaseSettings,
    DeliverySettings,
    LoggingSettings,
    MetricsSettings,
    PollingSettings,
    Settings,
    StorageSettings,
    TelegramSettings,
    WebAppSettings,
    WorkersSettings,
)
from bot.settings.values import MAX_INTERVAL, ConfigError, counted, describe_seconds, parse_duration, shown

__all__ = [
    "DEFAULT_API_BASE_URL",
    "DEFAULT_CONFIG_PATH",
    "DEFAULT_WEBHOOK_LISTEN",
    "LOOPBACK_NETWORKS",
    "MAX_INTERVAL",
    "SECTIONS",
    "ChatSettings",
    "ConfigError",
    "DatabaseSettings",
    "DeliverySettings",
    "Key",
    "LoggingSettings",
    "MetricsSettings",
    "PollingSettings",
    "Settings",
    "StorageSettings",
    "TelegramSettings",
    "WebAppSettings",
    "WorkersSettings",
    "check_webhook",
    "counted",
    "defaults_notice",
    "describe_seconds",
    "load_settings",
    "parse_duration",
    "parse_settings_document",
    "resolve_config_path",
    "shown",
]

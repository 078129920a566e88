"""The [telegram] webhook keys: defaults (long polling), valid values, one-line errors that never show the
secret, and ``$WIREWATCH_WEBHOOK_SECRET``."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import DEFAULT_WEBHOOK_LISTEN, ConfigError, TelegramSettings, load_settings

SECRET = "Hook_secret-123"
URL = "https://bot.example.com/tg/hook"
BOTH = f'webhook_url = "{URL}"\nwebhook_secret = "{SECRET}"'


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "config.toml"
    path.write_text(f"[telegram]\n{text}\n", encoding="utf-8")
    return str(path)


def test_long_polling_is_the_default(tmp_path: Path) -> None:
    telegram = load_settings(write(tmp_path, ""), env={}).telegram
    assert telegram.webhook_url is None and telegram.webhook_secret is None
    assert telegram.webhook_listen == DEFAULT_WEBHOOK_LISTEN == ("127.0.0.1", 8443)


VALID = [
    ("url and secret", f'webhook_url = "{URL}"\nwebhook_secret = "{SECRET}"', URL, ("127.0.0.1", 8443)),
    (
        "with listen",
        f'webhook_url = "{URL}"\nwebhook_secret = "{SECRET}"\nwebhook_listen = "0.0.0.0:8080"',
        URL,
        ("0.0.0.0", 8080),
    ),
    (
        "IPv6 listen",
        f'webhook_url = "{URL}"\nwebhook_secret = "{SECRET}"\nwebhook_listen = "[::]:9000"',
        URL,
        ("::", 9000),
    ),
    ("secret alone is ignored", f'webhook_secret = "{SECRET}"', None, ("127.0.0.1", 8443)),
]


@pytest.mark.parametrize(("text", "url", "listen"), [c[1:] for c in VALID], ids=[c[0] for c in VALID])
def test_valid_webhook_settings(tmp_path: Path, text: str, url: str | None, listen: tuple[str, int]) -> None:
    telegram = load_settings(write(tmp_path, text), env={}).telegram
    assert (telegram.webhook_url, telegram.webhook_listen, telegram.webhook_secret) == (url, listen, SECRET)


BAD_SECRET = "has spaces and ünïcode"
INVALID = [
    ("no secret", f'webhook_url = "{URL}"', r"^telegram\.webhook_secret: required with .*webhook_url"),
    ("empty secret", f'webhook_url = "{URL}"\nwebhook_secret = ""', r"^telegram\.webhook_secret: expected a"),
    (
        "secret with bad characters",
        f'webhook_url = "{URL}"\nwebhook_secret = "{BAD_SECRET}"',
        r"^telegram\.webhook_secret: expected 1-256 characters A-Z a-z 0-9 _ -",
    ),
    (
        "secret too long",
        f'webhook_url = "{URL}"\nwebhook_secret = "{"a" * 257}"',
        r"^telegram\.webhook_secret: expected 1-256 characters",
    ),
    ("url not http", BOTH.replace(URL, "ftp://x/y"), r"^telegram\.webhook_url: expected an http"),
    (
        "listen without a port",
        f'webhook_url = "{URL}"\nwebhook_secret = "{SECRET}"\nwebhook_listen = "8443"',
        r'^telegram\.webhook_listen: expected "host:port"',
    ),
    (
        "listen without url",
        'webhook_listen = "127.0.0.1:8443"',
        r"^telegram\.webhook_listen: only used with telegram\.webhook_url",
    ),
]


@pytest.mark.parametrize(("text", "message"), [c[1:] for c in INVALID], ids=[c[0] for c in INVALID])
def test_invalid_webhook_settings_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as raised:
        load_settings(write(tmp_path, text), env={})
    assert "\n" not in str(raised.value)
    assert BAD_SECRET not in str(raised.value) and "a" * 50 not in str(raised.value)


def test_the_environment_supplies_or_overrides_the_secret(tmp_path: Path) -> None:
    env = {"WIREWATCH_WEBHOOK_SECRET": "from-env_1"}
    without = load_settings(write(tmp_path, f'webhook_url = "{URL}"'), env=env)
    assert without.telegram.webhook_secret == "from-env_1"
    overridden = load_settings(write(tmp_path, BOTH), env=env)
    assert overridden.telegram.webhook_secret == "from-env_1"


def test_a_bad_secret_from_the_environment_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^\$WIREWATCH_WEBHOOK_SECRET: expected 1-256") as raised:
        load_settings(write(tmp_path, f'webhook_url = "{URL}"'), env={"WIREWATCH_WEBHOOK_SECRET": "no way!"})
    assert "no way" not in str(raised.value)


def test_the_secret_is_not_in_the_settings_repr() -> None:
    assert SECRET not in repr(TelegramSettings(webhook_url=URL, webhook_secret=SECRET))

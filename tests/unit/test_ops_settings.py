"""The [metrics] and [logging] settings: defaults, valid values, and one-line errors naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import ConfigError, LoggingSettings, MetricsSettings, load_settings


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_defaults_keep_the_server_off_and_loopback_only(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, ""), env={})
    assert settings.metrics == MetricsSettings()
    assert settings.metrics.listen is None
    assert settings.metrics.allowed_networks == ("127.0.0.0/8", "::1/128")
    assert settings.logging == LoggingSettings(format="text")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('listen = "127.0.0.1:9108"', MetricsSettings(listen=("127.0.0.1", 9108))),
        ('listen = "[::1]:9108"', MetricsSettings(listen=("::1", 9108))),
        ('listen = "0.0.0.0:0"', MetricsSettings(listen=("0.0.0.0", 0))),
        (
            'allowed_networks = ["10.1.2.3/8", "::1"]',
            MetricsSettings(allowed_networks=("10.0.0.0/8", "::1/128")),
        ),
        ('username = "prom"\npassword = "s3cret"', MetricsSettings(username="prom", password="s3cret")),
    ],
    ids=["ipv4", "ipv6", "port-0", "networks-normalized", "basic-auth"],
)
def test_metrics_values(tmp_path: Path, text: str, expected: MetricsSettings) -> None:
    assert load_settings(write(tmp_path, f"[metrics]\n{text}\n"), env={}).metrics == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[metrics]\nlisten = "9108"\n', r'^metrics\.listen: expected "host:port"'),
        ('[metrics]\nlisten = "localhost:99999"\n', r"^metrics\.listen: expected .* 0-65535"),
        ('[metrics]\nallowed_networks = ["intranet"]\n', r"^metrics\.allowed_networks: expected networks"),
        ("[metrics]\nallowed_networks = []\n", r"^metrics\.allowed_networks: expected a non-empty list"),
        ('[metrics]\nusername = "prom"\n', r"^metrics\.username, metrics\.password: set both"),
        ("[metrics]\nport = 9108\n", r"^metrics\.port: unknown setting"),
        ('[logging]\nformat = "xml"\n', r'^logging\.format: expected "text" or "json"'),
    ],
    ids=["no-port", "port-range", "bad-network", "empty-networks", "half-auth", "unknown-key", "log-format"],
)
def test_bad_values_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(write(tmp_path, text), env={})


def test_metrics_password_from_the_environment(tmp_path: Path) -> None:
    path = write(tmp_path, '[metrics]\nusername = "prom"\npassword = "file"\n')
    settings = load_settings(path, env={"WIREWATCH_METRICS_PASSWORD": "env"})
    assert settings.metrics.password == "env"


def test_json_logging(tmp_path: Path) -> None:
    assert load_settings(write(tmp_path, '[logging]\nformat = "json"\n'), env={}).logging.format == "json"

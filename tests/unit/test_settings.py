"""Settings: defaults, durations, environment overrides, and one clear message per bad key."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import ConfigError, load_settings, parse_duration

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (30, 30),
        (1, 1),
        ("90s", 90),
        ("5m", 300),
        ("1h", 3600),
        ("1d", 86400),
        (" 2 min ", 120),
        ("1.5h", 5400),
    ],
    ids=["int", "one-second", "seconds", "minutes", "hours", "days", "spaces", "fraction"],
)
def test_durations(value: object, seconds: int) -> None:
    assert parse_duration(value, "k") == seconds


@pytest.mark.parametrize("value", ["soon", "5x", 0, "0s", True, [], -3], ids=str)
def test_bad_durations_name_the_key(value: object) -> None:
    with pytest.raises(ConfigError, match=r"^feeds\[0\]\.interval: "):
        parse_duration(value, "feeds[0].interval")


def test_defaults_without_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(None, env={})
    assert settings.database.url == "sqlite:///wirewatch.db"
    assert settings.telegram.api_base_url == "https://api.telegram.org/bot"
    assert settings.telegram.token is None
    assert settings.feeds == ()


def test_a_full_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[database]
url = "sqlite:///x.db"
[telegram]
token = "123:abc"
admins = [42]
allowed_chats = [-100]
[polling]
interval = "10m"
[[feeds]]
name = "Fast"
url = "http://127.0.0.1:8080/a.xml"
interval = 1
[[feeds]]
name = "Default"
url = "https://wire.example.com/rss"
""",
    )
    settings = load_settings(path, env={})
    assert settings.telegram.token == "123:abc"
    assert settings.telegram.admins == frozenset({42})
    assert [(f.name, f.interval_seconds) for f in settings.feeds] == [("Fast", 1), ("Default", 600)]


def test_environment_overrides_secrets(tmp_path: Path) -> None:
    path = write(tmp_path, '[telegram]\ntoken = "from-file"\n')
    env = {"WIREWATCH_TELEGRAM_TOKEN": "from-env", "WIREWATCH_DATABASE_URL": "sqlite:///env.db"}
    settings = load_settings(path, env=env)
    assert settings.telegram.token == "from-env"
    assert settings.database.url == "sqlite:///env.db"


def test_config_path_from_environment(tmp_path: Path) -> None:
    path = write(tmp_path, '[database]\nurl = "sqlite:///via-env.db"\n')
    assert load_settings(None, env={"WIREWATCH_CONFIG": path}).database.url == "sqlite:///via-env.db"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[polling]\ninterval = 'soon'\n", r"^polling\.interval: expected seconds"),
        ("[polling]\nconcurency = 3\n", r"^polling\.concurency: unknown setting"),
        ("[pollling]\n", r"^pollling: unknown section"),
        ("[telegram]\nadmins = ['bob']\n", r"^telegram\.admins: expected a list"),
        ("[telegram]\napi_base_url = 'ftp://x'\n", r"^telegram\.api_base_url: expected an http"),
        ("[[feeds]]\nurl = 'http://a/'\n", r"^feeds\[0\]\.name: missing"),
        ("[[feeds]]\nname = 'A'\nurl = 'not a url'\n", r"^feeds\[0\]\.url: expected an http"),
        (
            "[[feeds]]\nname='A'\nurl='http://a/'\n[[feeds]]\nname='a'\nurl='http://b/'\n",
            r"feeds\[1\]\.name: dup",
        ),
        ("[[feeds]]\nname = 'A'\nurl = 'http://a/'\nevery = 3\n", r"^feeds\[0\]\.every: unknown"),
        ("[delivery]\nglobal_per_second = 0\n", r"^delivery\.global_per_second: expected a number"),
        ("this is = = not toml", r"not valid TOML"),
    ],
    ids=[
        "bad-duration",
        "typo-key",
        "typo-section",
        "admins",
        "api-url",
        "feed-name",
        "feed-url",
        "dup-feed",
        "feed-key",
        "zero-rate",
        "syntax",
    ],
)
def test_bad_config_names_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(write(tmp_path, text), env={})


def test_an_explicit_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(str(tmp_path / "nope.toml"), env={})


def test_the_example_config_is_valid() -> None:
    settings = load_settings(str(ROOT / "config.example.toml"), env={})
    assert len(settings.feeds) >= 5
    assert settings.telegram.token is None


def test_feed_source_settings(tmp_path: Path) -> None:
    defaults = load_settings(write(tmp_path, ""), env={})
    assert (defaults.polling.allowed_ports, defaults.polling.allow_private_networks) == (frozenset(), False)
    assert (defaults.telegram.feed_adders, defaults.telegram.max_feeds_per_chat) == ("admins", 20)
    path = write(
        tmp_path,
        "[polling]\nallowed_ports = [8080, 8443]\nallow_private_networks = true\n"
        '[telegram]\nfeed_adders = "everyone"\nmax_feeds_per_chat = 3\n',
    )
    settings = load_settings(path, env={})
    assert (settings.polling.allowed_ports, settings.polling.allow_private_networks) == (
        frozenset({8080, 8443}),
        True,
    )
    assert (settings.telegram.feed_adders, settings.telegram.max_feeds_per_chat) == ("everyone", 3)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[polling]\nallowed_ports = 8080",
            r"^polling\.allowed_ports: expected a list of port numbers from 1",
        ),
        ("[polling]\nallowed_ports = [0]", r"^polling\.allowed_ports: .*1 to 65535"),
        ("[polling]\nallowed_ports = [70000]", r"^polling\.allowed_ports: "),
        ("[polling]\nallowed_ports = [true]", r"^polling\.allowed_ports: "),
        (
            '[polling]\nallow_private_networks = "yes"',
            r"^polling\.allow_private_networks: expected true or false",
        ),
        ('[telegram]\nfeed_adders = "anyone"', r'^telegram\.feed_adders: expected "admins" or "everyone"'),
        ("[telegram]\nmax_feeds_per_chat = 0", r"^telegram\.max_feeds_per_chat: expected a whole number"),
    ],
    ids=[
        "ports-not-list",
        "port-zero",
        "port-too-big",
        "port-bool",
        "private-not-bool",
        "adders",
        "max-zero",
    ],
)
def test_bad_feed_source_settings_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(write(tmp_path, text), env={})


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        pytest.param("", "UTC", id="default"),
        pytest.param("[chat]\ndefault_timezone = 'asia/shanghai'\n", "Asia/Shanghai", id="case-insensitive"),
    ],
)
def test_chat_default_timezone(tmp_path: Path, text: str, zone: str) -> None:
    assert load_settings(write(tmp_path, text), env={}).chat.default_timezone == zone


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param(
            "'UTC+8'", r"^chat\.default_timezone: 'UTC\+8' is an offset.*Asia/Shanghai", id="offset"
        ),
        pytest.param("'Mars/Base'", r"^chat\.default_timezone: Unknown time zone", id="unknown"),
        pytest.param("8", r"^chat\.default_timezone: expected a non-empty string", id="number"),
    ],
)
def test_bad_chat_default_timezone(tmp_path: Path, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(write(tmp_path, f"[chat]\ndefault_timezone = {value}\n"), env={})


@pytest.mark.parametrize(
    ("text", "workers"), [("", 0), ("[polling]\nparse_workers = 1\n", 1)], ids=["default", "one"]
)
def test_parse_workers(tmp_path: Path, text: str, workers: int) -> None:
    assert load_settings(write(tmp_path, text), env={}).polling.parse_workers == workers


@pytest.mark.parametrize(
    "text", ["[polling]\nparse_workers = -1", "[polling]\nparse_workers = 65"], ids=["negative", "too-many"]
)
def test_bad_parse_workers_names_the_key(tmp_path: Path, text: str) -> None:
    with pytest.raises(ConfigError, match=r"^polling\.parse_workers: expected a whole number from 0 to 64"):
        load_settings(write(tmp_path, text), env={})

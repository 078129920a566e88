"""Bad configuration through the real CLI: one line naming the key and the valid range, exit code 2."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from bot.entry.cli import main
from storage.db.engine import redact_url

FEED = "[[feeds]]\nname = 'A'\nurl = 'http://127.0.0.1:9/a.xml'\n"


def run(tmp_path: Path, config: str | bytes, capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run ``wirewatch feeds`` (or ``argv``) on this config; return stderr, asserting exit 2 and one line."""
    path = tmp_path / "config.toml"
    database = f"[database]\nurl = 'sqlite:///{tmp_path / 'w.db'}'\n"
    if isinstance(config, bytes):
        path.write_bytes(config)
    else:
        path.write_text(config if "[database]" in config else database + config, encoding="utf-8")
    assert main(["--config", str(path), *(argv or ("feeds",))]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err.strip()


CASES = [
    ("not utf-8", b"[polling]\ninterval = '5m' # caf\xe9\n", r"config\.toml: not UTF-8 text \(byte 0xe9"),
    (
        "interval inf",
        "[polling]\ninterval = inf\n",
        r"polling\.interval: must be from 1 second to 30 days, got inf",
    ),
    ("interval nan", "[polling]\ninterval = nan\n", r"polling\.interval: must be .* got nan"),
    ("interval 1e300", "[polling]\ninterval = 1e300\n", r"polling\.interval: must be .*30 days, got 1e\+300"),
    ("interval 10**21", "[polling]\ninterval = 1000000000000000000000\n", r"polling\.interval: must be"),
    ("interval 99999999999d", "[polling]\ninterval = '99999999999d'\n", r"polling\.interval: must be from"),
    ("tick 1e300", "[polling]\ntick = 1e300\n", r"polling\.tick: must be from 1 second to 1 hour, got"),
    ("tick 10**21", "[polling]\ntick = 1000000000000000000000\n", r"polling\.tick: must be from 1 second"),
    ("tick 99999999999d", "[polling]\ntick = '99999999999d'\n", r"polling\.tick: must be from 1 second"),
    ("story_window inf", "[polling]\nstory_window = inf\n", r"polling\.story_window: must be .* 30 days"),
    ("story_window 10**21", "[polling]\nstory_window = 1000000000000000000000\n", r"polling\.story_window"),
    ("story_window 99999999999d", "[polling]\nstory_window = '99999999999d'\n", r"polling\.story_window"),
    ("feed interval nan", FEED + "interval = nan\n", r"feeds\[0\]\.interval: must be from 1 second"),
    (
        "feed url bad ipv6",
        "[[feeds]]\nname = 'A'\nurl = 'http://[::1'\n",
        r"feeds\[0\]\.url: expected an http",
    ),
    ("feed url bad port", "[[feeds]]\nname = 'A'\nurl = 'http://a:99999/'\n", r"feeds\[0\]\.url: expected"),
    ("feed url with space", "[[feeds]]\nname = 'A'\nurl = 'http://a/ b'\n", r"feeds\[0\]\.url: expected"),
    (
        "total_timeout nan",
        "[polling]\ntotal_timeout = nan\n",
        r"polling\.total_timeout: .*at most 3600, got nan",
    ),
    ("connect_timeout inf", "[polling]\nconnect_timeout = inf\n", r"polling\.connect_timeout: .*at most 300"),
    (
        "user_agent crlf",
        '[polling]\nuser_agent = "a\\r\\nX-Evil: 1"\n',
        r"polling\.user_agent: expected one line",
    ),
    ("user_agent nul", '[polling]\nuser_agent = "a\\u0000b"\n', r"polling\.user_agent: expected one line"),
    (
        "global rate nan",
        "[delivery]\nglobal_per_second = nan\n",
        r"delivery\.global_per_second: .*at most 1000",
    ),
    (
        "private rate inf",
        "[delivery]\nprivate_per_second = inf\n",
        r"delivery\.private_per_second: .*at most 100",
    ),
    ("group rate nan", "[delivery]\ngroup_per_minute = nan\n", r"delivery\.group_per_minute: .*at most 1000"),
    ("admin id too big", "[telegram]\nadmins = [99999999999999999999]\n", r"telegram\.admins: .*from -9223"),
    (
        "garbage database url",
        "[database]\nurl = 'garbage'\n",
        r"database\.url: not a database URL: 'garbage'",
    ),
    ("unknown database", "[database]\nurl = 'mysql://u:pw@h/db'\n", r"database\.url: unsupported database"),
    ("bad sqlite url", "[database]\nurl = 'sqlite://u:pw@/x.db'\n", r"database\.url: .*Invalid SQLite URL"),
]


@pytest.mark.parametrize(("config", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_config_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], config: str | bytes, message: str
) -> None:
    err = run(tmp_path, config, capsys)
    assert err.startswith("wirewatch: config error: ")
    assert re.search(message, err), err
    assert ":pw@" not in err


NUMBERS = [
    ("polling", "concurrency", "1001", "from 1 to 1000"),
    ("polling", "per_host_concurrency", "101", "from 1 to 100"),
    ("polling", "connect_timeout", "301", "at most 300"),
    ("polling", "read_timeout", "601", "at most 600"),
    ("polling", "total_timeout", "3601", "at most 3600"),
    ("polling", "max_body_bytes", "1000000001", "from 1 to 1000000000"),
    ("polling", "max_redirects", "21", "from 1 to 20"),
    ("polling", "interval", "2592001", "from 1 second to 30 days"),
    ("polling", "tick", "3601", "from 1 second to 1 hour"),
    ("polling", "story_window", "'31d'", "from 1 second to 30 days"),
    ("delivery", "global_per_second", "1001", "at most 1000"),
    ("delivery", "private_per_second", "101", "at most 100"),
    ("delivery", "private_burst", "101", "from 1 to 100"),
    ("delivery", "group_per_minute", "1001", "at most 1000"),
    ("delivery", "group_threshold", "1001", "from 1 to 1000"),
    ("telegram", "allowed_chats", "[-9223372036854775809]", "whole numbers from -9223372036854775807"),
]


@pytest.mark.parametrize(
    ("section", "key", "value", "range_text"), NUMBERS, ids=[f"{n[0]}.{n[1]}" for n in NUMBERS]
)
def test_every_number_is_bounded_and_says_its_range(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], section: str, key: str, value: str, range_text: str
) -> None:
    err = run(tmp_path, f"[{section}]\n{key} = {value}\n", capsys)
    assert err.startswith(f"wirewatch: config error: {section}.{key}: ") and range_text in err, err


def test_postgresql_without_psycopg_says_which_extra(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # import psycopg now raises ImportError
    config = "[database]\nurl = 'postgresql://wirewatch:s3cret@127.0.0.1:1/wirewatch'\n"
    err = run(tmp_path, config, capsys)
    assert err.startswith("wirewatch: config error: database.url: ")
    assert "pip install 'wirewatch[postgres]'" in err and "s3cret" not in err


@pytest.mark.parametrize("days", ["1e10", "nan", "inf", "0", "-1", "x"])
def test_recent_days_out_of_range_is_a_usage_error(capsys: pytest.CaptureFixture[str], days: str) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["recent", "--days", days])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert f"argument --days: expected days greater than 0 and at most 3650, got '{days}'" in err
    assert "Traceback" not in err


REDACT = [
    ("password hidden", "postgresql://user:s3cret@db.example/wire", "postgresql://user:***@db.example/wire"),
    ("driver and port", "postgresql+psycopg://u:p%40ss@h:5432/db", "postgresql+psycopg://u:***@h:5432/db"),
    ("no password", "postgresql://user@h/db", "postgresql://user@h/db"),
    ("sqlite path", "sqlite:///var/lib/wirewatch.db", "sqlite:///var/lib/wirewatch.db"),
    ("unparseable still hidden", "x://a:b@[::1/", "x://a:***@[::1/"),
]


@pytest.mark.parametrize(("url", "shown"), [c[1:] for c in REDACT], ids=[c[0] for c in REDACT])
def test_redact_url(url: str, shown: str) -> None:
    assert redact_url(url) == shown

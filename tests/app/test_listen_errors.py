"""Problems a process meets at start, told in one line with exit 2, within 2 s, never a traceback: a listen
address that is busy, does not resolve or is not permitted (``metrics.listen`` from the file, the
environment or ``--metrics-listen``; ``telegram.webhook_listen``), and the CLI's file-system errors. A
process that stops this way leaves no feed claimed."""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import re
import socket
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import bot.entry.commands
import bot.entry.roles
from bot.entry.cli import main
from bot.entry.roles import run_roles
from bot.ops.listen import ListenError, listen_reason
from bot.settings import DatabaseSettings, MetricsSettings, Settings, TelegramSettings
from tests.fake_telegram import FakeTelegram
from tests.feed_server import FeedServer

IMPORTED = (bot.entry.commands, bot.entry.roles)  # imported here: the 2 s measure the start, not imports
LOG_LINE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO) ")
FEED = b"<rss version='2.0'><channel><title>t</title></channel></rss>"


@pytest.fixture(autouse=True)
def logging_restored() -> Iterator[None]:
    """``main`` installs its log handler on this test's captured stderr: take it out afterwards, so later
    tests in this worker do not log to a closed stream."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    logging.captureWarnings(False)


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port some other process listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def write_config(tmp_path: Path, feeds: FeedServer, extra: str = "") -> Path:
    path = tmp_path / "config.toml"
    url = feeds.add("/wire.xml", FEED)
    path.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "w.db"}"\n{extra}\n'
        f'[[feeds]]\nname = "wire"\nurl = "{url}"\ninterval = 60\n',
        encoding="utf-8",
    )
    return path


def one_line_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    """Run the CLI; it must exit 2 within 2 s with one line on stderr besides the log (``run`` logs its
    start), and no traceback; that line."""
    started = time.monotonic()
    code = main(argv)
    elapsed = time.monotonic() - started
    err = capsys.readouterr().err
    assert code == 2, err
    assert elapsed < 2.0, elapsed
    assert "Traceback" not in err and "Error" not in err.replace("Error:", ""), err
    told = [line for line in err.splitlines() if not LOG_LINE.match(line)]
    assert len(told) == 1 and err.endswith(told[0] + "\n"), err
    return told[0]


def claimed_feeds(tmp_path: Path, name: str = "w.db") -> list[str]:
    """Feeds some process holds (none when the process stopped before it opened the database)."""
    with sqlite3.connect(tmp_path / name) as conn:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'feeds'").fetchall():
            return []
        return [row[0] for row in conn.execute("SELECT claimed_by FROM feeds WHERE claimed_by IS NOT NULL")]


def test_metrics_listen_on_a_busy_port(
    tmp_path: Path, feed_server: FeedServer, busy_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, feed_server, f'[metrics]\nlisten = "127.0.0.1:{busy_port}"')
    line = one_line_exit_2(capsys, ["run", "--config", str(config), "--roles", "fetch,match"])
    assert line == (
        f"wirewatch: metrics.listen: cannot listen on 127.0.0.1:{busy_port}: the port is in use "
        "(another process listens there: give each process its own port)"
    )
    assert feed_server.requests_for("/wire.xml") == []  # nothing started before the address was bound
    assert claimed_feeds(tmp_path) == []


def test_metrics_listen_option_and_environment(
    tmp_path: Path,
    feed_server: FeedServer,
    busy_port: int,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = write_config(tmp_path, feed_server, '[metrics]\nlisten = "127.0.0.1:0"')
    argv = ["poll", "--config", str(config), "--metrics-listen", f"127.0.0.1:{busy_port}"]
    assert "--metrics-listen" not in one_line_exit_2(capsys, argv)
    monkeypatch.setenv("WIREWATCH_METRICS_LISTEN", f"127.0.0.1:{busy_port}")
    line = one_line_exit_2(capsys, ["poll", "--config", str(config)])
    assert f"metrics.listen: cannot listen on 127.0.0.1:{busy_port}: the port is in use" in line
    monkeypatch.setenv("WIREWATCH_METRICS_LISTEN", "nine")
    line = one_line_exit_2(capsys, ["poll", "--config", str(config)])
    assert line.startswith("wirewatch: config error: $WIREWATCH_METRICS_LISTEN: expected")


def test_metrics_listen_on_a_host_that_does_not_resolve(
    tmp_path: Path, feed_server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, feed_server)
    argv = [
        "run",
        "--config",
        str(config),
        "--roles",
        "match",
        "--metrics-listen",
        "no-such-host.invalid:9108",
    ]
    line = one_line_exit_2(capsys, argv)
    assert line == (
        "wirewatch: metrics.listen: cannot listen on no-such-host.invalid:9108: the host name does not "
        "resolve (use an IP address or a name of this machine)"
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="root may bind any port")
def test_metrics_listen_on_a_privileged_port(
    tmp_path: Path, feed_server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, feed_server)
    line = one_line_exit_2(
        capsys, ["run", "--config", str(config), "--roles", "match", "--metrics-listen", "127.0.0.1:1"]
    )
    assert "not permitted" in line


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (errno.EACCES, "not permitted"),
        (errno.EPERM, "not permitted"),
        (errno.EADDRNOTAVAIL, "no such address"),
    ],
)
def test_each_bind_error_is_told_in_words(code: int, words: str) -> None:
    assert words in listen_reason(OSError(code, os.strerror(code)))


def test_webhook_listen_on_a_busy_port(
    tmp_path: Path,
    feed_server: FeedServer,
    fake_telegram: FakeTelegram,
    busy_port: int,
    capsys: pytest.CaptureFixture[str],
) -> None:
    telegram = (
        f'[telegram]\ntoken = "{fake_telegram.token}"\napi_base_url = "{fake_telegram.base_url}"\n'
        f'webhook_url = "https://bot.example.com/hook"\nwebhook_listen = "127.0.0.1:{busy_port}"\n'
        'webhook_secret = "s3cret_Token-42"\n'
    )
    config = write_config(tmp_path, feed_server, telegram)
    line = one_line_exit_2(capsys, ["run", "--config", str(config)])
    assert line.startswith(
        f"wirewatch: telegram.webhook_listen: cannot listen on 127.0.0.1:{busy_port}: the port"
    )
    assert feed_server.requests_for("/wire.xml") == [] and claimed_feeds(tmp_path) == []
    assert fake_telegram.webhook is None  # never registered


@pytest.mark.parametrize(
    ("target", "reason"),
    [("/missing-dir/x.opml", "No such file or directory"), ("/sys/x.opml", "Permission denied")],
    ids=["missing directory", "no permission"],
)
def test_feeds_export_to_a_path_it_cannot_write(
    tmp_path: Path, feed_server: FeedServer, capsys: pytest.CaptureFixture[str], target: str, reason: str
) -> None:
    config = write_config(tmp_path, feed_server)
    line = one_line_exit_2(capsys, ["feeds", "--config", str(config), "export", "-o", target])
    assert line == f"wirewatch: {target}: {reason}"


async def test_the_servers_themselves_refuse_a_busy_address(
    tmp_path: Path, fake_telegram: FakeTelegram, busy_port: int
) -> None:
    """Past the command line's early check (another process may take the port in between): the ops
    server and the webhook server raise the same one-line error when they bind."""
    base = Settings(
        database=DatabaseSettings(url=f"sqlite:///{tmp_path / 'direct.db'}"),
        metrics=MetricsSettings(listen=("127.0.0.1", busy_port)),
    )
    with pytest.raises(
        ListenError, match=f"^metrics.listen: cannot listen on 127.0.0.1:{busy_port}: the port"
    ):
        await run_roles(base, {"match"}, asyncio.Event())
    hook = Settings(
        database=DatabaseSettings(url=f"sqlite:///{tmp_path / 'direct.db'}"),
        telegram=TelegramSettings(
            token=fake_telegram.token,
            api_base_url=fake_telegram.base_url,
            webhook_url="https://bot.example.com/hook",
            webhook_listen=("127.0.0.1", busy_port),
            webhook_secret="s3cret_Token-42",
        ),
    )
    with pytest.raises(
        ListenError, match=f"^telegram.webhook_listen: cannot listen on 127.0.0.1:{busy_port}"
    ):
        await run_roles(hook, {"bot", "fetch"}, asyncio.Event())
    assert claimed_feeds(tmp_path, "direct.db") == [] and fake_telegram.webhook is None

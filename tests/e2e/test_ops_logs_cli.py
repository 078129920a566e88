"""The real ``wirewatch -v run`` against the fake Telegram server: no stderr line holds the token.

At DEBUG, httpx logs every Bot API URL (``/bot<token>/getUpdates``) and python-telegram-bot logs its network
errors with tracebacks; a 502 spell of the fake makes those happen. Both log formats are checked.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.ops.logs import REDACTED
from tests.fake_telegram import FakeTelegram
from tests.feed_server import FeedServer
from tests.releases import rss

USER = 5001


def wait_until(condition: object, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_verbose_run_never_logs_the_token(
    tmp_path: Path, fake_telegram: FakeTelegram, feed_server: FeedServer, log_format: str
) -> None:
    feed_server.add("/a.xml", rss([("a-1", "Binzhou opens a park", "The city of Binzhou opened a park.")]))
    config = tmp_path / "config.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "run.db"}"\n'
        f'[telegram]\napi_base_url = "{fake_telegram.base_url}"\n'
        f'[polling]\ntick = 1\n[[feeds]]\nname = "A"\nurl = "{feed_server.url("/a.xml")}"\ninterval = 1\n'
    )
    env = {**os.environ, "WIREWATCH_TELEGRAM_TOKEN": fake_telegram.token}
    command = [
        sys.executable,
        "-m",
        "bot.entry.cli",
        "run",
        "-v",
        "--log-format",
        log_format,
        "--config",
        str(config),
    ]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert wait_until(lambda: feed_server.requests_for("/a.xml")), "the feed was never polled"
        fake_telegram.user_says(USER, "/subscribe Binzhou")
        assert wait_until(lambda: fake_telegram.messages_to(USER)), "no answer to /subscribe"
        fake_telegram.set_down(True)  # getUpdates fails: network errors with tracebacks at DEBUG
        calls = len(fake_telegram.calls)
        assert wait_until(lambda: len(fake_telegram.calls) > calls + 1)
        fake_telegram.set_down(False)
        fake_telegram.fail_next(
            "sendMessage", code=400, description=f"Bad Request: echo {fake_telegram.token}"
        )
        fake_telegram.user_says(USER, "/list")
        time.sleep(1.5)
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    lines = stderr.splitlines()
    token = fake_telegram.token
    leaks = [line for line in lines if token in line or token.replace(":", "%3A") in line]
    assert leaks == []
    assert proc.returncode == 0, stderr[-2000:]
    assert any(f"/bot{REDACTED}/getUpdates" in line for line in lines), "no Bot API URL was logged at all"
    assert any("httpx" in line for line in lines) and any("telegram" in line for line in lines)
    if log_format == "json":
        records = [json.loads(line) for line in lines if line.startswith("{")]
        stray = [line for line in lines if not line.startswith("{") and not line.startswith(" ")]
        assert records and stray == []
        assert {"time", "level", "logger", "event"} <= set(records[0])
        assert any(r["event"] == "wirewatch_started" for r in records)

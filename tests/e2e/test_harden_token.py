"""Telegram refusing the token mid-run, or a proxy's HTML page at start: one line and an exit code."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fake_telegram import FakeTelegram
from tests.feed_server import FeedServer
from tests.releases import rss
from tests.run_process import ROOT, WirewatchProcess, wait_until, write_config

USER = 5101


def config_for(tmp_path: Path, telegram: FakeTelegram, feeds: FeedServer) -> Path:
    feeds.add("/a.xml", rss([]))
    return write_config(
        tmp_path / "config.toml",
        database_url=f"sqlite:///{tmp_path / 'run.db'}",
        api_base_url=telegram.base_url,
        feeds=[("A", feeds.url("/a.xml"))],
    )


def revoke_token(telegram: FakeTelegram) -> None:
    telegram.accepted_tokens = set()  # the next long poll is refused


def refuse_next_reply(telegram: FakeTelegram) -> None:
    telegram.fail_next("sendMessage", code=401, description="Unauthorized")
    telegram.user_says(USER, "/help")


@pytest.mark.parametrize(
    "refuse", [pytest.param(revoke_token, id="getUpdates"), pytest.param(refuse_next_reply, id="reply")]
)
def test_a_token_refused_mid_run_exits_2_with_one_line(
    tmp_path: Path, fake_telegram: FakeTelegram, feed_server: FeedServer, refuse: object
) -> None:
    fake_telegram.accepted_tokens = {fake_telegram.token}
    process = WirewatchProcess.start(config_for(tmp_path, fake_telegram, feed_server), fake_telegram.token)
    try:
        fake_telegram.user_says(USER, "/help")
        assert wait_until(lambda: bool(fake_telegram.messages_to(USER)), 30), process.stderr()
        refuse(fake_telegram)  # type: ignore[operator]
        code = process.proc.wait(timeout=40)
    finally:
        process.cleanup()
    log = process.stderr()
    assert code == 2, log
    assert log.count("telegram_token_refused") == 1, log
    assert "Traceback" not in log and "CancelledError" not in log, log


def test_a_bad_gateway_page_at_start_is_one_line(tmp_path: Path, fake_telegram: FakeTelegram) -> None:
    fake_telegram.set_down(True)
    config = tmp_path / "config.toml"
    database = f"sqlite:///{tmp_path / 'x.db'}"
    config.write_text(
        f'[database]\nurl = "{database}"\n[telegram]\napi_base_url = "{fake_telegram.base_url}"\n'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIREWATCH_")}
    done = subprocess.run(
        [sys.executable, "-m", "bot.entry.cli", "run", "--config", str(config)],
        env={**env, "WIREWATCH_TELEGRAM_TOKEN": fake_telegram.token, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 4, done.stderr
    problems = [line for line in done.stderr.splitlines() if " INFO " not in line]
    expected = f"wirewatch: Telegram unavailable at {fake_telegram.base_url}: Bad Gateway (502)"
    assert problems == [expected], done.stderr

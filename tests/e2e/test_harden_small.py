"""The small holes: /feeds never shows SQL, groups stay quiet for other bots' commands, every button press is
answered, ``-v`` keeps message texts and user names out of the log, a console quit mid-poll is quiet."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.chat.context import ChatContext
from bot.chat.feed_report import feed_health_table
from bot.chat.service import ChatService
from bot.pipeline.match import MatchService
from feeds.models import ChatKind, FeedSpec
from storage.store import Store
from tests.bot_harness import ask, bot_settings, running
from tests.e2e.test_console import Terminal
from tests.fake_telegram import FakeTelegram
from tests.feed_server import FeedServer
from tests.releases import rss
from tests.run_process import ROOT, wait_until, write_config

ADMIN = ChatContext(1002, ChatKind.PRIVATE, user_id=42)
GROUP = -5401
DB_ERROR = (
    "DataError: (psycopg.errors.DataError) PostgreSQL text fields cannot contain NUL (0x00) bytes\n"
    "[SQL: INSERT INTO items (feed_id, title) VALUES (%(feed_id)s, %(title)s) RETURNING items.id]\n"
    "[parameters: {'feed_id': 1, 'title': 'secret\\x00title'}]\n"
    "(Background on this error at: https://sqlalche.me/e/20/9h9h)"
)


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        pytest.param(DB_ERROR, "DataError", id="postgres-data-error"),
        pytest.param(
            "(sqlite3.OperationalError) database is locked\n[SQL: SELECT 1]", "OperationalError", id="sqlite"
        ),
        pytest.param("IntegrityError: [SQL: INSERT INTO x VALUES (1)]", "IntegrityError", id="sql-no-driver"),
        pytest.param("HTTP 503", "HTTP 503", id="fetch-error-kept"),
    ],
)
async def test_feeds_shows_an_error_class_never_sql(store: Store, stored: str, shown: str) -> None:
    now = datetime.now(UTC)
    [feed] = store.sync_feeds([FeedSpec("Wire A", "https://wire.example.com/a.xml", 60)], now)
    store.record_fetch_failure(feed.id, at=now, error=stored, next_poll_at=now + timedelta(minutes=1))
    service = ChatService(store, MatchService(store), admins=frozenset({42}))
    reply = (await service.handle(ADMIN, "feeds", "")).html
    table = feed_health_table(store.list_feeds(), now)
    for text in (reply, table):
        assert shown in text
        assert "SQL" not in text and "INSERT" not in text and "secret" not in text and "sqlalche" not in text


@pytest.fixture
def wires(feed_server: FeedServer) -> FeedServer:
    feed_server.add("/a.xml", rss([]))
    return feed_server


async def test_groups_hear_only_commands_for_us(
    tmp_path: Path, fake_telegram: FakeTelegram, wires: FeedServer
) -> None:
    async with running(bot_settings(tmp_path, fake_telegram, wires)):
        say = {"chat_type": "group", "user_id": 88}
        fake_telegram.user_says(GROUP, "/othercmd do it", **say)  # type: ignore[arg-type]
        fake_telegram.user_says(GROUP, "/othercmd@other_bot do it", **say)  # type: ignore[arg-type]
        assert "Unknown command" in await ask(fake_telegram, "/othercmd@wirewatch_test_bot", GROUP, **say)
        assert "No subscriptions" in await ask(fake_telegram, "/list", GROUP, **say)
        assert len(fake_telegram.messages_to(GROUP)) == 2, "answered a command meant for another bot"
        assert "Unknown command" in await ask(fake_telegram, "/othercmd", 5402), "private chats always answer"


async def test_a_button_under_an_inline_message_is_answered(
    tmp_path: Path, fake_telegram: FakeTelegram, wires: FeedServer
) -> None:
    async with running(bot_settings(tmp_path, fake_telegram, wires)):
        fake_telegram.press_inline_button(5402, "inline-1", "unsub:1")
        await fake_telegram.wait_for_messages(5402, 1, method="answerCallbackQuery")


def test_verbose_logs_update_ids_and_commands_not_texts_or_names(
    tmp_path: Path, fake_telegram: FakeTelegram, wires: FeedServer
) -> None:
    config = write_config(
        tmp_path / "config.toml",
        database_url=f"sqlite:///{tmp_path / 'v.db'}",
        api_base_url=fake_telegram.base_url,
        feeds=[("A", wires.url("/a.xml"))],
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIREWATCH_")}
    env.update(WIREWATCH_TELEGRAM_TOKEN=fake_telegram.token, PYTHONPATH=str(ROOT))
    log_path = tmp_path / "verbose.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.entry.cli", "run", "-v", "--config", str(config)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        update_id = fake_telegram.user_says(
            5403, "/subscribe Hunter2Secretword", username="mallorysecretname"
        )
        fake_telegram.user_says(5403, "plain Confidentialtext here", username="mallorysecretname")
        assert wait_until(lambda: len(fake_telegram.messages_to(5403)) >= 2, 30), log_path.read_text()
        time.sleep(0.5)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    text = log_path.read_text()
    assert f"update_received update={update_id} chat=5403 kind=command command=subscribe" in text, text[
        -3000:
    ]
    for secret in ("hunter2secretword", "confidentialtext", "mallorysecretname"):
        assert secret not in text.lower(), f"{secret} reached the log"


def test_console_quit_while_a_poll_is_in_flight_is_quiet(tmp_path: Path, feed_server: FeedServer) -> None:
    feed_server.add("/slow.xml", rss([]), delay=8.0)
    config = tmp_path / "config.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "console.db"}"\n[polling]\ntick = 1\n'
        f'[[feeds]]\nname = "Slow"\nurl = "{feed_server.url("/slow.xml")}"\ninterval = 1\n'
    )
    terminal = Terminal(config)
    try:
        terminal.expect("Type /help")
        assert wait_until(lambda: bool(feed_server.requests_for("/slow.xml")), 20), (
            "the feed was never polled"
        )
        terminal.type("/quit")
        assert terminal.proc.wait(timeout=20) == 0
        assert terminal.proc.stdout is not None
        time.sleep(0.3)
        while not terminal.lines.empty():
            terminal.seen += terminal.lines.get()
    finally:
        if terminal.proc.poll() is None:
            terminal.proc.kill()
    assert "Traceback" not in terminal.seen and "CancelledError" not in terminal.seen, terminal.seen

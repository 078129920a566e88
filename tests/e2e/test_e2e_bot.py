"""End to end: the real app (scheduler, ingest, match, sender, python-telegram-bot) against a loopback feed
server and the fake Telegram Bot API server."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e_helpers import USER, ask, running, settings_for
from tests.fake_telegram import FakeTelegram
from tests.feed_server import FeedServer
from tests.releases import RELEASE, rss


async def settle(seconds: float = 3.0) -> None:
    """Let a few scheduler ticks pass."""
    await asyncio.sleep(seconds)


@pytest.fixture
def wires(feed_server: FeedServer) -> FeedServer:
    feed_server.add("/a.xml", rss([("a-1", "Unrelated biotech news", "A drug met its endpoint.")]))
    feed_server.add("/b.xml", rss([]))
    return feed_server


async def test_subscribe_alert_once_recent_unsubscribe_restart(
    tmp_path: Path, fake_telegram: FakeTelegram, wires: FeedServer
) -> None:
    settings = settings_for(tmp_path, fake_telegram, wires)
    async with running(settings):
        assert "Subscribed" in await ask(fake_telegram, "/subscribe Binzhou")
        await settle(2)
        assert len(fake_telegram.messages_to(USER)) == 1, "the backlog must not alert"

        wires.add("/a.xml", rss([("a-1", "Unrelated", "x"), ("a-2", *RELEASE)]))
        alerts = await fake_telegram.wait_for_messages(USER, 2, timeout=15)
        alert = alerts[1]
        assert "<b>" in alert.text and "Binzhou" in alert.text and alert.disable_preview

        wires.add("/b.xml", rss([("b-9", RELEASE[0], RELEASE[1].replace("Xinhua-AsiaNet", "PRNewswire"))]))
        await settle()
        assert len(fake_telegram.messages_to(USER)) == 2, "the same story on a second wire alerted twice"

        answer = await ask(fake_telegram, "/recent Binzhou")
        assert RELEASE[0] in answer

        assert "Unsubscribed" in await ask(fake_telegram, "/unsubscribe Binzhou")
        wires.add("/a.xml", rss([("a-3", "Binzhou adds a second park", "Binzhou again.")]))
        await settle()
        assert not any("second park" in m.text for m in fake_telegram.messages_to(USER))

    sent_before_restart = len(fake_telegram.sent)
    async with running(settings):
        await settle()
    assert len(fake_telegram.sent) == sent_before_restart, "a restart sent something again"
    commands = [params for method, params in fake_telegram.calls if method.lower() == "setmycommands"]
    assert commands, "the command menu was not registered"


async def test_blocked_chat_stops_receiving(
    tmp_path: Path, fake_telegram: FakeTelegram, wires: FeedServer
) -> None:
    settings = settings_for(tmp_path, fake_telegram, wires)
    async with running(settings):
        assert "Subscribed" in await ask(fake_telegram, "/subscribe Binzhou")
        fake_telegram.block(USER)
        wires.add("/a.xml", rss([("a-2", *RELEASE)]))
        await settle(4)
        wires.add("/a.xml", rss([("a-2", *RELEASE), ("a-3", "Binzhou again", "More Binzhou.")]))
        await settle(3)
    refused = [
        params
        for method, params in fake_telegram.calls
        if method.lower() == "sendmessage" and str(params.get("chat_id")) == str(USER)
    ]
    assert len(fake_telegram.messages_to(USER)) == 1  # only the /subscribe answer got through
    assert len(refused) <= 3, "kept sending to a chat that blocked the bot"


async def test_group_admin_rules(tmp_path: Path, fake_telegram: FakeTelegram, wires: FeedServer) -> None:
    group = -4001
    fake_telegram.set_admins(group, {77})
    settings = settings_for(tmp_path, fake_telegram, wires)
    async with running(settings):
        fake_telegram.user_says(group, "/subscribe@wirewatch_test_bot Binzhou", user_id=88, chat_type="group")
        [refusal] = await fake_telegram.wait_for_messages(group, 1, timeout=15)
        assert "administrators" in refusal.text
        fake_telegram.user_says(group, "/subscribe@wirewatch_test_bot Binzhou", user_id=77, chat_type="group")
        messages = await fake_telegram.wait_for_messages(group, 2, timeout=15)
        assert "Subscribed" in messages[1].text
        fake_telegram.user_says(group, "/list@other_bot", user_id=88, chat_type="group")
        fake_telegram.user_says(group, "/list@wirewatch_test_bot", user_id=88, chat_type="group")
        messages = await fake_telegram.wait_for_messages(group, 3, timeout=15)
        assert "Binzhou" in messages[2].text
        await settle(1)
        assert len(fake_telegram.messages_to(group)) == 3, "answered a command addressed to another bot"


async def test_every_message_gets_an_answer(
    tmp_path: Path, fake_telegram: FakeTelegram, wires: FeedServer
) -> None:
    settings = settings_for(tmp_path, fake_telegram, wires)
    async with running(settings):
        assert "Unknown command" in await ask(fake_telegram, "/nonsense")
        assert "/subscribe" in await ask(fake_telegram, "hello bot")
        assert "unclosed quote" in await ask(fake_telegram, '/subscribe "Weiqiao')
        assert "Feeds (2)" in await ask(fake_telegram, "/feeds")


def test_run_stops_cleanly_on_sigterm(tmp_path: Path, fake_telegram: FakeTelegram, wires: FeedServer) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "run.db"}"\n'
        f'[telegram]\napi_base_url = "{fake_telegram.base_url}"\n'
        f'[polling]\ntick = 1\n[[feeds]]\nname = "A"\nurl = "{wires.url("/a.xml")}"\ninterval = 1\n'
    )
    env = {**os.environ, "WIREWATCH_TELEGRAM_TOKEN": fake_telegram.token}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.entry.cli", "run", "--config", str(config)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while not wires.requests_for("/a.xml") and time.monotonic() < deadline:
            time.sleep(0.1)
        assert wires.requests_for("/a.xml"), "the feed was never polled"
        proc.send_signal(signal.SIGTERM)
        started = time.monotonic()
        code = proc.wait(timeout=10)
        assert code == 0, proc.stderr.read() if proc.stderr else ""
        assert time.monotonic() - started < 10
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_missing_token_is_one_clear_error(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "x.db"}"\n')
    env = {k: v for k, v in os.environ.items() if k != "WIREWATCH_TELEGRAM_TOKEN"}
    done = subprocess.run(
        [sys.executable, "-m", "bot.entry.cli", "run", "--config", str(config)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "telegram.token: missing" in done.stderr
    assert "Traceback" not in done.stderr


async def test_list_button_unsubscribes_and_refreshes_the_list(
    tmp_path: Path, fake_telegram: FakeTelegram, wires: FeedServer
) -> None:
    settings = settings_for(tmp_path, fake_telegram, wires)
    async with running(settings):
        await ask(fake_telegram, "/subscribe Binzhou")
        await ask(fake_telegram, "/subscribe Dongying")
        await ask(fake_telegram, "/list")
        listing = fake_telegram.messages_to(USER, method="sendMessage")[-1]
        assert listing.reply_markup is not None
        buttons = [b for row in listing.reply_markup["inline_keyboard"] for b in row]
        first = next(b for b in buttons if "Binzhou" in b["text"])
        fake_telegram.press_button(USER, listing.message_id, first["callback_data"])
        [edit] = await fake_telegram.wait_for_messages(USER, 1, timeout=15, method="editMessageText")
        assert "Dongying" in edit.text and "Binzhou" not in edit.text
        answers = [p for m, p in fake_telegram.calls if m.lower() == "answercallbackquery"]
        assert answers and "Unsubscribed" in str(answers[-1].get("text"))


def test_unreachable_telegram_is_a_clear_error(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "x.db"}"\n'
        '[telegram]\ntoken = "123:abc"\napi_base_url = "http://127.0.0.1:9/bot"\n'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIREWATCH_")}
    done = subprocess.run(
        [sys.executable, "-m", "bot.entry.cli", "run", "--config", str(config)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 4, done.stderr
    assert "wirewatch: Telegram unavailable at http://127.0.0.1:9/bot: " in done.stderr
    assert "Traceback" not in done.stderr

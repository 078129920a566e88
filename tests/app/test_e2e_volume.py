"""End to end through the fake Telegram server: /tz, /digest, /quiet, /mute, /status and the three alert
buttons (Why?, Mute 1 d, Unsubscribe), with the real app, on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from bot.settings import DatabaseSettings
from tests.e2e_helpers import USER, ask, running, settings_for
from tests.fake_telegram import FakeTelegram, SentMessage
from tests.feed_server import FeedServer
from tests.fixtures_db import pg_url
from tests.releases import RELEASE, rss


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database: a SQLite file, or a PostgreSQL database made for the test and dropped after."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'volume.db'}"
        return
    url = make_url(pg_url())
    name = f"e2e_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield url.set(database=name).render_as_string(hide_password=False)
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


@pytest.fixture
def wires(feed_server: FeedServer) -> FeedServer:
    feed_server.add("/a.xml", rss([("a-1", "Unrelated biotech news", "A drug met its endpoint.")]))
    feed_server.add("/b.xml", rss([]))
    return feed_server


def buttons_of(message: SentMessage) -> list[dict[str, str]]:
    markup = message.reply_markup or {}
    return [button for row in markup.get("inline_keyboard", []) for button in row]


async def press(
    telegram: FakeTelegram, message: SentMessage, data: str, *, brings_message: bool = True
) -> tuple[str, str | None]:
    """Press a button; returns (the callback answer's text, the new message it brought, if any)."""
    answers = len(telegram.messages_to(USER, method="answerCallbackQuery"))
    before = len(telegram.messages_to(USER, method="sendMessage"))
    telegram.press_button(USER, message.message_id, data)
    [*_, answer] = await telegram.wait_for_messages(
        USER, answers + 1, timeout=15, method="answerCallbackQuery"
    )
    if brings_message:
        await telegram.wait_for_messages(USER, before + 1, timeout=15, method="sendMessage")
    sent = telegram.messages_to(USER, method="sendMessage")
    return answer.text, (sent[before].text if len(sent) > before else None)


async def test_volume_commands_and_alert_buttons(
    tmp_path: Path, fake_telegram: FakeTelegram, wires: FeedServer, database_url: str
) -> None:
    settings = replace(
        settings_for(tmp_path, fake_telegram, wires), database=DatabaseSettings(url=database_url)
    )
    async with running(settings):
        assert "Subscribed #1" in await ask(fake_telegram, "/subscribe Binzhou")
        assert "Did you mean Asia/Shanghai?" in await ask(fake_telegram, "/tz Shanghai")
        assert "Time zone set to Asia/Shanghai" in await ask(fake_telegram, "/tz asia/shanghai")
        assert "one digest at 08:00,18:00" in await ask(fake_telegram, "/digest 08:00,18:00")
        assert "Usage: /digest" in await ask(fake_telegram, "/digest 8am")
        assert "Digest off" in await ask(fake_telegram, "/digest off")
        assert "Quiet hours set: 22:00-07:00 (Asia/Shanghai)" in await ask(
            fake_telegram, "/quiet 22:00-07:00"
        )
        assert "Quiet hours off" in await ask(fake_telegram, "/quiet off")
        assert "Muted #1" in await ask(fake_telegram, "/mute 1 30m")
        assert "Unmuted #1" in await ask(fake_telegram, "/unmute 1")
        status = await ask(fake_telegram, "/status")
        assert "Time zone: Asia/Shanghai" in status and "Quiet hours: none." in status

        wires.add("/a.xml", rss([("a-1", "Unrelated", "x"), ("a-2", *RELEASE)]))
        alerts = await fake_telegram.wait_for_messages(USER, 12, timeout=20, method="sendMessage")
        alert = alerts[11]
        assert "Binzhou" in alert.text
        data = [button["callback_data"] for button in buttons_of(alert)]
        assert [d.split(":")[0] for d in data] == ["m", "u", "w"] and data[0] == "m:1"

        notice, why = await press(fake_telegram, alert, data[2])
        assert notice and why is not None and "in the headline" in why and "Binzhou" in why
        notice, muted = await press(fake_telegram, alert, data[0])
        assert "Muted #1" in notice and muted is not None and "Muted #1" in muted
        assert "Muted: #1" in await ask(fake_telegram, "/status")
        notice, forged = await press(fake_telegram, alert, "u:999", brings_message=False)
        assert "no longer valid" in notice and forged is None
        notice, gone = await press(fake_telegram, alert, data[1])
        assert gone is not None and "Unsubscribed #1" in gone
        assert "No subscriptions yet" in await ask(fake_telegram, "/list")

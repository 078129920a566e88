"""Helpers of the end-to-end tests: settings for the real app against the fake servers, running it, asking."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from bot.entry.roles import run_bot
from bot.settings import DatabaseSettings, PollingSettings, Settings, TelegramSettings
from feeds.models import FeedSpec
from tests.fake_telegram import FakeTelegram
from tests.feed_server import FeedServer

USER = 5001


def settings_for(tmp_path: Path, telegram: FakeTelegram, feeds: FeedServer) -> Settings:
    return Settings(
        database=DatabaseSettings(url=f"sqlite:///{tmp_path / 'e2e.db'}"),
        polling=PollingSettings(tick_seconds=1, interval_seconds=1),
        telegram=TelegramSettings(
            token=telegram.token, api_base_url=telegram.base_url, admins=frozenset({USER})
        ),
        feeds=(
            FeedSpec("Wire A", feeds.url("/a.xml"), 1),
            FeedSpec("Wire B", feeds.url("/b.xml"), 1),
        ),
    )


@contextlib.asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[None]:
    stop = asyncio.Event()
    task = asyncio.create_task(run_bot(settings, stop))
    try:
        yield
    finally:
        stop.set()
        assert await asyncio.wait_for(task, 15) == 0


async def ask(telegram: FakeTelegram, text: str, chat_id: int = USER) -> str:
    before = len(telegram.messages_to(chat_id, method="sendMessage"))
    telegram.user_says(chat_id, text)
    messages = await telegram.wait_for_messages(chat_id, before + 1, timeout=15, method="sendMessage")
    return messages[before].text

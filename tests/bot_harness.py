"""The real bot (``run_bot``) in this process against the fake Telegram server and a loopback feed server."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

from bot.entry.roles import run_bot
from bot.settings import DatabaseSettings, PollingSettings, Settings, TelegramSettings
from feeds.models import FeedSpec
from tests.fake_telegram import FakeTelegram
from tests.feed_server import FeedServer

ADMIN = 5001


def bot_settings(
    tmp_path: Path, telegram: FakeTelegram, feeds: FeedServer, allowed_chats: frozenset[int] = frozenset()
) -> Settings:
    """One feed (``/a.xml``), polled every second; ``ADMIN`` administers the bot."""
    return Settings(
        database=DatabaseSettings(url=f"sqlite:///{tmp_path / 'bot.db'}"),
        polling=PollingSettings(tick_seconds=1, interval_seconds=1),
        telegram=TelegramSettings(
            token=telegram.token,
            api_base_url=telegram.base_url,
            admins=frozenset({ADMIN}),
            allowed_chats=allowed_chats,
        ),
        feeds=(FeedSpec("Wire A", feeds.url("/a.xml"), 1),),
    )


def allowing(settings: Settings, chats: frozenset[int]) -> Settings:
    """The same settings with another ``telegram.allowed_chats``."""
    return replace(settings, telegram=replace(settings.telegram, allowed_chats=chats))


@contextlib.asynccontextmanager
async def running(settings: Settings, expect_exit: int = 0) -> AsyncIterator[asyncio.Event]:
    """Run the bot until the block ends; yields its stop event."""
    stop = asyncio.Event()
    task = asyncio.create_task(run_bot(settings, stop))
    try:
        yield stop
    finally:
        stop.set()
        assert await asyncio.wait_for(task, 60) == expect_exit


async def ask(telegram: FakeTelegram, text: str, chat_id: int, timeout: float = 15.0, **kw: object) -> str:
    """Say ``text`` in ``chat_id`` and return the bot's next sendMessage there."""
    before = len(telegram.messages_to(chat_id, method="sendMessage"))
    telegram.user_says(chat_id, text, **kw)  # type: ignore[arg-type]
    messages = await telegram.wait_for_messages(chat_id, before + 1, timeout=timeout, method="sendMessage")
    return messages[before].text

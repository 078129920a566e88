"""``run`` with ``[metrics] listen``: the real app serves /metrics, /healthz and /readyz while it works."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import aiohttp

from bot.entry.roles import run_bot
from bot.settings import DatabaseSettings, MetricsSettings, PollingSettings, Settings, TelegramSettings
from feeds.models import FeedSpec
from tests.fake_telegram import FakeTelegram
from tests.feed_server import FeedServer
from tests.releases import rss

USER = 5001


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as answer:
        return answer.status, await answer.text()


def sample(text: str, name: str) -> float:
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name))


async def test_run_serves_metrics_and_health(
    tmp_path: Path, fake_telegram: FakeTelegram, feed_server: FeedServer
) -> None:
    feed_server.add("/a.xml", rss([("a-1", "Binzhou opens a park", "The city of Binzhou opened a park.")]))
    port = free_port()
    settings = Settings(
        database=DatabaseSettings(url=f"sqlite:///{tmp_path / 'e2e.db'}"),
        polling=PollingSettings(tick_seconds=1, interval_seconds=1),
        telegram=TelegramSettings(token=fake_telegram.token, api_base_url=fake_telegram.base_url),
        metrics=MetricsSettings(listen=("127.0.0.1", port)),
        feeds=(FeedSpec("Wire A", feed_server.url("/a.xml"), 1),),
    )
    stop = asyncio.Event()
    task = asyncio.create_task(run_bot(settings, stop))
    base = f"http://127.0.0.1:{port}"
    try:
        fake_telegram.user_says(USER, "/subscribe Binzhou")
        await fake_telegram.wait_for_messages(USER, 1, timeout=15)
        for _ in range(100):
            status, text = await get(f"{base}/metrics")
            if status == 200 and sample(text, "wirewatch_items_ingested_total") > 0:
                break
            await asyncio.sleep(0.2)
        assert sample(text, 'wirewatch_feed_fetches_total{result="ok"}') >= 1
        assert sample(text, "wirewatch_items_ingested_total") >= 1
        assert sample(text, "wirewatch_subscriptions ") == 1
        assert sample(text, 'wirewatch_chats{state="active"}') == 1
        assert sample(text, 'wirewatch_feeds{state="ok"}') == 1
        assert str(USER) not in text and feed_server.url("/a.xml") not in text
        assert (await get(f"{base}/healthz"))[0] == 200
        status, body = await get(f"{base}/readyz")
        assert status == 200, body
    finally:
        stop.set()
        assert await asyncio.wait_for(task, 15) == 0

"""``run`` with ``[metrics] listen``: the real app serves /metrics, /healthz and /readyz while it works.

The counters live in the process's registry (shared by every test in this process), so the test compares a
scrape against a snapshot taken before the run."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest

import bot.entry.stages as stages
import bot.tg.frontend as frontend
from bot.entry.roles import run_bot
from bot.settings import DatabaseSettings, MetricsSettings, PollingSettings, Settings, TelegramSettings
from feeds.models import FeedSpec
from tests.fake_telegram import FakeTelegram
from tests.feed_server import FeedServer
from tests.releases import rss
from tests.scrape import Samples, delta, free_port, get, parse, snapshot

USER = 5001
FIRST = ("a-1", "Binzhou opens a park", "The city of Binzhou opened a park.")
SECOND = ("a-2", "Binzhou ferry line starts", "A ferry now links Binzhou and Dalian.")


def settings_for(tmp_path: Path, fake: FakeTelegram, feed_url: str, port: int) -> Settings:
    return Settings(
        database=DatabaseSettings(url=f"sqlite:///{tmp_path / 'e2e.db'}"),
        polling=PollingSettings(tick_seconds=1, interval_seconds=1),
        telegram=TelegramSettings(token=fake.token, api_base_url=fake.base_url),
        metrics=MetricsSettings(listen=("127.0.0.1", port)),
        feeds=(FeedSpec("Wire A", feed_url, 1),),
    )


async def scrape_until(base: str, before: Samples, name: str, at_least: float) -> Samples:
    for _ in range(150):
        status, text = await get(f"{base}/metrics")
        if status == 200 and delta(now := parse(text), before, name) >= at_least:
            return now
        await asyncio.sleep(0.1)
    raise AssertionError(f"{name} did not reach +{at_least}")


async def test_run_serves_metrics_and_health(
    tmp_path: Path, fake_telegram: FakeTelegram, feed_server: FeedServer
) -> None:
    feed_url = feed_server.add("/a.xml", rss([FIRST]))
    port = free_port()
    before = snapshot()
    stop = asyncio.Event()
    task = asyncio.create_task(run_bot(settings_for(tmp_path, fake_telegram, feed_url, port), stop))
    base = f"http://127.0.0.1:{port}"
    try:
        fake_telegram.user_says(USER, "/subscribe Binzhou")
        await fake_telegram.wait_for_messages(USER, 1, timeout=15)
        await scrape_until(base, before, "wirewatch_items_ingested_total", 1)  # the feed's first poll
        feed_server.add("/a.xml", rss([FIRST, SECOND]))  # the wire publishes
        await fake_telegram.wait_for_messages(USER, 2, timeout=15)
        now = await scrape_until(base, before, "wirewatch_alerts_sent_total", 1)
        assert delta(now, before, "wirewatch_feed_fetches_total", result="ok") >= 2
        assert delta(now, before, "wirewatch_items_ingested_total") == 2
        assert delta(now, before, "wirewatch_alerts_enqueued_total") == 1
        assert delta(now, before, "wirewatch_alerts_sent_total") == 1
        assert delta(now, before, "wirewatch_publish_to_alert_seconds_count") == 1
        assert 0 <= delta(now, before, "wirewatch_publish_to_alert_seconds_sum") < 15
        telegram = "wirewatch_telegram_requests_total"
        assert delta(now, before, telegram, method="sendMessage", result="ok") >= 2  # a reply and the alert
        assert delta(now, before, telegram, method="getUpdates", result="ok") >= 1
        assert delta(now, before, telegram, method="setMyCommands", result="ok") >= 1  # one per language
        assert now[("wirewatch_subscriptions", ())] == 1
        assert now[("wirewatch_chats", (("state", "active"),))] == 1
        assert now[("wirewatch_feeds", (("state", "ok"),))] == 1
        text = (await get(f"{base}/metrics"))[1]
        assert str(USER) not in text and feed_url not in text and fake_telegram.token not in text
        assert (await get(f"{base}/healthz"))[0] == 200
        status, body = await get(f"{base}/readyz")
        assert status == 200, body
        assert '"roles": ["match", "fetch", "deliver", "bot"]' in body
    finally:
        stop.set()
        assert await asyncio.wait_for(task, 15) == 0


async def readyz_until(base: str, want: int) -> str:
    body = ""
    for _ in range(100):
        try:
            status, body = await get(f"{base}/readyz")
        except aiohttp.ClientConnectionError:  # not serving yet
            status = 0
        if status == want:
            return body
        await asyncio.sleep(0.1)
    raise AssertionError(f"/readyz never answered {want}: {body}")


async def test_readyz_names_the_bot_late_while_telegram_is_down(
    tmp_path: Path, fake_telegram: FakeTelegram, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(frontend, "POLL_TIMEOUT_SECONDS", 1)  # an idle long poll answers every second
    monkeypatch.setitem(stages.READINESS_PERIODS, "bot", 1.0)  # late after 3 s without an answered getUpdates
    port = free_port()
    settings = settings_for(tmp_path, fake_telegram, feed_server.add("/a.xml", rss([FIRST])), port)
    stop = asyncio.Event()
    task = asyncio.create_task(run_bot(settings, stop))
    base = f"http://127.0.0.1:{port}"
    try:
        await readyz_until(base, 200)
        fake_telegram.set_down(True)
        body = await readyz_until(base, 503)
        assert '"role": "bot"' in body and '"role": "deliver"' not in body, body
        fake_telegram.set_down(False)
        await readyz_until(base, 200)
    finally:
        fake_telegram.set_down(False)
        stop.set()
        assert await asyncio.wait_for(task, 15) == 0

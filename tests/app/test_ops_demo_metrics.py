"""/metrics after the demo pipeline: non-zero fetches, items and alerts (enqueued, sent, latency); and the
``poll`` process (the fetch and match roles) serves its own /metrics and /readyz (``[metrics] listen``).

The counters live in the process's registry (shared by every test in this process): the tests compare a
scrape against a snapshot taken before."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import aiohttp

from bot.entry.demo import run_demo
from bot.entry.roles import run_roles
from bot.ops.metrics import process_metrics
from bot.ops.readiness import Readiness
from bot.ops.server import start_ops_server
from bot.settings import DatabaseSettings, MetricsSettings, PollingSettings, Settings
from feeds.models import FeedSpec
from tests.feed_server import FeedServer
from tests.releases import rss
from tests.scrape import delta, free_port, get, parse, snapshot


async def test_metrics_after_the_demo_pipeline() -> None:
    before = snapshot()
    assert await run_demo(io.StringIO()) == 0
    server = await start_ops_server(
        MetricsSettings(listen=("127.0.0.1", 0)),
        metrics=process_metrics(),
        readiness=Readiness(),
        database_probe=lambda: None,
    )
    assert server is not None
    try:
        status, text = await get(f"http://127.0.0.1:{server.port}/metrics")
    finally:
        await server.stop()
    assert status == 200
    now = parse(text)
    # five sample wires, polled (before subscribing, published, again, and for the digest step):
    # 12 or more answers; a 200 with the bytes of the last stored one counts as unchanged
    answered = sum(delta(now, before, "wirewatch_feed_fetches_total", result=r) for r in ("ok", "unchanged"))
    assert answered >= 12
    assert delta(now, before, "wirewatch_feed_fetches_total", result="ok") >= 8
    assert delta(now, before, "wirewatch_feed_fetch_seconds_count") >= 12
    assert delta(now, before, "wirewatch_items_ingested_total") > 0
    # "5 alerts and 1 digest delivered": the digest carries the 2 releases published for it
    assert delta(now, before, "wirewatch_alerts_enqueued_total") == 7
    assert delta(now, before, "wirewatch_alerts_sent_total") == 7
    assert delta(now, before, "wirewatch_publish_to_alert_seconds_count") == 7


async def test_poll_serves_metrics_and_readiness_of_its_roles(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    port = free_port()
    settings = Settings(
        database=DatabaseSettings(url=f"sqlite:///{tmp_path / 'poll.db'}"),
        polling=PollingSettings(tick_seconds=1, interval_seconds=1),
        metrics=MetricsSettings(listen=("127.0.0.1", port)),
        feeds=(FeedSpec("Wire A", feed_server.add("/a.xml", rss([("a-1", "Title", "Body text.")])), 1),),
    )
    before = snapshot()
    stop = asyncio.Event()
    task = asyncio.create_task(run_roles(settings, {"fetch", "match"}, stop))  # what `poll` runs
    try:
        for _ in range(100):
            try:
                status, text = await get(f"http://127.0.0.1:{port}/metrics")
            except aiohttp.ClientConnectionError:
                status, text = 0, ""
            if status == 200 and delta(parse(text), before, "wirewatch_items_ingested_total") >= 1:
                break
            await asyncio.sleep(0.1)
        assert delta(parse(text), before, "wirewatch_items_ingested_total") == 1
        status, body = await get(f"http://127.0.0.1:{port}/readyz")
        assert status == 200 and '"roles": ["match", "fetch"]' in body, body
    finally:
        stop.set()
        assert await asyncio.wait_for(task, 15) == 0

"""The ingest stage records fetch results, fetch time and new items (real feed server, fetcher, SQLite)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from bot.ops.metrics import Metrics
from bot.pipeline.ingest import Ingestor
from feeds.fetch import Fetcher, FetchLimits
from feeds.models import FeedSpec
from storage.store import Store
from tests.feed_server import FeedServer
from tests.fixtures_feeds import feed_bytes

LIMITS = FetchLimits(read_timeout=0.5, total_timeout=3.0, max_body_bytes=50_000)


def counts(metrics: Metrics) -> dict[str, float]:
    text = generate_latest(metrics.registry).decode()
    out: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == "wirewatch_feed_fetches_total":
                out[s.labels["result"]] = s.value
            elif s.name in ("wirewatch_items_ingested_total", "wirewatch_feed_fetch_seconds_count"):
                out[s.name] = s.value
    return out


async def test_each_outcome_is_counted(feed_server: FeedServer, tmp_path: Path) -> None:
    feed_server.add("/ok.xml", feed_bytes("rss2_wires.xml"), etag='"v1"')
    feed_server.add("/gone.xml", b"", status=404)
    feed_server.add("/html.xml", feed_bytes("not_a_feed.html"), content_type="text/html")
    feed_server.add("/huge.xml", b"<rss>" + b"x" * 60_000 + b"</rss>")
    specs = [
        FeedSpec(p.strip("/"), feed_server.url(p), 600)
        for p in ("/ok.xml", "/gone.xml", "/html.xml", "/huge.xml")
    ]
    store = Store.open(f"sqlite:///{tmp_path / 'm.db'}")
    metrics = Metrics()
    try:
        store.sync_feeds(specs, datetime.now(UTC) - timedelta(seconds=1))
        async with Fetcher(LIMITS) as fetcher:
            ingestor = Ingestor(store, fetcher, parse_executor=None, metrics=metrics)
            await ingestor.poll_all()
            await ingestor.poll_all()  # the good feed answers 304 now
    finally:
        store.close()
    got = counts(metrics)
    assert (got["ok"], got["not_modified"], got["http_error"], got["parse_error"], got["refused"]) == (
        1,
        1,
        2,
        2,
        2,
    )
    assert got["timeout"] == 0
    assert got["wirewatch_feed_fetch_seconds_count"] == 8
    assert got["wirewatch_items_ingested_total"] == 4

"""A fetch loop that stops (a stop asked for, or the process ending on an error) gives its feeds back at
once: another process polls them now, not after ``workers.lease``."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.pipeline.fetch_loop import FetchLoop
from bot.pipeline.ingest import Ingestor
from feeds.fetch import Fetcher, FetchLimits
from feeds.models import FeedSpec
from storage.store import Store
from tests.feed_server import FeedServer

LEASE = timedelta(minutes=5)
RSS = b"<rss version='2.0'><channel><title>t</title></channel></rss>"


async def test_a_stopped_fetch_loop_releases_the_feeds_it_was_polling(
    store: Store, feed_server: FeedServer
) -> None:
    slow = feed_server.add("/slow.xml", RSS, delay=5.0)
    [feed] = store.sync_feeds([FeedSpec("slow", slow, 60)], datetime.now(UTC))
    async with Fetcher(FetchLimits(read_timeout=10, total_timeout=10)) as fetcher:
        loop = FetchLoop(store, Ingestor(store, fetcher, parse_executor=None), lease=LEASE, owner="leaving")
        stop = asyncio.Event()
        task = asyncio.create_task(loop.run(stop))
        for _ in range(200):
            if feed_server.requests_for("/slow.xml"):
                break
            await asyncio.sleep(0.02)
        now = datetime.now(UTC)
        assert store.claim_due_feeds(now, now + LEASE, 5, "other") == []  # held while it polls
        stop.set()
        await asyncio.wait_for(task, 5)
    now = datetime.now(UTC)
    assert [f.id for f in store.claim_due_feeds(now, now + LEASE, 5, "other")] == [feed.id]


def test_release_gives_back_only_the_owners_feeds(store: Store) -> None:
    t0 = datetime(2026, 1, 27, 9, 0, tzinfo=UTC)
    store.sync_feeds([FeedSpec(f"w{i}", f"http://127.0.0.1/{i}.xml", 60) for i in range(3)], t0)
    mine = store.claim_due_feeds(t0, t0 + LEASE, 2, "leaving")
    theirs = store.claim_due_feeds(t0, t0 + LEASE, 2, "staying")
    assert store.release_feed_claims("leaving", t0 + timedelta(seconds=1)) == 2
    later = t0 + timedelta(seconds=2)
    assert {f.id for f in store.claim_due_feeds(later, later + LEASE, 5, "next")} == {f.id for f in mine}
    assert store.release_feed_claims("leaving", later) == 0
    assert store.renew_feed_claims("staying", t0 + 2 * LEASE) == len(theirs)

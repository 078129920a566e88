"""Scale-out mechanics on both databases: fetch claims with leases, match batches claimed by one worker,
subscriptions made elsewhere never missing an item, the deliver budget shared, and the fetch loop polling
each feed on its own interval without waiting for a slow one."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime, timedelta

from bot.pipeline.fetch_loop import FetchLoop
from bot.pipeline.ingest import Ingestor
from bot.pipeline.match import MatchService
from bot.pipeline.pacing import Pacer
from feeds.fetch import Fetcher, FetchLimits
from feeds.models import ChatKind, FeedSpec, FeedState
from storage.store import Store
from tests.feed_server import FeedServer
from tests.fixtures_db import T0, WINDOW, new_item

LEASE = timedelta(seconds=90)


def _feeds(store: Store, n: int, interval: int = 60) -> list[FeedState]:
    specs = [FeedSpec(f"wire{i}", f"http://127.0.0.1/{i}.xml", interval) for i in range(n)]
    return store.sync_feeds(specs, T0)


def test_a_claimed_feed_is_nobody_elses_until_its_lease_ends(store: Store) -> None:
    _feeds(store, 3)
    first = store.claim_due_feeds(T0, T0 + LEASE, 2)
    second = store.claim_due_feeds(T0, T0 + LEASE, 5)
    assert len(first) == 2 and len(second) == 1
    assert {f.id for f in first}.isdisjoint({f.id for f in second})
    assert store.claim_due_feeds(T0 + LEASE - timedelta(seconds=1), T0 + 2 * LEASE, 5) == []
    assert store.next_feed_due_at() == T0 + LEASE
    store.record_fetch_success(
        first[0].id, at=T0, next_poll_at=T0 + timedelta(seconds=60), etag=None, last_modified=None
    )
    assert store.next_feed_due_at() == T0 + timedelta(seconds=60)
    expired = store.claim_due_feeds(T0 + LEASE, T0 + 2 * LEASE, 5)  # the dead worker's feeds come back
    assert {f.id for f in expired} == {first[1].id, second[0].id, first[0].id}


def test_concurrent_fetch_workers_never_share_a_feed(store: Store) -> None:
    _feeds(store, 40)
    got: dict[str, list[int]] = {}
    barrier = threading.Barrier(4)

    def worker(name: str) -> None:
        barrier.wait()
        mine: list[int] = []
        while batch := store.claim_due_feeds(T0, T0 + LEASE, 3):
            mine += [feed.id for feed in batch]
        got[name] = mine

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    claimed = [feed for mine in got.values() for feed in mine]
    assert len(claimed) == len(set(claimed)) == 40


def _subscribe(store: Store, chat_id: int, query: str, at: datetime) -> int:
    store.touch_chat(chat_id, ChatKind.PRIVATE)
    return store.add_subscription(chat_id, query, at).id


def test_concurrent_match_workers_match_each_item_once(store: Store) -> None:
    [feed] = _feeds(store, 1)
    _subscribe(store, 10, "solar", T0 - timedelta(hours=1))
    store.add_items(
        feed.id,
        [
            new_item(f"i{k}", title=f"Solar release {k}", body=f"Distinct solar body {k} " * 3)
            for k in range(60)
        ],
        WINDOW,
    )
    workers = [MatchService(store, batch_size=7) for _ in range(3)]
    for worker in workers:
        worker.sync()
    results: list[int] = []
    threads = [threading.Thread(target=lambda w=w: results.append(w.run_once(T0))) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sum(results) == 60 == store.count_pending(10)
    assert store.unmatched_items(10) == []


def test_a_subscription_made_in_another_process_misses_no_new_item(store: Store) -> None:
    """The matcher's index was synced before the subscription existed, and it matched an item first seen
    after the subscription was made: the next pass catches the subscription up."""
    [feed] = _feeds(store, 1)
    matcher = MatchService(store)
    matcher.sync()
    made_at = T0
    [item] = store.add_items(
        feed.id, [new_item("late", title="Binzhou opens a port", seen=T0 + timedelta(seconds=1))], WINDOW
    )
    sub = _subscribe(store, 20, "binzhou", made_at)  # committed by the chat service elsewhere, just now
    assert matcher.run_once(T0 + timedelta(seconds=2)) == 0  # matched without the subscription
    matcher.sync()
    assert matcher.run_once(T0 + timedelta(seconds=3)) == 1
    [alert] = store.pending_alerts(T0 + timedelta(seconds=3), 10)
    assert (alert.item.id, alert.subscription_id) == (item.id, sub)
    matcher.sync()
    assert matcher.run_once(T0 + timedelta(seconds=4)) == 0  # once


def test_deliver_workers_share_the_bot_budget(store: Store) -> None:
    now = datetime.now(UTC)
    window = timedelta(seconds=30)
    assert store.worker_heartbeat("a", "deliver", now, window) == 1
    assert store.worker_heartbeat("b", "deliver", now, window) == 2
    assert store.worker_heartbeat("f", "fetch", now, window) == 1
    assert store.worker_heartbeat("a", "deliver", now + window + timedelta(seconds=1), window) == 1  # b died
    store.forget_worker("a")
    assert store.worker_heartbeat("c", "deliver", now + window + timedelta(seconds=1), window) == 1
    pacer = Pacer(global_per_second=28)
    pacer.share_with(2)
    assert abs(pacer._global.interval - 1 / 14) < 1e-9


async def test_a_slow_feed_holds_back_only_itself(store: Store, feed_server: FeedServer) -> None:
    rss = b"<rss version='2.0'><channel><title>t</title></channel></rss>"
    fast = feed_server.add("/fast.xml", rss)
    slow = feed_server.add("/slow.xml", rss, delay=4.0)
    store.sync_feeds([FeedSpec("fast", fast, 1), FeedSpec("slow", slow, 1)], datetime.now(UTC))
    limits = FetchLimits(read_timeout=10, total_timeout=10)
    async with Fetcher(limits) as fetcher:
        loop = FetchLoop(store, Ingestor(store, fetcher, parse_executor=None), lease=LEASE)
        stop = asyncio.Event()
        task = asyncio.create_task(loop.run(stop))
        started = time.monotonic()
        await asyncio.sleep(3.5)
        stop.set()
        await asyncio.wait_for(task, 10)
    fast_polls = len(feed_server.requests_for("/fast.xml"))
    assert fast_polls >= 3, (fast_polls, time.monotonic() - started)  # every ~1 s despite the slow one
    assert len(feed_server.requests_for("/slow.xml")) == 1

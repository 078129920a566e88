"""Benchmark retention: prune the oldest 10% of N stored items while a writer keeps inserting.

    .venv/bin/python benchmarks/retention.py [--items 1000000] [--batch 500] [--pause 0.05]

Runs on SQLite (a temp file) and, when ``WIREWATCH_TEST_DATABASE_URL`` is set, on PostgreSQL (a temporary
schema, dropped afterwards). Items (~300 bytes of text, one sent alert per ten) are bulk-loaded, first seen
over 400 days; ``Store.prune`` then removes those older than the oldest tenth, with the job's batch size
and pause. Meanwhile a thread calls ``add_items`` with one new item at a time (its own engine, like the
ingest thread) and records each call's latency: the longest is the pause retention causes to the pipeline.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert

from bot.pipeline.retention import BATCH_PAUSE_SECONDS, BATCH_SIZE
from feeds.models import ChatKind, FeedSpec, NewItem
from storage import search_index
from storage.db.engine import make_engine, transaction
from storage.db.tables import deliveries, items
from storage.store import Store

LOAD_BATCH = 5000
NOW = datetime.now(UTC).replace(microsecond=0)
SPAN = timedelta(days=400)


def load(store: Store, feed_id: int, chat_id: int, count: int) -> None:
    """Bulk-insert ``count`` items (and their index entries, and a sent alert per ten), oldest first."""
    rng = random.Random(7)
    words = ["".join(rng.choices("abcdefghiklmnoprstuvyz", k=rng.randint(3, 9))) for _ in range(5000)]
    step = SPAN / count
    engine = store._engine
    for start in range(0, count, LOAD_BATCH):
        rows, tokens, alerts = [], [], []
        for n in range(start, min(count, start + LOAD_BATCH)):
            body = " ".join(rng.choices(words, k=40))
            seen = NOW - SPAN + step * n
            rows.append(_row(feed_id, n, body, seen))
            tokens.append(search_index.IndexRow(n + 1, seen, seen, False, body))
            if n % 10 == 0:
                alerts.append(_alert(chat_id, n + 1, seen))
        with transaction(engine, write=True) as conn:
            conn.execute(insert(items), rows)
            search_index.add(conn, tokens)
            if alerts:
                conn.execute(insert(deliveries), alerts)
    if engine.dialect.name == "postgresql":  # ids were given explicitly: move the sequence past them
        with transaction(engine, write=True) as conn:
            conn.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('items', 'id'), (SELECT max(id) FROM items))"
            )


def _row(feed_id: int, n: int, body: str, seen: datetime) -> dict[str, object]:
    return {
        "id": n + 1,
        "feed_id": feed_id,
        "identity": f"bench-{n}",
        "story_id": None,
        "link": f"https://example.com/r/{n}",
        "title": body[:60],
        "body": body,
        "summary": body[:100],
        "published_at": seen,
        "first_seen_at": seen,
        "counted_at": seen,
        "title_fingerprint": f"t{n}",
        "body_fingerprint": f"{n:016x}",
    }


def _alert(chat_id: int, item_id: int, seen: datetime) -> dict[str, object]:
    return {
        "chat_id": chat_id,
        "story_id": item_id,
        "item_id": item_id,
        "subscription_id": None,
        "status": "sent",
        "attempts": 1,
        "created_at": seen,
        "sent_at": seen,
    }


class Writer(threading.Thread):
    """Adds one item at a time through its own store until stopped; records each call's latency."""

    def __init__(self, url: str, schema: str | None, feed_id: int) -> None:
        super().__init__(daemon=True)
        self.store = Store.open(url, schema=schema)
        self.feed_id = feed_id
        self.latencies: list[float] = []
        self.stop = threading.Event()

    def run(self) -> None:
        n = 0
        while not self.stop.is_set():
            item = NewItem(f"live-{n}", None, f"Live release {n}", "Fresh text.", "Fresh.", NOW, NOW)
            started = time.perf_counter()
            self.store.add_items(self.feed_id, [item], timedelta(hours=72))
            self.latencies.append(time.perf_counter() - started)
            n += 1
            time.sleep(0.005)  # a busy ingest thread, not a tight loop


def measure(label: str, url: str, schema: str | None, args: argparse.Namespace) -> None:
    store = Store.open(url, schema=schema)
    try:
        wire, live = store.sync_feeds(
            [FeedSpec("wire", "http://a", 60), FeedSpec("live", "http://b", 60)], NOW
        )
        store.touch_chat(1, ChatKind.PRIVATE)
        started = time.perf_counter()
        load(store, wire.id, 1, args.items)
        print(f"{label}: loaded {args.items:,} items in {time.perf_counter() - started:.0f}s", flush=True)
        before = NOW - SPAN + SPAN * args.fraction
        writer = Writer(url, schema, live.id)
        writer.start()
        time.sleep(1.0)
        baseline = list(writer.latencies)
        started = time.perf_counter()
        result = store.prune(before, args.batch, pause=args.pause)
        elapsed = time.perf_counter() - started
        during = writer.latencies[len(baseline) :]
        writer.stop.set()
        writer.join()
        writer.store.close()
        print(
            f"{label}: pruned {result.items:,} items, {result.search_entries:,} index entries, "
            f"{result.deliveries:,} alerts in {result.batches} batches: {elapsed:.1f}s total "
            f"({result.items / elapsed:,.0f} items/s)\n"
            f"{label}: concurrent writer, {len(during)} inserts during the prune: longest "
            f"{max(during) * 1000:.0f} ms, p99 {_p99(during) * 1000:.0f} ms, median "
            f"{statistics.median(during) * 1000:.1f} ms (before the prune: longest "
            f"{max(baseline) * 1000:.0f} ms)",
            flush=True,
        )
    finally:
        store.close()


def _p99(values: list[float]) -> float:
    return sorted(values)[int(len(values) * 0.99)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000, help="items stored before pruning")
    parser.add_argument("--fraction", type=float, default=0.1, help="share of them old enough to prune")
    parser.add_argument("--batch", type=int, default=BATCH_SIZE, help="items per prune transaction")
    parser.add_argument("--pause", type=float, default=BATCH_PAUSE_SECONDS, help="seconds between batches")
    args = parser.parse_args()
    print(
        f"retention benchmark: {args.items:,} items, prune the oldest {args.fraction:.0%}, "
        f"batch {args.batch}, pause {args.pause}s",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as tmp:
        measure("sqlite", f"sqlite:///{Path(tmp) / 'bench.db'}", None, args)
    pg = os.environ.get("WIREWATCH_TEST_DATABASE_URL")
    if not pg:
        print("postgresql: skipped (set WIREWATCH_TEST_DATABASE_URL)")
        return
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    try:
        measure("postgresql", pg, schema, args)
    finally:
        engine = make_engine(pg)
        with engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        engine.dispose()


if __name__ == "__main__":
    main()

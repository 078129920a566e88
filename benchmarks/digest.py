"""Benchmark digests: assembling 10,000 chats' digests of 20 stories, and finding due digests in a big outbox.

    .venv/bin/python -m benchmarks.digest [--chats 10000] [--stories 20] [--rows 1000000]

Assembly is pure (``bot.chat.digest.render_digest_messages``): time per digest and the total. The due-digest
query (``Store.due_digests``) runs over ``--rows`` delivered (sent) rows plus ``chats x stories`` waiting
digest rows whose slots are spread over a day; timed with none, half and all of them due. SQLite (a temp
file) always; PostgreSQL too when ``WIREWATCH_TEST_DATABASE_URL`` is set (a temporary schema, dropped).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, text

from bot.chat.digest import render_digest_messages
from feeds.models import ChatKind, FeedSpec, Item
from storage.db.engine import make_engine
from storage.db.tables import chats, deliveries, items
from storage.store import PendingAlert, Store

QUERY_GOAL_MS = 50.0
DIGEST_GOAL_MS = 5.0
SLOT = datetime(2026, 5, 5, 0, 0, tzinfo=UTC)
ZONE = ZoneInfo("Asia/Shanghai")
BATCH = 10_000


def fake_alerts(chat: int, stories: int, rng: random.Random) -> list[PendingAlert]:
    """One chat's digest rows: three subscriptions, headlines of 60-140 characters."""
    out = []
    for n in range(stories):
        seen = SLOT - timedelta(minutes=rng.randint(1, 24 * 60))
        title = " ".join(
            rng.choice(("Harbor", "solar", "ferry", "GmbH", "滨州", "quarterly", "results"))
            for _ in range(rng.randint(8, 20))
        )
        story = chat * 1000 + n
        item = Item(
            story,
            1,
            "Example Wire",
            story,
            f"i{story}",
            f"https://example.com/r/{story}",
            title,
            "",
            "",
            seen,
            seen,
        )
        sub = n % 3
        out.append(
            PendingAlert(
                story, chat, ChatKind.PRIVATE, story, item, sub, f"query {sub}", 0, seen, "digest", SLOT
            )
        )
    return out


def bench_assembly(chat_count: int, stories: int) -> None:
    rng = random.Random(5)
    inputs = [fake_alerts(chat, stories, rng) for chat in range(chat_count)]
    times = []
    messages = 0
    start, cpu = time.perf_counter(), time.process_time()
    for alerts in inputs:
        t0 = time.perf_counter()
        messages += len(render_digest_messages(alerts, ZONE, SLOT))
        times.append((time.perf_counter() - t0) * 1000)
    total, cpu = time.perf_counter() - start, time.process_time() - cpu
    p95 = statistics.quantiles(times, n=20)[-1]
    print(f"digest assembly: {chat_count} chats x {stories} stories -> {messages} messages")
    print(
        f"  per digest: median {statistics.median(times):.3f} ms, p95 {p95:.3f} ms, "
        f"CPU {cpu / chat_count * 1000:.3f} ms (goal < {DIGEST_GOAL_MS} ms); "
        f"total {total:.2f} s wall, {cpu:.2f} s CPU"
    )


def fill(url: str, schema: str | None, rows: int, chat_count: int, stories: int) -> None:
    """``rows`` sent deliveries and ``chat_count x stories`` waiting digest rows, slots spread over 24 h."""
    store = Store.open(url, schema=schema)
    (feed,) = store.sync_feeds([FeedSpec("bench", "http://127.0.0.1/x.xml", 60)], SLOT)
    store.close()
    engine = make_engine(url, schema=schema)
    then = SLOT - timedelta(days=3)
    with engine.begin() as conn:
        conn.execute(
            insert(chats),
            [
                {
                    "id": c,
                    "kind": "private",
                    "active": True,
                    "paused": False,
                    "created_at": then,
                    "updated_at": then,
                }
                for c in range(1, chat_count + 1)
            ],
        )
        conn.execute(
            insert(items),
            [
                {
                    "id": i,
                    "feed_id": feed.id,
                    "identity": f"i{i}",
                    "title": "t",
                    "body": "b",
                    "summary": "s",
                    "published_at": then,
                    "first_seen_at": then,
                    "counted_at": then,
                    "title_fingerprint": "t",
                    "body_fingerprint": f"b{i}",
                }
                for i in range(1, 1001)
            ],
        )
    _insert(engine, (_sent(n, chat_count, then) for n in range(rows)))
    waiting = chat_count * stories
    _insert(engine, (_waiting(rows + n, chat_count, stories, then) for n in range(waiting)))
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    engine.dispose()


def _sent(n: int, chat_count: int, then: datetime) -> dict[str, Any]:
    return {
        "chat_id": n % chat_count + 1,
        "story_id": n,
        "item_id": n % 1000 + 1,
        "status": "sent",
        "attempts": 1,
        "created_at": then,
        "sent_at": then,
        "kind": "digest" if n % 2 else "instant",
        "digest_slot": then if n % 2 else None,
    }


def _waiting(n: int, chat_count: int, stories: int, then: datetime) -> dict[str, Any]:
    chat = (n // stories) % chat_count + 1
    slot = SLOT + timedelta(minutes=15 * (chat % 96))  # one slot a quarter hour over the day
    return {
        "chat_id": chat,
        "story_id": n,
        "item_id": n % 1000 + 1,
        "status": "pending",
        "attempts": 0,
        "created_at": then,
        "kind": "digest",
        "not_before": slot,
        "digest_slot": slot,
    }


_COLUMNS = (
    "chat_id",
    "story_id",
    "item_id",
    "status",
    "attempts",
    "created_at",
    "sent_at",
    "kind",
    "not_before",
    "digest_slot",
)


def _insert(engine: Any, rows: Any) -> None:
    """Bulk load: COPY on PostgreSQL, batched executemany on SQLite."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            cursor = conn.connection.driver_connection.cursor()
            with cursor.copy(f"COPY deliveries ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([row.get(column) for column in _COLUMNS])
        return
    batch: list[dict[str, Any]] = []
    for row in [*rows, None]:
        if row is not None:
            batch.append({column: row.get(column) for column in _COLUMNS})
        if batch and (row is None or len(batch) == BATCH):
            with engine.begin() as conn:
                conn.execute(insert(deliveries), batch)
            batch = []


def timed(fn: Callable[[], object], runs: int = 20) -> tuple[float, float, object]:
    """Median and worst of ``runs`` calls in ms, and the last result."""
    result: object = None
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), max(times), result


def bench_query(label: str, url: str, schema: str | None, rows: int, chat_count: int, stories: int) -> None:
    t0 = time.perf_counter()
    fill(url, schema, rows, chat_count, stories)
    print(
        f"{label}: {rows} sent + {chat_count * stories} waiting digest rows loaded in "
        f"{time.perf_counter() - t0:.1f} s"
    )
    store = Store.open(url, schema=schema)
    try:
        median, _, _ = timed(lambda: store.get_chat(1))
        print(f"  baseline, one store round trip (get_chat): median {median:.2f} ms")
        for name, now in (
            ("none due", SLOT - timedelta(minutes=1)),
            ("half due", SLOT + timedelta(hours=12)),
            ("all due", SLOT + timedelta(days=1)),
        ):
            median, worst, found = timed(lambda now=now: store.due_digests(now, 100))
            verdict = "ok" if median < QUERY_GOAL_MS else "OVER GOAL"
            print(
                f"  due_digests(limit=100), {name}: median {median:.2f} ms, worst {worst:.2f} ms, "
                f"{len(found)} chats (goal < {QUERY_GOAL_MS:.0f} ms: {verdict})"
            )  # type: ignore[arg-type]
        median, worst, alerts = timed(
            lambda: store.digest_alerts(1, SLOT + timedelta(days=1), SLOT + timedelta(days=1))
        )
        print(f"  digest_alerts(one chat): median {median:.2f} ms, worst {worst:.2f} ms, {len(alerts)} rows")  # type: ignore[arg-type]
        median, worst, _ = timed(lambda: store.volume_counts(1, SLOT))
        print(f"  volume_counts(one chat, /status): median {median:.2f} ms, worst {worst:.2f} ms")
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--chats", type=int, default=10_000)
    parser.add_argument("--stories", type=int, default=20)
    parser.add_argument("--rows", type=int, default=1_000_000, help="delivered rows in the outbox")
    args = parser.parse_args()
    bench_assembly(args.chats, args.stories)
    with tempfile.TemporaryDirectory() as tmp:
        bench_query("SQLite", f"sqlite:///{tmp}/bench.db", None, args.rows, args.chats, args.stories)
    pg = os.environ.get("WIREWATCH_TEST_DATABASE_URL")
    if pg:
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        try:
            bench_query("PostgreSQL", pg, schema, args.rows, args.chats, args.stories)
        finally:
            engine = make_engine(pg)
            with engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            engine.dispose()


if __name__ == "__main__":
    main()

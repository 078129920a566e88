"""Claim benchmark: the cost of one outbox claim pass with a big backlog, and draining it claim by claim.

    .venv/bin/python -m benchmarks.claims                        # 10,000 chats x 14 alerts on SQLite
    .venv/bin/python -m benchmarks.claims --database-url postgresql+psycopg://postgres@127.0.0.1:5432/DB

Seeds the outbox directly (items, chats, pending deliveries), then times claim passes of ``--chats`` chats
as a sender does while the backlog drains: claim, mark the claimed rows sent, claim again. Prints the
median and worst claim time; a pass must stay far below the pacer's budget (~30 messages/s) to keep up.
The PostgreSQL database must be empty (a fresh database or schema).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert

from feeds.models import FeedSpec
from feeds.values import Claim
from storage.db.tables import chats, deliveries, items
from storage.store import Store


def seed(url: str, chat_count: int, per_chat: int, item_count: int) -> None:
    """``chat_count`` private chats with ``per_chat`` pending deliveries each, spread over the id range."""
    store = Store.open(url)
    now = datetime.now(UTC)
    [feed] = store.sync_feeds([FeedSpec("bench", "http://127.0.0.1/bench.xml", 300)], now)
    store.close()
    item_rows = [
        {
            "feed_id": feed.id,
            "identity": f"bench-{n}",
            "title": f"Release {n}",
            "body": "body text " * 200,
            "summary": "summary",
            "published_at": now,
            "first_seen_at": now,
            "counted_at": now,
            "title_fingerprint": f"t{n}",
            "body_fingerprint": f"b{n}",
        }
        for n in range(1, item_count + 1)
    ]
    chat_rows = [
        {
            "id": 1000 + c,
            "kind": "private",
            "active": True,
            "paused": False,
            "created_at": now,
            "updated_at": now,
        }
        for c in range(chat_count)
    ]
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(insert(items), item_rows)
            conn.execute(insert(chats), chat_rows)
            rows = []
            for k in range(per_chat):  # story-major, as the match stage writes them: chats interleave by id
                for c in range(chat_count):
                    story = 1 + (c * 7 + k * 13) % item_count
                    rows.append(
                        {
                            "chat_id": 1000 + c,
                            "story_id": story,
                            "item_id": story,
                            "status": "pending",
                            "attempts": 0,
                            "created_at": now,
                        }
                    )
            unique = {(r["chat_id"], r["story_id"]): r for r in rows}
            values = list(unique.values())
            for start in range(0, len(values), 10_000):
                conn.execute(insert(deliveries), values[start : start + 10_000])
        if engine.dialect.name == "postgresql":  # what autovacuum does after a bulk load
            with engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
    finally:
        engine.dispose()


def drain(url: str, max_chats: int, passes: int) -> list[float]:
    """Seconds of each claim pass while claiming ``max_chats`` chats and settling them in between."""
    store = Store.open(url)
    timings = []
    try:
        for _ in range(passes):
            now = datetime.now(UTC)
            started = time.perf_counter()
            claimed = store.claim_alerts(Claim("bench", now + timedelta(seconds=30), max_chats, 100), now)
            timings.append(time.perf_counter() - started)
            if not claimed:
                break
            store.mark_sent([a.delivery_id for a in claimed], now, "bench")
    finally:
        store.close()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--chats", type=int, default=64, help="chats per claim pass")
    parser.add_argument("--backlog-chats", type=int, default=10_000)
    parser.add_argument("--per-chat", type=int, default=14)
    parser.add_argument("--passes", type=int, default=30)
    parser.add_argument("--database-url", default=None, help="an empty PostgreSQL database (default: SQLite)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wirewatch-claims-") as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'claims.db'}"
        started = time.perf_counter()
        seed(url, args.backlog_chats, args.per_chat, 1000)
        seconds = time.perf_counter() - started
        print(f"seeded {args.backlog_chats} chats x {args.per_chat} alerts in {seconds:.1f} s")
        timings = drain(url, args.chats, args.passes)
    ms = sorted(t * 1000 for t in timings)
    print(
        f"{len(ms)} claim passes of {args.chats} chats: median {statistics.median(ms):.1f} ms, "
        f"worst {ms[-1]:.1f} ms"
    )


if __name__ == "__main__":
    main()

"""Benchmark ``/recent``: full-text ``recent_items`` over 100,000 stored items versus a naive LIKE scan.

    .venv/bin/python benchmarks/recent.py [--items 100000]

Runs on SQLite (a temp file) and, when ``WIREWATCH_TEST_DATABASE_URL`` is set, on PostgreSQL (a temporary
schema, dropped afterwards). Items are generated (~2 KB, one in ten Chinese), first seen over the last six
days; queries ask for the newest 10 of the last 7 days. Also times ``add_items`` for batches of 50, and
``daily_counts`` over 365 days (goal <= 200 ms; the whole corpus lies in that window, every match counts).
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
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text

from feeds.models import FeedSpec, NewItem
from feeds.query import parse_query
from feeds.search import AnyOf, Phrase, SearchExpr, Tok
from storage.db.engine import make_engine
from storage.store import Store

GOAL_MS = 50.0
BATCH = 500
FEEDS = 200
RARE, RARE_TWIN, PHRASE, CJK = "zephyrquartz", "zephyrine", ("harbor", "ferry"), "滨州"
NOW = datetime.now(UTC).replace(microsecond=0)
WINDOW = timedelta(hours=48)


def vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    """20,000 made-up Latin words with Zipf weights (the first is in nearly every item)."""
    words = ["".join(rng.choices("abcdefghiklmnoprstuvyz", k=rng.randint(3, 10))) for _ in range(20_000)]
    return words, [1.0 / rank for rank in range(1, len(words) + 1)]


def generate(count: int, seed: int = 7) -> Iterator[NewItem]:
    """``count`` releases of about 2 KB, oldest first."""
    rng = random.Random(seed)
    words, weights = vocabulary(rng)
    hanzi = [chr(c) for c in range(0x4E00, 0x4E00 + 2500)]
    step = timedelta(days=6) / count
    for n in range(count):
        if n % 10 == 9:
            body = "".join(rng.choices(hanzi, k=680))
            if n % 50 == 9:
                body = body[:300] + CJK + body[300:]
            title = "".join(rng.choices(hanzi, k=16))
        else:
            picked = rng.choices(words, weights, k=300)
            if n % 100 == 3:
                picked[120:120] = list(PHRASE)
            if n % 5000 == 17:
                picked[40:40] = [RARE]
            if n % 5000 == 2517:
                picked[40:40] = [RARE_TWIN]
            body, title = " ".join(picked), " ".join(rng.choices(words, weights, k=9)).capitalize()
        seen = NOW - timedelta(days=6) + step * n
        yield NewItem(
            f"bench-{n}",
            f"https://example.com/r/{n}",
            title,
            body,
            body[:200],
            seen,
            seen,
            title_fingerprint=f"t{n}",
            body_fingerprint=f"{n:016x}",
        )


def load(store: Store, count: int) -> float:
    """Insert ``count`` items in batches; returns seconds."""
    feeds = store.sync_feeds(
        [FeedSpec(f"wire-{i}", f"http://127.0.0.1/{i}.xml", 300) for i in range(FEEDS)], NOW
    )
    started = time.perf_counter()
    batch: list[NewItem] = []
    for n, item in enumerate(generate(count)):
        batch.append(item)
        if len(batch) == BATCH:
            store.add_items(feeds[(n // BATCH) % FEEDS].id, batch, WINDOW)
            batch = []
            if (n + 1) % 20_000 == 0:
                print(f"  loaded {n + 1:,} items ({time.perf_counter() - started:.0f} s)", flush=True)
    if batch:
        store.add_items(feeds[0].id, batch, WINDOW)
    return time.perf_counter() - started


def timed(fn: Callable[[], object], runs: int = 15) -> tuple[float, float, object]:
    """(median ms, max ms, last result) over ``runs`` after one warm-up."""
    result = fn()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), max(samples), result


QUERIES: list[tuple[str, SearchExpr]] = [
    ("rare term", Tok(RARE)),
    ("absent term", Tok("qqqnoword")),
    ("common term", Tok("__COMMON__")),
    ("phrase", Phrase(PHRASE)),
    ("OR", AnyOf((Tok(RARE), Tok(RARE_TWIN)))),
    ("prefix", Tok("zephyr", prefix=True)),
    ("CJK bigram", Tok(CJK)),
]


def like_scan(url: str, schema: str | None, term: str) -> Callable[[], object]:
    """The naive baseline: newest 10 whose title or body contains ``term`` (LIKE scan)."""
    engine = make_engine(url, schema=schema)
    sql = text(
        "SELECT id FROM items WHERE first_seen_at >= :since AND (title LIKE :pat OR body LIKE :pat) "
        "ORDER BY id DESC LIMIT 10"
    )
    since = (
        (NOW - timedelta(days=7)).replace(tzinfo=None)
        if url.startswith("sqlite")
        else NOW - timedelta(days=7)
    )

    def run() -> object:
        with engine.connect() as conn:
            return conn.execute(sql, {"since": since, "pat": f"%{term}%"}).all()

    return run


def bench_add_items(store: Store, calls: int = 20) -> tuple[float, float]:
    """(median ms, max ms) of ``add_items`` with 50 new items, into a database already holding the corpus."""
    (feed,) = [f for f in store.sync_feeds([FeedSpec("wire-0", "http://127.0.0.1/0.xml", 300)], NOW)]
    rng = random.Random(3)
    items = list(generate(calls * 50, seed=11))
    samples = []
    for call in range(calls):
        batch = [
            NewItem(
                **{**{s: getattr(i, s) for s in NewItem.__slots__}, "identity": f"add-{call}-{rng.random()}"}
            )
            for i in items[call * 50 : (call + 1) * 50]
        ]
        started = time.perf_counter()
        store.add_items(feed.id, batch, WINDOW)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), max(samples)


def load_and_analyze(store: Store, url: str, schema: str | None, count: int) -> float:
    """``load`` the corpus, then ANALYZE on PostgreSQL (a schema) so plans see its size; returns the
    seconds the load took."""
    seconds = load(store, count)
    if schema is not None:
        with make_engine(url, schema=schema).begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    return seconds


def run_backend(label: str, url: str, schema: str | None, count: int) -> None:
    print(f"\n== {label}: {count:,} items ==", flush=True)
    store = Store.open(url, schema=schema)
    try:
        seconds = load_and_analyze(store, url, schema, count)
        print(f"  load: {seconds:.1f} s ({count / seconds:,.0f} items/s, batches of {BATCH})")
        report(store, url, schema)
        report_trends(store)
        median, worst = bench_add_items(store)
        print(f"  add_items(50 new items): median {median:.1f} ms, max {worst:.1f} ms")
    finally:
        store.close()


def report(store: Store, url: str, schema: str | None) -> None:
    since = NOW - timedelta(days=7)
    common = vocabulary(random.Random(7))[0][0]  # generate() draws the same vocabulary first
    baseline, _, _ = timed(like_scan(url, schema, RARE), runs=3)
    print(f"  naive LIKE scan (rare term): {baseline:.1f} ms")
    header = f"  {'query':<12} {'median ms':>10} {'max ms':>8} {'hits':>5} {'LIKE/query':>11}"
    print(f"{header}  goal < {GOAL_MS:.0f} ms")
    for name, expr in QUERIES:
        if expr == Tok("__COMMON__"):
            expr = Tok(common)
        median, worst, result = timed(lambda e=expr: store.recent_items(since=since, limit=10, candidates=e))
        hits = len(result)  # type: ignore[arg-type]
        verdict = "ok" if median < GOAL_MS else "SLOW"
        print(f"  {name:<12} {median:>10.2f} {worst:>8.2f} {hits:>5} {baseline / median:>10.0f}x  {verdict}")


TREND_GOAL_MS = 200.0
TREND_QUERIES = [
    ("rare term", "zephyrquartz"),
    ("common term", "__COMMON__"),
    ("phrase", '"harbor ferry"'),
    ("OR", "zephyrquartz OR zephyrine"),
    ("prefix", "zephyr*"),
    ("CJK bigram", CJK),
    ("exclusion", "harbor -ferry"),
]


def report_trends(store: Store) -> None:
    """Daily story counts over 365 days, as /trend asks for them (every stored item lies in the window)."""
    common = vocabulary(random.Random(7))[0][0]
    first_day = (NOW - timedelta(days=364)).date()
    print(f"  /trend daily counts, 365 days  {'median ms':>10} {'max ms':>8} {'stories':>8}  goal <= 200 ms")
    for name, text_ in TREND_QUERIES:
        query = parse_query(text_.replace("__COMMON__", common))
        median, worst, result = timed(
            lambda q=query: store.daily_counts(q, first_day=first_day, days=365, zone=UTC, releases=False),
            runs=5,
        )
        stories = sum(result.stories)  # type: ignore[attr-defined]
        verdict = "ok" if median <= TREND_GOAL_MS else "SLOW"
        print(f"  {name:<30} {median:>10.1f} {worst:>8.1f} {stories:>8}  {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--items", type=int, default=100_000)
    args = parser.parse_args()
    on_both_backends(run_backend, args.items)


def on_both_backends(run: Callable[[str, str, str | None, int], None], items: int) -> None:
    """``run(name, url, schema, items)`` on a SQLite file, then on a fresh schema of the PostgreSQL server
    named by ``WIREWATCH_TEST_DATABASE_URL`` (skipped, saying so, without it; the schema dropped after)."""
    with tempfile.TemporaryDirectory() as tmp:
        run("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}", None, items)
    pg = os.environ.get("WIREWATCH_TEST_DATABASE_URL")
    if not pg:
        print("\n(PostgreSQL skipped: set WIREWATCH_TEST_DATABASE_URL to include it)")
        return
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    try:
        run("PostgreSQL", pg, schema, items)
    finally:
        with make_engine(pg).begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


if __name__ == "__main__":
    main()

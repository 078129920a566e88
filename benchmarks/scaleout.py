"""Scale-out on PostgreSQL: 1 vs 2 worker processes for a cold pass and for delivery.

(Over 400 lines: one script, one command; its two scenarios share the cluster, the workers and the report.)

    .venv/bin/python -m benchmarks.scaleout --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
    .venv/bin/python -m benchmarks.scaleout --database-url … --feeds 1000 --alerts-scale 0.5   # shorter

Each worker is a real ``wirewatch run`` process on a fresh database (made on the given server, dropped
after). **Pinned**: started as ``taskset -c N python -m bot.entry.cli run --roles …`` (worker N on core N;
its parse pool inherits the affinity) with ``[polling] parse_workers = 1``, so one worker is one core.

- cold pass: ``--roles fetch,match``; N feeds × 50 items (~100 KB each, as ``benchmarks/ingest.py``) on 8
  loopback hosts served from another process; every feed was polled once before (so its new items go
  through match) and falls due at one instant; timed from that instant until every feed is stored and
  every item matched against 1,000 subscriptions. Also one unpinned process with the default pool.
- delivery: ``--roles deliver``; 3,000 alerts to 1,500 chats (``benchmarks/deliver.py``'s mix) through
  the fake Telegram server (own process, flood limits on), enqueued at once after the workers started.
- claim overhead: the claim queries alone on the same database (ms per feed, per alert).
- ``--throwaway-cluster``: a PostgreSQL cluster of our own (at PostgreSQL's default ``shared_buffers``), so
  the database's CPU per feed is measured too; ``--statements N`` adds its N costliest statements of each
  cold pass (``pg_stat_statements``: server time and calls per feed).

Goals: 2 pinned workers ≥ 1.7× one on the cold pass; delivery by 2 workers ≥ 90% of 30 msg/s, 0 429s.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Connection, create_engine, text

from benchmarks.deliver import CAP, RemoteFake, busiest_second
from benchmarks.deliver import seed as seed_outbox
from benchmarks.fresh_db import fresh_database
from benchmarks.ingest import WORDS, serve
from feeds.models import ChatKind, FeedSpec
from feeds.values import Claim
from storage.store import Store
from tests.pg_cluster import throwaway_cluster
from tests.run_process import WirewatchProcess, marked_processes, wait_until, write_config

CLUSTER_OPTIONS = "-c shared_buffers=128MB"
"""The throwaway cluster with PostgreSQL's default ``shared_buffers`` (128 MB), not the 16 MB the fault tests
start it with (``tests/pg_cluster.py``): a production server is not sized below the default."""
FETCH_BATCH = 40  # what one fetch pass claims at most: polling.concurrency (20) × 2
DUE_IN = 6.0  # seconds from "workers started" to the instant every feed falls due (> the loop's 5 s sleep)


@dataclass(frozen=True)
class Setup:
    server_url: str
    feeds: int
    items: int
    subs: int
    alerts_scale: float
    tmp: Path
    postmaster: int | None = None  # the PID of a PostgreSQL server we started (its CPU is measured)
    statements: int = 0  # print the database's N costliest statements of each cold pass (pg_stat_statements)


def workers(
    setup: Setup, config: Path, token: str, roles: str, count: int, pinned: bool
) -> list[WirewatchProcess]:
    """Start ``count`` ``run --roles`` processes (pinned: worker N on core N); wait until each started."""
    cores = os.cpu_count() or 1
    procs = [
        WirewatchProcess.start(
            config, token, args=["--roles", roles], prefix=["taskset", "-c", str(n % cores)] if pinned else []
        )
        for n in range(count)
    ]
    for proc in procs:
        if not wait_until(lambda p=proc: "wirewatch_started" in p.stderr(), 90, step=0.2):  # type: ignore[misc]
            raise SystemExit(f"a worker did not start\n{proc.stderr()[-3000:]}")
    return procs


def cpu_seconds(procs: list[WirewatchProcess]) -> float:
    """CPU seconds used so far by the workers and their children (parse pool, forkserver)."""
    total = 0
    for proc in procs:
        for pid in marked_processes(proc.marker):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _proc_cpu(pid: int) -> tuple[int, int]:
    """(parent pid, CPU ticks) of a process; (0, 0) when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0, 0
    return int(fields[1]), int(fields[11]) + int(fields[12])


def server_cpu(postmaster: int | None) -> float:
    """CPU seconds of a PostgreSQL server we run ourselves (the postmaster and its children); 0 without."""
    if postmaster is None:
        return 0.0
    ticks = _proc_cpu(postmaster)[1]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            parent, used = _proc_cpu(int(entry.name))
            ticks += used if parent == postmaster else 0
    return ticks / os.sysconf("SC_CLK_TCK")


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot (``/proc/stat``)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    total = sum(values[:8])
    return (total - values[3] - values[4]) / os.sysconf("SC_CLK_TCK"), total / os.sysconf("SC_CLK_TCK")


def stop_all(procs: list[WirewatchProcess]) -> None:
    for proc in procs:
        proc.terminate(timeout=30)
        proc.cleanup()


# --- cold pass -----------------------------------------------------------------------------------------
def watch_query(rng: random.Random, n: int) -> str:
    """Like a real watch list: mostly a name the wires rarely carry (here: never), beside a common word;
    one in ten a two-word headline phrase of common words (~1 item in 180 matches each)."""
    if n % 10 == 0:
        k = n // 10  # a distinct pair of words per chat
        return f'title:"{WORDS[k % len(WORDS)]} {WORDS[(7 * k + 3) % len(WORDS)]}"'
    return f"{rng.choice(WORDS)} Company{n}"


def seed_feeds(url: str, feed_urls: list[str], subs: int) -> list[FeedSpec]:
    """Feeds polled once before (empty then) and not due; ``subs`` subscriptions over 250 chats (one in
    ten matches now and then: the pass enqueues tens of thousands of alerts per 1,000 feeds)."""
    specs = [FeedSpec(f"bench-{i:04d}", u, 600) for i, u in enumerate(feed_urls)]
    store = Store.open(url)
    try:
        now = datetime.now(UTC)
        store.sync_feeds(specs, now)
        rng = random.Random(7)
        made = now - timedelta(hours=1)
        for n in range(subs):
            chat_id = 50_000 + n % 250
            store.touch_chat(chat_id, ChatKind.PRIVATE)
            store.add_subscription(chat_id, watch_query(rng, n), made)
    finally:
        store.close()
    with _engine(url) as conn:
        conn.execute(
            text("UPDATE feeds SET last_success_at = :past, next_poll_at = :later"),
            {"past": now - timedelta(hours=1), "later": now + timedelta(days=1)},
        )
    return specs


@contextmanager
def _engine(url: str) -> Iterator[Connection]:
    """One committed connection to ``url``."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            yield conn
    finally:
        engine.dispose()


def cold_pass(setup: Setup, feed_urls: list[str], count: int, pinned: bool, label: str) -> float:
    """One cold pass by ``count`` fetch+match workers; prints and returns the seconds it took."""
    with fresh_database(setup.server_url, setup.tmp, "cold") as url:
        specs = seed_feeds(url, feed_urls, setup.subs)
        config = write_config(
            setup.tmp / "cold.toml",
            database_url=url,
            api_base_url="http://127.0.0.1:9/bot",
            feeds=[(s.name, s.url) for s in specs],
            interval=600,
            polling=("parse_workers = 1\n" if pinned else "") + "concurrency = 64\nper_host_concurrency = 8",
        )
        procs = workers(setup, config, "0:unused", "fetch,match", count, pinned)
        try:
            with _engine(url) as conn:
                due = datetime.now(UTC) + timedelta(seconds=DUE_IN)
                conn.execute(text("UPDATE feeds SET next_poll_at = :due"), {"due": due})
            if setup.statements:
                with _engine(url) as conn:
                    conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_stat_statements"))
                    conn.execute(text("SELECT pg_stat_statements_reset()"))
            time.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()))
            cpu, db_cpu, busy = cpu_seconds(procs), server_cpu(setup.postmaster), machine_busy()
            done = wait_until(lambda: _cold_done(url, due, len(specs)), 600, step=0.25)
            seconds = (datetime.now(UTC) - due).total_seconds()
            items = _count(url, "SELECT count(*) FROM items")
            alerts = _count(url, "SELECT count(*) FROM deliveries")
            cpu, db_cpu = cpu_seconds(procs) - cpu, server_cpu(setup.postmaster) - db_cpu
            after = machine_busy()
            costliest = costliest_statements(url, setup.statements, len(specs))
        finally:
            stop_all(procs)
        per_feed = claim_cost_per_feed(url)
    status = "" if done else "  (NOT FINISHED in 600 s)"
    print(
        f"cold pass  {label:<22} {seconds:6.1f} s  {len(specs) / seconds:6.1f} feeds/s  "
        f"{items / seconds:7.0f} items/s  {alerts} alerts  "
        f"workers' CPU {cpu * 1000 / len(specs):5.1f} ms/feed  "
        f"claim {per_feed * 1000:.2f} ms/feed{status}",
        flush=True,
    )
    cores = (after[1] - busy[1]) / seconds
    print(
        f"           workers used {cpu / seconds:.2f} cores, the database {db_cpu / seconds:.2f} "
        f"({db_cpu * 1000 / len(specs):.1f} ms/feed{'' if setup.postmaster else ': not measured'}), "
        f"the machine was busy {(after[0] - busy[0]) / seconds:.2f} of {cores:.0f} cores",
        flush=True,
    )
    for line in costliest:
        print(f"           {line}", flush=True)
    return seconds


STATEMENT_STATS = (
    "SELECT total_exec_time, calls, rows, regexp_replace(query, '\\s+', ' ', 'g') AS query"
    " FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())"
    " ORDER BY total_exec_time DESC LIMIT :limit"
)


def costliest_statements(url: str, limit: int, feeds: int) -> list[str]:
    """The ``limit`` statements that took the most server time since the reset, per feed."""
    if not limit:
        return []
    with _engine(url) as conn:
        rows = conn.execute(text(STATEMENT_STATS), {"limit": limit}).all()
    return [
        f"{row.total_exec_time / feeds:6.2f} ms/feed {row.calls / feeds:6.2f} calls/feed "
        f"{row.rows / max(1, row.calls):7.1f} rows/call  {row.query[:110]}"
        for row in rows
    ]


def _count(url: str, sql: str, **params: object) -> int:
    with _engine(url) as conn:
        return int(conn.execute(text(sql), params).scalar_one())


def _cold_done(url: str, due: datetime, feeds: int) -> bool:
    polled = _count(
        url, "SELECT count(*) FROM feeds WHERE last_success_at >= :due OR last_error_at >= :due", due=due
    )
    return polled == feeds and _count(url, "SELECT count(*) FROM match_queue") == 0


def claim_cost_per_feed(url: str) -> float:
    """Seconds per feed of a fetch worker's claim queries: claim (batches of 40) + the next-due query."""
    with _engine(url) as conn:
        conn.execute(text("UPDATE feeds SET next_poll_at = :now"), {"now": datetime.now(UTC)})
    store = Store.open(url)
    try:
        now = datetime.now(UTC)
        started, claimed = time.perf_counter(), 0
        while batch := store.claim_due_feeds(now, now + timedelta(minutes=2), FETCH_BATCH):
            claimed += len(batch)
            store.next_feed_due_at()
        return (time.perf_counter() - started) / max(1, claimed)
    finally:
        store.close()


# --- delivery ------------------------------------------------------------------------------------------
def deliver_pass(setup: Setup, count: int, pinned: bool, label: str) -> tuple[float, int]:
    """``count`` deliver workers drain 3,000 alerts (× scale); prints; returns (msg/s, 429s)."""
    with fresh_database(setup.server_url, setup.tmp, "deliver") as url, RemoteFake() as fake:
        Store.open(url).close()  # migrated before the workers race to it
        config = write_config(
            setup.tmp / "deliver.toml", database_url=url, api_base_url=fake.base_url, feeds=[]
        )
        procs = workers(setup, config, fake.token, "deliver", count, pinned)
        try:
            store = Store.open(url)
            alerts = seed_outbox(store, setup.alerts_scale)
            started = time.monotonic()
            drained = wait_until(
                lambda: (
                    _count(url, "SELECT count(*) FROM deliveries WHERE status IN ('pending','sending')") == 0
                ),
                900,
                step=0.25,
            )
            seconds = time.monotonic() - started
        finally:
            stop_all(procs)
        sent_ok, too_many, times = fake.finish()
        per_alert = claim_cost_per_alert(store, url)
        store.close()
    span = (max(times) - min(times)) if len(times) > 1 else seconds
    rate = sent_ok / span if span else 0.0
    status = "" if drained else "  (NOT DRAINED in 900 s)"
    print(
        f"delivery   {label:<22} {alerts} alerts, {sent_ok} msgs in {span:6.1f} s = {rate:5.1f} msg/s "
        f"({100 * rate / CAP:5.1f}% of {CAP:.0f}/s)  429s: {too_many}  busiest second: "
        f"{busiest_second(list(times))}  claim {per_alert * 1000:.2f} ms/alert{status}",
        flush=True,
    )
    return rate, too_many


def claim_cost_per_alert(store: Store, url: str) -> float:
    """Seconds per alert of the sender's claim query (64 chats at a time), on the delivered rows made
    pending again."""
    with _engine(url) as conn:
        conn.execute(text("UPDATE deliveries SET status = 'pending', sent_at = NULL WHERE status = 'sent'"))
    now = datetime.now(UTC)
    claim = Claim("bench-claims", now + timedelta(minutes=5), 64, 100)
    started, claimed = time.perf_counter(), 0
    while alerts := store.claim_alerts(claim, now):
        claimed += len(alerts)
    return (time.perf_counter() - started) / max(1, claimed)


# --- main ----------------------------------------------------------------------------------------------
def run_cold(setup: Setup, feed_urls: list[str], unpinned: bool) -> bool:
    one = cold_pass(setup, feed_urls, 1, True, "1 worker, pinned")
    two = cold_pass(setup, feed_urls, 2, True, "2 workers, pinned")
    ratio = one / two
    print(
        f"cold pass  2 pinned workers are {ratio:.2f}× one "
        f"(goal ≥ 1.7×: {'met' if ratio >= 1.7 else 'MISSED'})"
    )
    if unpinned:
        cold_pass(setup, feed_urls, 1, False, "1 process, unpinned")
    return ratio >= 1.7


def run_delivery(setup: Setup) -> bool:
    one, _ = deliver_pass(setup, 1, True, "1 worker, pinned")
    two, too_many = deliver_pass(setup, 2, True, "2 workers, pinned")
    met = two >= 0.9 * CAP and too_many == 0
    print(
        f"delivery   2 workers {two:.1f} msg/s vs 1 worker {one:.1f} msg/s ({two / one:.2f}×; both capped by "
        f"the token); goal ≥ {0.9 * CAP:.0f} msg/s and 0 429s: {'met' if met else 'MISSED'}"
    )
    return met


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--database-url", help="a PostgreSQL server (fresh databases on it)")
    parser.add_argument(
        "--throwaway-cluster",
        action="store_true",
        help="instead: initdb a cluster of our own (tests/pg_cluster.py) and measure its CPU too",
    )
    parser.add_argument("--feeds", type=int, default=2000)
    parser.add_argument("--items", type=int, default=50, help="items per feed")
    parser.add_argument("--subs", type=int, default=1000, help="subscriptions matched in the cold pass")
    parser.add_argument(
        "--alerts-scale", type=float, default=1.0, help="fraction of 3,000 alerts/1,500 chats"
    )
    parser.add_argument("--skip-cold", action="store_true")
    parser.add_argument("--skip-delivery", action="store_true")
    parser.add_argument("--no-unpinned", action="store_true", help="skip the unpinned single-process pass")
    parser.add_argument(
        "--statements",
        type=int,
        default=0,
        metavar="N",
        help="with --throwaway-cluster: print each cold pass's N costliest statements (pg_stat_statements)",
    )
    args = parser.parse_args()
    print(
        f"cpus={os.cpu_count()} load average={os.getloadavg()[0]:.1f}; "
        "pinned = taskset -c N, parse_workers = 1"
    )
    if not (args.database_url or args.throwaway_cluster):
        parser.error("--database-url or --throwaway-cluster is required")
    if args.statements and not args.throwaway_cluster:
        parser.error("--statements needs --throwaway-cluster (it loads pg_stat_statements at server start)")
    with tempfile.TemporaryDirectory(prefix="wirewatch-scaleout-") as tmp, server(args) as (url, postmaster):
        setup = Setup(
            url, args.feeds, args.items, args.subs, args.alerts_scale, Path(tmp), postmaster, args.statements
        )
        met = []
        if not args.skip_cold:
            met.append(with_feed_server(setup, not args.no_unpinned))
        if not args.skip_delivery:
            met.append(run_delivery(setup))
    sys.exit(0 if all(met) else 1)


@contextmanager
def server(args: argparse.Namespace) -> Iterator[tuple[str, int | None]]:
    """(server URL, postmaster PID or None): the given server, or a throwaway cluster of our own."""
    if not args.throwaway_cluster:
        yield args.database_url, None
        return
    options = CLUSTER_OPTIONS + (" -c shared_preload_libraries=pg_stat_statements" if args.statements else "")
    with throwaway_cluster(options) as cluster:
        if cluster is None:
            raise SystemExit("--throwaway-cluster: no PostgreSQL server binaries (initdb, pg_ctl)")
        pid = int((cluster.data / "postmaster.pid").read_text().split()[0])
        yield cluster.url(), pid


def with_feed_server(setup: Setup, unpinned: bool) -> bool:
    """The cold passes, with the feeds served by another process (8 loopback hosts, 50 ms per answer)."""
    parent, child = multiprocessing.Pipe()
    server = multiprocessing.get_context("spawn").Process(
        target=serve, args=(child, setup.feeds, setup.items, 215, 8, 0.05), daemon=True
    )
    server.start()
    feed_urls, total_bytes = parent.recv()
    print(
        f"cold pass: {setup.feeds} feeds × {setup.items} items, "
        f"{total_bytes / setup.feeds / 1000:.0f} KB a feed"
    )
    try:
        return run_cold(setup, feed_urls, unpinned)
    finally:
        parent.send("stop")
        server.join(timeout=10)


if __name__ == "__main__":
    main()

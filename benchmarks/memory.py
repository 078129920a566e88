"""Memory benchmark: a real ``wirewatch run`` delivering a backlog, its RSS sampled from /proc.

    .venv/bin/python -m benchmarks.memory                      # 1,000 feeds, 100,000 subs, 1,000 items
    .venv/bin/python -m benchmarks.memory --feeds 200 --subs 20000 --items 200 --duration 60
    .venv/bin/python -m benchmarks.memory --database-url postgresql+psycopg://postgres@127.0.0.1:5432/DB
    .venv/bin/python -m benchmarks.memory --tracemalloc --subs 20000   # what grows, by allocation site
    .venv/bin/python -m benchmarks.memory --tracemalloc --trace-after 40   # full scale: trace delivery only

The run polls loopback feeds (every release new to every subscription), matches, and delivers through the
fake Telegram server with its flood limits on (~28 messages/s, so the backlog outlasts the window). Before
the releases are published, a user sends ``/subscribe Binzhou``: its alias offer loads the segmentation and
pinyin dictionaries (rjieba, the shipped pinyin table) into the main process, so they count in its RSS. Every
second: RSS of the main process and of its children (found by an environment marker). Prints the peak and
the trend (MB/min, least squares) while delivering against the goals: <= 300 MB main, <= 450 MB with
children, flat while delivering. "Flat" is judged once the outbox stopped growing (the match stage has
enqueued every alert; before that it is still writing, and the database's caches still warm up), and the
trend over the whole window is printed beside it. The PostgreSQL database must be empty (a fresh database).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text

from benchmarks.memory_workload import BenchFeeds, seed_subscriptions, serve_feeds
from tests.fake_telegram import FakeTelegram
from tests.feed_server import FeedServer
from tests.run_process import WirewatchProcess, marked_processes, rss_mb, write_config

GOAL_MAIN_MB = 300.0
GOAL_TOTAL_MB = 450.0
GOAL_TREND_MB_PER_MIN = 1.0


@dataclass
class Sample:
    at: float
    main: float
    children: float
    sent: int
    anon: float = 0.0
    threads: int = 0
    queued: int = 0


def status_fields(pid: int) -> dict[str, int]:
    """``/proc/PID/status`` numbers (kB for sizes); empty when the process is gone."""
    found: dict[str, int] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("RssAnon", "RssFile", "RssShmem", "Threads"):
                found[key] = int(value.split()[0])
    except (OSError, ValueError):
        pass
    return found


ALIAS_CHAT = 99  # a chat of its own: its /subscribe Binzhou loads the alias dictionaries


@dataclass
class Samples:
    rows: list[Sample] = field(default_factory=list)
    delivering_from: float | None = None
    aliases_asked: float | None = None  # when /subscribe Binzhou was sent, and when it was answered
    aliases_answered: float | None = None

    def delivering(self) -> list[Sample]:
        start = self.delivering_from
        return [s for s in self.rows if start is not None and s.at >= start]

    def enqueued(self) -> list[Sample]:
        """The delivering samples from the moment the outbox stopped growing (the match stage is done)."""
        during = self.delivering()
        last_change = max(
            (i for i in range(1, len(during)) if during[i].queued != during[i - 1].queued), default=0
        )
        return during[last_change:]


def slope_per_minute(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, MB) in MB per minute."""
    if len(points) < 3:
        return 0.0
    n = len(points)
    mean_t = sum(t for t, _ in points) / n
    mean_v = sum(v for _, v in points) / n
    var = sum((t - mean_t) ** 2 for t, _ in points)
    cov = sum((t - mean_t) * (v - mean_v) for t, v in points)
    return 60.0 * cov / var if var else 0.0


def count(url: str, sql: str) -> int:
    """One ``SELECT count(*) …`` on the run's database, from a connection of our own."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(sql)).scalar_one())
    finally:
        engine.dispose()


def outstanding(url: str) -> int:
    """Outbox rows not yet settled (pending or being sent)."""
    return count(url, "SELECT count(*) FROM deliveries WHERE status IN ('pending', 'sending')")


def enqueued_alerts(url: str) -> int:
    """Outbox rows ever written (alerts enqueued by the match stage)."""
    return count(url, "SELECT count(*) FROM deliveries")


def polled_feeds(url: str) -> int:
    """Feeds polled successfully at least once."""
    return count(url, "SELECT count(*) FROM feeds WHERE last_success_at IS NOT NULL")


def sample_run(
    process: WirewatchProcess, fake: FakeTelegram, bench: BenchFeeds, url: str, args: argparse.Namespace
) -> Samples:
    """Sample every second until the window after the first alert has passed or the outbox is empty.

    Once every feed has been polled (its empty backlog), a user subscribes (loading the alias
    dictionaries); once answered, the releases are published."""
    samples = Samples()
    started = time.monotonic()
    published = False
    while process.proc.poll() is None:
        now = time.monotonic()
        if samples.aliases_asked is None and polled_feeds(url) >= len(bench.releases):
            fake.user_says(ALIAS_CHAT, "/subscribe Binzhou")
            samples.aliases_asked = now - started
            print(
                f"  every feed polled once after {now - started:.0f} s: /subscribe Binzhou sent", flush=True
            )
        replies = fake.messages_to(ALIAS_CHAT)
        if samples.aliases_answered is None and replies:
            samples.aliases_answered = now - started
            offered = "滨州" in json.dumps(replies[0].reply_markup, ensure_ascii=False)
            print(f"  answered after {now - started:.0f} s (offers 滨州: {offered}): releases published")
            bench.publish()
            published = True
        children = [pid for pid in marked_processes(process.marker) if pid != process.pid]
        sent = fake.stats.sent_ok - len(replies)  # alerts: not the answer to /subscribe
        status = status_fields(process.pid)
        samples.rows.append(
            Sample(
                now - started,
                rss_mb(process.pid),
                sum(map(rss_mb, children)),
                sent,
                status.get("RssAnon", 0) / 1024,
                status.get("Threads", 0),
                enqueued_alerts(url) if published else 0,
            )
        )
        if sent and samples.delivering_from is None:
            samples.delivering_from = now - started
            print(f"  first alert after {now - started:.0f} s", flush=True)
        if samples.delivering_from is not None:
            elapsed = now - started - samples.delivering_from
            if elapsed >= args.duration or (int(elapsed) % 10 == 0 and outstanding(url) == 0):
                break
        elif now - started > args.startup:
            raise SystemExit(f"no alert within {args.startup} s\n{process.stderr()[-3000:]}")
        if len(samples.rows) % 30 == 0:
            last = samples.rows[-1]
            print(
                f"  t={last.at:4.0f}s main={last.main:6.1f} MB (heap {last.anon:6.1f}, {last.threads} thr) "
                f"children={last.children:6.1f} MB sent={sent}",
                flush=True,
            )
        time.sleep(1.0)
    return samples


def verdict(value: float, goal: float) -> str:
    return "ok" if value <= goal else "OVER"


def print_report(samples: Samples, url: str) -> None:
    rows = samples.rows
    during = samples.delivering()
    peak_main = max(s.main for s in rows)
    peak_total = max(s.main + s.children for s in rows)
    trend_main = slope_per_minute([(s.at, s.main) for s in during])
    trend_total = slope_per_minute([(s.at, s.main + s.children) for s in during])
    late = during[len(during) // 2 :]
    trend_late = slope_per_minute([(s.at, s.main) for s in late])
    seconds = (during[-1].at - during[0].at) if len(during) > 1 else 0.0
    sent = during[-1].sent if during else 0
    print(
        f"\ndelivering for {seconds:.0f} s: {sent} messages ({sent / seconds if seconds else 0:.1f}/s), "
        f"{outstanding(url)} alerts still in the outbox"
    )
    print(
        f"peak RSS main:           {peak_main:7.1f} MB   goal <= {GOAL_MAIN_MB:.0f}: "
        f"{verdict(peak_main, GOAL_MAIN_MB)}"
    )
    print(
        f"peak RSS with children:  {peak_total:7.1f} MB   goal <= {GOAL_TOTAL_MB:.0f}: "
        f"{verdict(peak_total, GOAL_TOTAL_MB)}"
    )
    if during:
        print(
            f"main at first alert:     {during[0].main:7.1f} MB; at the end {during[-1].main:.1f} MB; "
            f"children {during[-1].children:.1f} MB"
        )
        heap_trend = slope_per_minute([(s.at, s.anon) for s in during])
        print(
            f"main's anonymous memory: {during[0].anon:7.1f} MB -> {during[-1].anon:.1f} MB "
            f"({heap_trend:+.2f} MB/min; the rest is mapped files), threads {during[0].threads} -> "
            f"{during[-1].threads}"
        )
    print(
        f"trend while delivering:  main {trend_main:+.2f} MB/min (second half {trend_late:+.2f}), "
        f"with children {trend_total:+.2f} MB/min"
    )
    print_alias_load(samples)
    settled = samples.enqueued()
    if len(settled) >= 10:
        trend_settled = slope_per_minute([(s.at, s.main) for s in settled])
        trend_settled_total = slope_per_minute([(s.at, s.main + s.children) for s in settled])
        print(
            f"once all {settled[0].queued} alerts were enqueued "
            f"(t={settled[0].at:.0f}-{settled[-1].at:.0f} s, "
            f"the match stage done): main {trend_settled:+.2f} MB/min, with children "
            f"{trend_settled_total:+.2f}   goal flat (<= {GOAL_TREND_MB_PER_MIN:.0f}): "
            f"{verdict(max(trend_settled, trend_settled_total), GOAL_TREND_MB_PER_MIN)}"
        )
    else:
        print("under 10 s of delivery after the last alert was enqueued: run longer (--duration)")


def print_alias_load(samples: Samples) -> None:
    """Main RSS around the /subscribe whose alias offer loaded the dictionaries (before the releases)."""
    asked, answered = samples.aliases_asked, samples.aliases_answered
    if asked is None or answered is None:
        print("alias dictionaries: /subscribe Binzhou not answered within the run")
        return
    before = [s.main for s in samples.rows if s.at < asked][-1:] or [0.0]
    after = [s.main for s in samples.rows if s.at >= answered][:1] or [0.0]
    print(
        f"alias dictionaries loaded by /subscribe Binzhou at t={asked:.0f}-{answered:.0f} s: "
        f"main {before[0]:.1f} -> {after[0]:.1f} MB (every later sample counts them)"
    )


def print_sqlite_memory(directory: Path) -> None:
    """SQLite's own heap over the run (written by the probe; tracemalloc does not see it)."""
    path = directory / "sqlite-memory.txt"
    rows = [line.split() for line in path.read_text().splitlines()] if path.exists() else []
    if any(int(b) for _, b in rows):  # a PostgreSQL run opens no SQLite database
        step = max(1, len(rows) // 8)
        series = ", ".join(f"{float(t):.0f}s {int(b) / 2**20:.1f}" for t, b in rows[::step])
        print(f"SQLite's own memory (MB): {series}, last {int(rows[-1][1]) / 2**20:.1f}")


def print_growth(directory: Path, delivering_from_wall: float | None) -> None:
    """Allocation sites that grew between the first snapshot while delivering and the last one."""
    snaps = sorted(directory.glob("snap-*.pickle"))
    if delivering_from_wall is not None:
        before = [p for p in snaps if float(p.stem.split("-")[2]) < delivering_from_wall]
        snaps = before[-1:] + [p for p in snaps if float(p.stem.split("-")[2]) >= delivering_from_wall]
    if len(snaps) < 2:
        print("tracemalloc: fewer than two snapshots while delivering; run longer (--duration)")
        return
    first, last = (tracemalloc.Snapshot.load(str(p)) for p in (snaps[0], snaps[-1]))
    print(
        f"\ntracemalloc: traced {sum(s.size for s in last.statistics('filename')) / 2**20:.1f} MB; "
        f"growth between {snaps[0].name} and {snaps[-1].name} (top 15 by line):"
    )
    for stat in last.compare_to(first, "lineno")[:15]:
        frame = stat.traceback[0]
        print(
            f"  {stat.size_diff / 1024:+9.1f} KiB  {stat.count_diff:+7d} blocks  "
            f"{frame.filename}:{frame.lineno}"
        )
    print("largest holders at the end (by file):")
    for holder in last.statistics("filename")[:10]:
        print(f"  {holder.size / 2**20:8.1f} MB  {holder.traceback[0].filename}")


def run(args: argparse.Namespace, tmp: Path) -> None:
    url = args.database_url or f"sqlite:///{tmp / 'memory.db'}"
    snapshots = tmp / "snapshots"
    snapshots.mkdir()
    with FeedServer(record=False) as server, FakeTelegram(enforce_limits=True) as fake:
        bench = serve_feeds(server, args.feeds, args.items)
        started = time.monotonic()
        chats = seed_subscriptions(url, args.subs)
        print(
            f"seeded {args.subs} subscriptions over {chats} chats in {time.monotonic() - started:.0f} s; "
            f"{args.feeds} feeds, {args.items} releases",
            flush=True,
        )
        config = write_config(
            tmp / "config.toml",
            database_url=url,
            api_base_url=fake.base_url,
            feeds=bench.named_urls,
            tick=2,
            interval=30,
            extra="per_host_concurrency = 20\n",
        )
        env = {
            "WIREWATCH_BENCH_SNAPSHOTS": str(snapshots),
            "WIREWATCH_BENCH_SNAPSHOT_SECONDS": "15",
            "WIREWATCH_BENCH_TRACE_AFTER": str(args.trace_after),
        }
        module = "benchmarks.memory_probe" if args.tracemalloc else "bot.entry.cli"
        process = WirewatchProcess.start(config, fake.token, module=module, **env)
        wall_offset = time.time() - time.monotonic()
        try:
            began = time.monotonic()
            samples = sample_run(process, fake, bench, url, args)
            print_report(samples, url)
            if args.tracemalloc:
                start = None if samples.delivering_from is None else began + samples.delivering_from
                print_growth(snapshots, None if start is None else start + wall_offset)
                print_sqlite_memory(snapshots)
        finally:
            code = process.terminate(timeout=30) if process.proc.poll() is None else process.proc.returncode
            print(f"run exited {code}")
            process.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--feeds", type=int, default=1_000)
    parser.add_argument("--subs", type=int, default=100_000)
    parser.add_argument("--items", type=int, default=1_000)
    parser.add_argument("--database-url", default=None, help="an empty PostgreSQL database (default: SQLite)")
    parser.add_argument("--duration", type=float, default=180.0, help="seconds of delivery to sample")
    parser.add_argument("--startup", type=float, default=600.0, help="seconds allowed until the first alert")
    parser.add_argument("--tracemalloc", action="store_true", help="snapshot allocations in the run")
    parser.add_argument(
        "--trace-after", type=float, default=0.0, help="with --tracemalloc: start tracing N seconds in"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wirewatch-mem-") as tmp:
        run(args, Path(tmp))


if __name__ == "__main__":
    main()

"""Delivery benchmark: 3,000 alerts to 1,500 chats through the fake Telegram server with its limits on.

    .venv/bin/python -m benchmarks.deliver            # paced sender, then the unpaced baseline
    .venv/bin/python -m benchmarks.deliver --scale 0.2 --no-baseline
    WIREWATCH_BENCH_DATABASE_URL=postgresql+psycopg://… .venv/bin/python -m benchmarks.deliver --workers 2

Prints messages per second against Telegram's 30/s cap and the 429s provoked, for the paced ``AlertSender``
and for a naive baseline: the same sender with pacing switched off (it still obeys each 429's retry_after).
The outbox is seeded through the real ``Store`` (feeds, items, chats, subscriptions, ``record_matches``).
``--workers N`` instead seeds a throwaway PostgreSQL database and drains it with N ``wirewatch run --roles
deliver`` processes sharing the outbox and the bot's budget; their combined rate counts from the first
message the server accepted to the last (process start-up left out).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import multiprocessing
import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path

import telegram
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from telegram.request import HTTPXRequest

from bot.pipeline.deliver import AlertSender
from bot.pipeline.pacing import Pacer
from bot.tg.transport import TelegramTransport
from feeds.models import ChatKind, FeedSpec, NewItem
from storage.store import MatchRecord, Store
from tests.fake_telegram import FakeTelegram
from tests.run_process import WirewatchProcess, write_config

CAP = 30.0
# (chats, alerts per chat, kind): 1,500 chats, 3,000 alerts; chats with more than five get one digest
MIX = [
    (700, 1, ChatKind.PRIVATE),
    (500, 2, ChatKind.PRIVATE),
    (200, 4, ChatKind.PRIVATE),
    (80, 4, ChatKind.GROUP),
    (20, 9, ChatKind.PRIVATE),
]


@dataclass(frozen=True)
class Outcome:
    """What one run achieved."""

    label: str
    alerts: int
    messages: int
    seconds: float
    too_many: int
    pending_left: int
    busiest: int
    thin: tuple[int, float] = (0, 0.0)  # see ``thin_seconds``

    @property
    def rate(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0

    def line(self) -> str:
        return (
            f"{self.label:<28} {self.messages:>6} msgs in {self.seconds:7.1f} s = {self.rate:5.1f} msg/s "
            f"({100 * self.rate / CAP:5.1f}% of {CAP:.0f}/s)  429s: {self.too_many:<5} "
            f"busiest second: {self.busiest:>3}  pending left: {self.pending_left}  "
            f"thin seconds: {self.thin[0]} (the last 5% took {self.thin[1]:.1f} s)"
        )


def seed(store: Store, scale: float) -> int:
    """Feeds, chats with one subscription each, items and matches; returns alerts enqueued."""
    now = datetime.now(UTC)
    [feed] = store.sync_feeds([FeedSpec("Bench Wire", "https://bench.example.com/rss", 300)], now)
    matches: list[tuple[int, int]] = []  # (chat, subscription)
    private_id, group_id = 1_000_000, -1_000_000
    for chats, per_chat, kind in MIX:
        for _ in range(max(1, round(chats * scale))):
            if kind is ChatKind.PRIVATE:
                private_id += 1
                chat_id = private_id
            else:
                group_id -= 1
                chat_id = group_id
            store.touch_chat(chat_id, kind)
            sub = store.add_subscription(chat_id, "solar", now - timedelta(hours=1))
            matches.extend([(chat_id, sub.id)] * per_chat)
    items = store.add_items(feed.id, [_item(n, now) for n in range(len(matches))], timedelta(days=1))
    records = [MatchRecord(item.id, sub, chat) for item, (chat, sub) in zip(items, matches, strict=True)]
    return store.record_matches([item.id for item in items], records, now)


def _item(n: int, now: datetime) -> NewItem:
    title = f"Solar release number {n}"
    return NewItem(
        identity=f"bench-{n}",
        link=f"https://bench.example.com/news/{n}",
        title=title,
        body=f"{title}. A solar plant opened in Binzhou today. It makes panels.",
        summary="A solar plant opened in Binzhou today. It makes panels.",
        published_at=now,
        first_seen_at=now,
        title_fingerprint=f"t{n}",
        body_fingerprint=f"b{n}",
    )


def _serve(conn: Connection) -> None:
    """Child process: run the rate-limited fake until told to stop, then report its counters."""
    with FakeTelegram(enforce_limits=True) as fake:
        conn.send((fake.token, fake.base_url))
        conn.recv()
        conn.send((fake.stats.sent_ok, fake.stats.too_many_requests, [m.at for m in fake.sent]))


class RemoteFake:
    """The fake Telegram server in its own process, like the real one: no GIL shared with the sender."""

    def __enter__(self) -> RemoteFake:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child,), daemon=True)
        self._process.start()
        token, base_url = self._conn.recv()
        self.token, self.base_url = str(token), str(base_url)
        return self

    def finish(self) -> tuple[int, int, list[float]]:
        """Stop the server; (messages accepted, 429s answered, server-side arrival times)."""
        self._conn.send("stop")
        sent_ok, too_many, times = self._conn.recv()
        return int(sent_ok), int(too_many), list(times)

    def __exit__(self, *exc: object) -> None:
        self._process.join(timeout=10)


def busiest_second(times: list[float]) -> int:
    """Most messages the server accepted within any one second."""
    times.sort()
    best, start = 0, 0
    for end, at in enumerate(times):
        while times[start] <= at - 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


def thin_seconds(times: list[float], pace: float = 28.0) -> tuple[int, float]:
    """Where the rate went: how many whole seconds of the run the server accepted fewer than 90% of
    ``pace`` messages in, and how long the last 5% of the messages took (a slow tail: chats that wait out
    their own window while nothing else is left)."""
    if not times:
        return 0, 0.0
    times = sorted(times)
    counts = [0] * (int(times[-1] - times[0]) + 1)
    for at in times:
        counts[int(at - times[0])] += 1
    thin = sum(1 for count in counts[:-1] if count < 0.9 * pace)
    return thin, times[-1] - times[int(0.95 * (len(times) - 1))]


async def drain(store: Store, token: str, base_url: str, pacer: Pacer) -> float:
    """Drain the outbox completely (retries included); returns the seconds it took."""
    request = HTTPXRequest(connection_pool_size=64, pool_timeout=60, read_timeout=30)
    async with telegram.Bot(token, base_url=base_url, request=request) as bot:
        sender = AlertSender(store, TelegramTransport(bot), pacer)
        started = time.monotonic()
        while store.count_pending() and time.monotonic() < started + 600:
            await sender.drain_once()
            if store.count_pending():
                await asyncio.sleep(0.2)
        return time.monotonic() - started


async def run(label: str, pacer: Pacer, scale: float, db_dir: Path) -> Outcome:
    """Seed a fresh SQLite outbox, drain it through the rate-limited fake, measure."""
    store = Store.open(f"sqlite:///{db_dir / f'{label.split()[0]}.db'}")
    alerts = seed(store, scale)
    with RemoteFake() as remote, contextlib.closing(store):
        seconds = await drain(store, remote.token, remote.base_url, pacer)
        sent_ok, too_many, times = remote.finish()
        pending = store.count_pending()
        return Outcome(
            label, alerts, sent_ok, seconds, too_many, pending, busiest_second(times), thin_seconds(times)
        )


def goal_line(outcome: Outcome) -> str:
    goal = outcome.rate >= 0.9 * CAP and outcome.too_many == 0 and outcome.pending_left == 0
    return (
        f"alerts: {outcome.alerts}; goal (>= 90% of cap, no 429, nothing left): {'met' if goal else 'MISSED'}"
    )


@contextlib.contextmanager
def throwaway_database(url: str) -> Iterator[str]:
    """A new, empty PostgreSQL database on the server of ``url``, dropped afterwards."""
    name = f"bench_deliver_{uuid.uuid4().hex[:10]}"
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
        with engine.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        engine.dispose()


def run_workers(url: str, workers: int, scale: float) -> Outcome:
    """Seed a throwaway PostgreSQL outbox, drain it with ``workers`` deliver processes, measure."""
    label = f"{workers} deliver processes (28/s)"
    with throwaway_database(url) as db_url, tempfile.TemporaryDirectory() as tmp, RemoteFake() as remote:
        store = Store.open(db_url)
        with contextlib.closing(store):
            alerts = seed(store, scale)
            config = write_config(
                Path(tmp) / "config.toml",
                database_url=db_url,
                api_base_url=remote.base_url,
                feeds=[],
                extra="[delivery]\nglobal_per_second = 28",
            )
            processes = [
                WirewatchProcess.start(config, remote.token, args=["--roles", "deliver"])
                for _ in range(workers)
            ]
            try:
                deadline = time.monotonic() + 600
                while store.count_pending() and time.monotonic() < deadline:
                    time.sleep(0.2)
                pending = store.count_pending()
            finally:
                for process in processes:
                    process.terminate()
            sent_ok, too_many, times = remote.finish()
        seconds = max(times) - min(times) if times else 0.0
        return Outcome(
            label, alerts, sent_ok, seconds, too_many, pending, busiest_second(times), thin_seconds(times)
        )


async def main_async(scale: float, baseline: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        outcomes = [await run("paced AlertSender (28/s)", Pacer(), scale, Path(tmp))]
        print(outcomes[-1].line(), flush=True)
        if baseline:
            unpaced = Pacer(
                global_per_second=1e6, private_per_second=1e6, group_per_minute=1e8, chat_margin=0
            )
            outcomes.append(await run("unpaced baseline", unpaced, scale, Path(tmp)))
            print(outcomes[-1].line(), flush=True)
    print(goal_line(outcomes[0]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the 1,500-chat workload")
    parser.add_argument("--no-baseline", action="store_true", help="skip the unpaced baseline run")
    parser.add_argument("--workers", type=int, default=0, help="N deliver processes on PostgreSQL instead")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    logging.getLogger("bot.pipeline.deliver").setLevel(logging.WARNING)
    if args.workers:
        url = os.environ.get("WIREWATCH_BENCH_DATABASE_URL", "")
        if not url.startswith("postgresql"):
            parser.error("--workers needs WIREWATCH_BENCH_DATABASE_URL (PostgreSQL)")
        outcome = run_workers(url, args.workers, args.scale)
        print(outcome.line(), flush=True)
        print(goal_line(outcome))
        return
    asyncio.run(main_async(args.scale, not args.no_baseline))


if __name__ == "__main__":
    main()

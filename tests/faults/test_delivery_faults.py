"""Delivery under faults, through real processes: ``wirewatch run`` as a subprocess against loopback feeds,
the fake Telegram server with its flood limits on, SQLite files and a throwaway PostgreSQL cluster.

A burst (40 chats, a few hundred alerts, grouped when many wait) is published in waves; then the database
goes away, or ``run`` is killed with SIGKILL, or a second ``run`` is started. What the fake received is
read back per chat: nothing lost, nothing twice (only the message in flight at a kill may repeat), each
chat's alerts in outbox order. Select these with ``-m slow``, skip them with ``-m "not slow"``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from storage.store import Store
from tests.burst import Burst, Tally, out_of_order
from tests.fake_telegram import FakeTelegram
from tests.feed_server import FeedServer
from tests.pg_cluster import PgCluster
from tests.run_process import WirewatchProcess, describe, marked_processes, wait_until, write_config

DELIVERY_DEADLINE = 60.0  # seconds for the whole backlog once the fault is over (lease expiry included)
REFUSAL_SECONDS = 12.0  # a second run must give up by then (opening the database takes ~2 s)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database on each backend (PostgreSQL: a new database, dropped afterwards)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'faults.db'}"
    return str(request.getfixturevalue("pg_database_url"))


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram(enforce_limits=True) as fake:
        yield fake


class Run:
    """Starts ``wirewatch run`` processes on one config; cleans up whatever they leave."""

    def __init__(self, tmp_path: Path, url: str, telegram: FakeTelegram, burst: Burst) -> None:
        self.telegram = telegram
        self.burst = burst
        self.url = url
        self.config = write_config(
            tmp_path / "config.toml",
            database_url=url,
            api_base_url=telegram.base_url,
            feeds=burst.feed_list(),
        )
        self.processes: list[WirewatchProcess] = []

    def start(self, *, wait_for_poll: bool = True) -> WirewatchProcess:
        process = WirewatchProcess.start(self.config, self.telegram.token)
        self.processes.append(process)
        if wait_for_poll:
            # every feed's first poll stored (empty feeds): a release published before a feed's first
            # successful poll would be backlog, never alerted — waiting for one feed raced the other
            self.burst.server.clear_requests()
            path = self.burst.path(0)
            polled = wait_until(lambda: bool(self.burst.server.requests_for(path)), 30)  # this run polls
            polled = polled and wait_until(self._every_feed_polled, 30)
            assert polled, f"run never polled its feeds\n{process.stderr()[-3000:]}"
        return process

    def _every_feed_polled(self) -> bool:
        store = Store.open(self.url)
        try:
            return all(feed.last_success_at is not None for feed in store.list_feeds())
        finally:
            store.close()

    def cleanup(self) -> None:
        for process in self.processes:
            process.cleanup()


@pytest.fixture
def make_run(
    tmp_path: Path, telegram: FakeTelegram, feed_server: FeedServer
) -> Iterator[Callable[[str], Run]]:
    """``make_run(url)``: seed the burst's chats into the database and prepare ``run`` processes on it."""
    runs: list[Run] = []

    def make(url: str) -> Run:
        runs.append(Run(tmp_path, url, telegram, Burst.seed(url, feed_server)))
        return runs[-1]

    yield make
    for run in runs:
        run.cleanup()


def waves(burst: Burst, count: int, size: int = 2, pause: float = 0.5) -> None:
    """Publish ``count`` waves of ``size`` releases, ``pause`` seconds apart."""
    for _ in range(count):
        burst.publish(size)
        time.sleep(pause)


def delivered_all(telegram: FakeTelegram, burst: Burst, timeout: float) -> bool:
    expected = burst.expected()
    return wait_until(lambda: not Tally.of(telegram).lost(expected), timeout, step=0.5)


def report(tally: Tally, burst: Burst, process: WirewatchProcess) -> str:
    lost = tally.lost(burst.expected())
    return f"lost {len(lost)} of {len(burst.expected())}: {lost[:10]}\n{process.stderr()[-4000:]}"


def test_postgres_outage_during_burst_loses_and_repeats_nothing(
    pg_cluster: PgCluster, pg_database_url: str, make_run: Callable[[str], Run], telegram: FakeTelegram
) -> None:
    run = make_run(pg_database_url)
    process = run.start()
    waves(run.burst, 4)
    assert wait_until(lambda: Tally.of(telegram).total() >= 20, 30), "no alerts before the outage"
    pg_cluster.stop("fast")
    down = time.monotonic()
    waves(run.burst, 4)  # published while the database is away
    time.sleep(max(0.0, 7.0 - (time.monotonic() - down)))
    pg_cluster.start()
    waves(run.burst, 2)
    delivered = delivered_all(telegram, run.burst, DELIVERY_DEADLINE)
    code = process.terminate()

    tally = Tally.of(telegram)
    assert delivered, report(tally, run.burst, process)
    assert tally.duplicates() == {}, f"sent twice: {sorted(tally.duplicates())[:20]}"
    assert tally.unexpected(run.burst.expected()) == []
    assert out_of_order(tally, pg_database_url) == {}
    assert code == 0, process.stderr()[-3000:]


def test_kill9_during_burst_then_restart_loses_nothing(
    database_url: str, make_run: Callable[[str], Run], telegram: FakeTelegram
) -> None:
    run = make_run(database_url)
    first = run.start()
    waves(run.burst, 3)
    assert wait_until(lambda: Tally.of(telegram).total() >= 20, 30), "no alerts before the kill"
    waves(run.burst, 2, pause=0.3)
    first.kill()
    at_kill = Tally.of(telegram)
    waves(run.burst, 2, pause=0.2)  # published while nothing runs
    second = run.start()
    delivered = delivered_all(telegram, run.burst, DELIVERY_DEADLINE)
    code = second.terminate()

    tally = Tally.of(telegram)
    assert at_kill.lost(run.burst.expected()), "the kill came after everything was delivered"
    assert delivered, report(tally, run.burst, second)
    repeats = {chat: n for chat, n in tally.repeating_messages().items() if n > 1}
    assert repeats == {}, f"chats that got more than the in-flight message again: {repeats}"
    assert tally.unexpected(run.burst.expected()) == []
    assert out_of_order(tally, database_url) == {}
    assert code == 0, second.stderr()[-3000:]


def test_no_child_outlives_kill9(
    store_url: str, make_run: Callable[[str], Run], telegram: FakeTelegram
) -> None:
    run = make_run(store_url)
    process = run.start()
    run.burst.publish(4)  # parsing starts the pool's processes
    assert wait_until(lambda: Tally.of(telegram).total() >= 1, 30), process.stderr()[-3000:]
    children = [pid for pid in marked_processes(process.marker) if pid != process.pid]
    assert children, "found no child processes to watch (forkserver, parse workers)"
    process.kill()
    gone = wait_until(lambda: not marked_processes(process.marker), 10, step=0.25)
    assert gone, "alive 10 s after kill -9 of run:\n" + "\n".join(describe(marked_processes(process.marker)))


def test_a_second_run_is_refused_on_sqlite_and_a_standby_on_postgresql(
    database_url: str, make_run: Callable[[str], Run], telegram: FakeTelegram
) -> None:
    """SQLite serves one process: a second ``run`` is refused in one line. On PostgreSQL the second one
    cooperates (fetch, match and deliver through claims) while its bot role waits as a hot standby; every
    alert arrives once, and when the leader is killed (-9) the standby takes over long polling."""
    run = make_run(database_url)
    first = run.start()
    second = run.start(wait_for_poll=False)
    if database_url.startswith("sqlite"):
        refused = wait_until(lambda: second.proc.poll() is not None, REFUSAL_SECONDS, step=0.2)
        if not refused:
            second.kill()
        log = second.stderr()
        assert refused, f"a second run kept running\n{log[-2000:]}"
        assert second.proc.returncode not in (0, None) and second.proc.returncode > 0
        assert "Traceback" not in log
        lines = [line for line in log.splitlines() if line.startswith("wirewatch:")]
        assert len(lines) == 1, log[-2000:]
        assert first.proc.poll() is None, "the first run stopped"
        assert first.terminate() == 0
        return
    assert wait_until(lambda: "bot_standby" in second.stderr(), 30), second.stderr()[-2000:]
    waves(run.burst, 6)
    assert delivered_all(telegram, run.burst, 90), report(Tally.of(telegram), run.burst, second)
    tally = Tally.of(telegram)
    assert tally.duplicates() == {}, f"sent twice: {sorted(tally.duplicates())[:20]}"
    assert tally.unexpected(run.burst.expected()) == []
    assert telegram.stats.too_many_requests == 0
    first.kill()
    took_over = wait_until(lambda: "bot_leader" in second.stderr(), 30, step=0.5)
    assert took_over, second.stderr()[-2000:]
    assert second.terminate() == 0

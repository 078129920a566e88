"""Kill -9 one role in the middle of its work, restart it, and read back what the fake Telegram received.

Shared by ``tests/test_role_crashes.py`` and ``python -m benchmarks.crash_check``. On PostgreSQL the victim
role runs in its own process (``run --roles fetch`` beside ``run --roles bot,match,deliver``, and so on);
on SQLite, which serves one process, the whole ``run`` is killed at that moment of that role's work:

- fetch: a feed request is in flight (the feed server answers after ``FETCH_DELAY``);
- match: stored items wait unmatched (a match batch is due or running);
- deliver: alerts are being sent and more wait.

Promise: every expected alert arrives, in outbox order per chat; a killed deliver may resend the one
message per chat it had in flight, a killed fetch or match nothing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text

from tests.burst import Burst, Tally, out_of_order
from tests.fake_telegram import FakeTelegram
from tests.feed_server import FeedServer
from tests.run_process import WirewatchProcess, wait_until, write_config

ROLES = ("bot", "fetch", "match", "deliver")
FETCH_DELAY = 1.0  # seconds the feeds take to answer in the fetch scenario: the kill lands mid-poll
LEASE = "5s"
POLLING = "connect_timeout = 2\nread_timeout = 3\ntotal_timeout = 4"  # a poll ends within 4 s
DEADLINE = 60.0  # seconds for everything to arrive after the restart


@dataclass
class Crash:
    """One scenario's processes on one database; ``victim`` is the role that dies."""

    tmp: Path
    url: str
    telegram: FakeTelegram
    burst: Burst
    victim: str
    processes: list[WirewatchProcess] = field(default_factory=list)

    @classmethod
    def prepare(cls, tmp: Path, url: str, telegram: FakeTelegram, server: FeedServer, victim: str) -> Crash:
        delay = FETCH_DELAY if victim == "fetch" else 0.0
        burst = Burst.seed(url, server, delay=delay)
        write_config(
            tmp / "config.toml",
            database_url=url,
            api_base_url=telegram.base_url,
            feeds=burst.feed_list(),
            polling=POLLING,
            extra=f'[workers]\nlease = "{LEASE}"',
        )
        return cls(tmp, url, telegram, burst, victim)

    @property
    def sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    def start(self, roles: str | None = None) -> WirewatchProcess:
        args = ["--roles", roles] if roles else []
        process = WirewatchProcess.start(self.tmp / "config.toml", self.telegram.token, args=args)
        self.processes.append(process)
        return process

    def start_all(self) -> WirewatchProcess:
        """The processes of the scenario; returns the victim's."""
        if self.sqlite:
            return self.start()
        self.start(",".join(r for r in ROLES if r != self.victim))
        return self.start(self.victim)

    def restart_victim(self) -> WirewatchProcess:
        return self.start() if self.sqlite else self.start(self.victim)

    def cleanup(self) -> None:
        for process in self.processes:
            process.cleanup()

    def logs(self) -> str:
        return "\n".join(f"--- {p.log.name}\n{p.stderr()[-2500:]}" for p in self.processes)


def unmatched(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM match_queue")).scalar_one())
    finally:
        engine.dispose()


def _waves(burst: Burst, count: int, size: int, pause: float = 0.3) -> None:
    for _ in range(count):
        burst.publish(size)
        time.sleep(pause)


def kill_mid_work(crash: Crash, victim: WirewatchProcess) -> bool:
    """Make work for the victim role and kill it while doing it; whether the moment was caught."""
    burst, telegram = crash.burst, crash.telegram
    if crash.victim == "fetch":
        burst.server.clear_requests()
        burst.publish(20)
        caught = wait_until(lambda: bool(burst.server.requests), 10, step=0.02)
        time.sleep(FETCH_DELAY / 3)  # the request is in flight: the answer comes later
    elif crash.victim == "match":
        burst.publish(60)
        caught = wait_until(lambda: unmatched(crash.url) > 0, 15, step=0.02)
    else:
        before = Tally.of(telegram).total()
        _waves(burst, 4, 10, pause=0.2)
        caught = wait_until(lambda: Tally.of(telegram).total() > before + 20, 20, step=0.05)
    victim.kill()
    return caught


@dataclass(frozen=True)
class Outcome:
    """What arrived, against what was expected."""

    victim: str
    backend: str
    caught: bool
    delivered: bool
    expected: int
    lost: int
    unexpected: int
    repeats: dict[int, int]  # chat -> messages repeating a release it had
    out_of_order: int
    too_many: int
    seconds: float
    logs: str

    @property
    def allowed_repeats(self) -> int:
        return 1 if "deliver" in self.victim or self.backend == "sqlite" else 0

    @property
    def ok(self) -> bool:
        over = {chat: n for chat, n in self.repeats.items() if n > self.allowed_repeats}
        return self.delivered and not (self.lost or self.unexpected or over or self.out_of_order)

    def line(self) -> str:
        return (
            f"kill -9 {self.victim:<7} on {self.backend:<10} {'mid-work' if self.caught else 'LATE':<8} "
            f"expected {self.expected:>5}  lost {self.lost}  unexpected {self.unexpected}  "
            f"repeated messages {sum(self.repeats.values())} in {len(self.repeats)} chats "
            f"(allowed ≤ {self.allowed_repeats} per chat)  out of order {self.out_of_order}  "
            f"429s {self.too_many}  {self.seconds:.0f} s  {'OK' if self.ok else 'FAILED'}"
        )


def run_crash(tmp: Path, url: str, telegram: FakeTelegram, server: FeedServer, victim: str) -> Outcome:
    """The whole scenario: start, warm up, kill mid-work, publish while dead, restart, wait, tally."""
    started = time.monotonic()
    crash = Crash.prepare(tmp, url, telegram, server, victim)
    try:
        process = crash.start_all()
        _warm_up(crash)
        caught = kill_mid_work(crash, process)
        _waves(crash.burst, 2, 4)  # published while the role is dead
        crash.restart_victim()
        return _outcome(crash, victim, caught, started)
    finally:
        crash.cleanup()


def run_workers_e2e(
    tmp: Path, url: str, telegram: FakeTelegram, server: FeedServer, releases: int = 200
) -> Outcome:
    """PostgreSQL: one ``run`` and two ``run --roles fetch,match,deliver`` workers, 40 chats, a burst of
    ``releases`` matching items in waves; one worker is killed mid-burst and not restarted."""
    started = time.monotonic()
    crash = Crash.prepare(tmp, url, telegram, server, "deliver")
    try:
        crash.start()
        workers = [crash.start("fetch,match,deliver") for _ in range(2)]
        _warm_up(crash)
        before = Tally.of(telegram).total()
        half = (releases - len(crash.burst.published)) // 2
        _waves(crash.burst, 10, half // 10, pause=0.3)
        caught = wait_until(lambda: Tally.of(telegram).total() > before + 40, 30, step=0.05)
        workers[0].kill()
        _waves(crash.burst, 10, (releases - len(crash.burst.published)) // 10, pause=0.3)
        crash.burst.publish(releases - len(crash.burst.published))
        return _outcome(crash, "one of 2 fetch,match,deliver workers", caught, started)
    finally:
        crash.cleanup()


def _warm_up(crash: Crash) -> None:
    """Every process up, the feeds polled once (a first poll never alerts), a few alerts through."""
    server, path = crash.burst.server, crash.burst.path(0)
    polled = wait_until(lambda: len(server.requests_for(path)) >= 2, 60)
    assert polled, f"the feeds were never polled\n{crash.logs()}"
    _waves(crash.burst, 2, 4)
    arrived = wait_until(lambda: Tally.of(crash.telegram).total() >= 10, 30)
    assert arrived, f"no alerts\n{crash.logs()}"


def _outcome(crash: Crash, victim: str, caught: bool, started: float) -> Outcome:
    """Wait for every expected alert (or the deadline), then read back what arrived."""
    expected = crash.burst.expected()
    delivered = wait_until(lambda: not Tally.of(crash.telegram).lost(expected), DEADLINE, step=0.5)
    time.sleep(1.0)  # anything sent twice would arrive now
    tally = Tally.of(crash.telegram)
    return Outcome(
        victim,
        "sqlite" if crash.sqlite else "postgresql",
        caught,
        delivered,
        sum(expected.values()),
        len(tally.lost(expected)),
        len(tally.unexpected(expected)),
        tally.repeating_messages(),
        len(out_of_order(tally, crash.url)),
        crash.telegram.stats.too_many_requests,
        time.monotonic() - started,
        crash.logs(),
    )

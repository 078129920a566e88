"""Crash check a user can run: ``kill -9`` each role mid-work, restart it, check what Telegram received.

    .venv/bin/python -m benchmarks.crash_check                     # SQLite (the whole run is killed)
    .venv/bin/python -m benchmarks.crash_check --database-url postgresql+psycopg://postgres@127.0.0.1/test

Runs the scenarios of ``tests/crash_scenarios.py`` against loopback feeds and the fake Telegram server
(its flood limits on): fetch killed during a poll, match during a batch, deliver during a burst; with
``--database-url`` (a fresh database is made on that server and dropped after) each role runs in its own
process and only that one dies, and a last scenario runs one ``run`` plus two ``--roles
fetch,match,deliver`` workers and kills one worker mid-burst. One line per scenario; exit 1 if any failed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.fresh_db import fresh_database
from tests.crash_scenarios import Outcome, run_crash, run_workers_e2e
from tests.fake_telegram import FakeTelegram
from tests.feed_server import FeedServer


def scenario(server_url: str | None, victim: str, tmp: Path) -> Outcome:
    """One scenario with its own feeds, fake Telegram and fresh database."""
    with (
        FeedServer() as server,
        FakeTelegram(enforce_limits=True) as fake,
        fresh_database(server_url, tmp, victim) as url,
    ):
        if victim == "workers":
            return run_workers_e2e(tmp, url, fake, server)
        return run_crash(tmp, url, fake, server, victim)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--database-url", help="a PostgreSQL server (fresh databases are made on it)")
    parser.add_argument("--roles", default="fetch,match,deliver", help="which roles to kill")
    args = parser.parse_args()
    victims = [role.strip() for role in args.roles.split(",") if role.strip()]
    if args.database_url:
        victims.append("workers")
    failed = 0
    for victim in victims:
        with tempfile.TemporaryDirectory(prefix="wirewatch-crash-") as tmp:
            outcome = scenario(args.database_url, victim, Path(tmp))
        print(outcome.line(), flush=True)
        failed += not outcome.ok
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

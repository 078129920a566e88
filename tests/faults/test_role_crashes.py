"""Crash safety per role, through real processes: ``kill -9`` of fetch during a poll, match during a batch,
deliver during a burst — on PostgreSQL the role's own process, on SQLite the whole ``run`` — then a
restart; plus several workers on PostgreSQL with one killed mid-burst (``tests/crash_scenarios.py``).
Select with ``-m slow``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.crash_scenarios import run_crash, run_workers_e2e
from tests.fake_telegram import FakeTelegram
from tests.feed_server import FeedServer


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram(enforce_limits=True) as fake:
        yield fake


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'crash.db'}"
    return str(request.getfixturevalue("pg_database_url"))


@pytest.mark.parametrize("victim", ["fetch", "match", "deliver"])
def test_a_role_killed_mid_work_loses_nothing_and_repeats_at_most_the_message_in_flight(
    tmp_path: Path, database_url: str, telegram: FakeTelegram, feed_server: FeedServer, victim: str
) -> None:
    outcome = run_crash(tmp_path, database_url, telegram, feed_server, victim)
    assert outcome.caught, f"the kill missed the {victim} role's work\n{outcome.line()}"
    assert outcome.ok, f"{outcome.line()}\nrepeats: {outcome.repeats}\n{outcome.logs}"
    assert outcome.too_many == 0, outcome.line()


def test_two_workers_and_a_run_with_one_worker_killed_mid_burst(
    tmp_path: Path, pg_database_url: str, telegram: FakeTelegram, feed_server: FeedServer
) -> None:
    outcome = run_workers_e2e(tmp_path, pg_database_url, telegram, feed_server)
    assert outcome.caught, outcome.line()
    assert outcome.ok, f"{outcome.line()}\nrepeats: {outcome.repeats}\n{outcome.logs}"
    assert outcome.too_many == 0, outcome.line()

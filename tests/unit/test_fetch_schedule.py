"""feeds.schedule: next poll after success (interval ± jitter) and after failure (backoff, Retry-After)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from feeds.schedule import (
    MAX_BACKOFF_SECONDS,
    backoff_seconds,
    next_poll_after_failure,
    next_poll_after_success,
)

NOW = datetime(2026, 1, 27, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize("seed", range(20))
def test_success_is_interval_with_small_jitter(seed: int) -> None:
    delay = (next_poll_after_success(NOW, 600, random.Random(seed)) - NOW).total_seconds()
    assert 540 <= delay <= 660


def test_success_jitter_spreads_feeds() -> None:
    rng = random.Random(1)
    assert len({next_poll_after_success(NOW, 600, rng) for _ in range(10)}) > 5


@pytest.mark.parametrize(
    ("interval", "failures", "low", "high"),
    [
        pytest.param(300, 1, 480, 600, id="first-failure-doubles"),
        pytest.param(300, 2, 960, 1200, id="second-quadruples"),
        pytest.param(300, 5, 7680, 9600, id="fifth"),
        pytest.param(300, 10, MAX_BACKOFF_SECONDS * 0.8, MAX_BACKOFF_SECONDS, id="capped-at-6h"),
        pytest.param(
            300, 10_000, MAX_BACKOFF_SECONDS * 0.8, MAX_BACKOFF_SECONDS, id="huge-count-no-overflow"
        ),
        pytest.param(300, 0, 240, 300, id="zero-failures-is-interval"),
        pytest.param(86400, 3, 86400 * 0.8, 86400, id="interval-above-cap-keeps-interval"),
    ],
)
def test_backoff_is_exponential_capped_and_jittered(
    interval: int, failures: int, low: float, high: float
) -> None:
    for seed in range(10):
        assert low <= backoff_seconds(interval, failures, rng=random.Random(seed)) <= high


@pytest.mark.parametrize(
    ("retry_after", "low", "high"),
    [
        pytest.param(None, 480, 600, id="no-retry-after"),
        pytest.param(10.0, 480, 600, id="shorter-than-backoff-ignored"),
        pytest.param(3600.0, 3600, 3600, id="longer-honoured"),
        pytest.param(7 * 86400.0, 86400, 86400, id="absurd-capped-at-a-day"),
        pytest.param(0.0, 480, 600, id="zero"),
    ],
)
def test_failure_honours_retry_after(retry_after: float | None, low: float, high: float) -> None:
    when = next_poll_after_failure(NOW, 300, 1, retry_after, rng=random.Random(3))
    assert timedelta(seconds=low) <= when - NOW <= timedelta(seconds=high)

"""When to poll a feed next: pure functions of the interval, the failure count and ``Retry-After``."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

MAX_BACKOFF_SECONDS = 6 * 3600.0
SUCCESS_JITTER = 0.1
FAILURE_JITTER = 0.2


def next_poll_after_success(
    now: datetime, interval_seconds: int, rng: random.Random | None = None
) -> datetime:
    """``now + interval``, spread by up to ±10 % so feeds on one interval do not poll in lockstep."""
    r = rng or random
    factor = 1.0 + r.uniform(-SUCCESS_JITTER, SUCCESS_JITTER)
    return now + timedelta(seconds=max(1.0, interval_seconds * factor))


def backoff_seconds(
    interval_seconds: int,
    failures: int,
    *,
    cap: float = MAX_BACKOFF_SECONDS,
    rng: random.Random | None = None,
) -> float:
    """``interval * 2**failures`` capped at ``cap`` (6 h), with up to 20 % jitter downwards (never above cap).

    ``failures`` counts the failures so far, including the one just recorded (1 → twice the interval)."""
    r = rng or random
    exponent = min(max(failures, 0), 32)
    base = min(float(interval_seconds) * 2.0**exponent, max(cap, float(interval_seconds)))
    return max(1.0, base * (1.0 - r.uniform(0.0, FAILURE_JITTER)))


def next_poll_after_failure(
    now: datetime,
    interval_seconds: int,
    failures: int,
    retry_after: float | None = None,
    *,
    cap: float = MAX_BACKOFF_SECONDS,
    rng: random.Random | None = None,
) -> datetime:
    """The retry time after a failure: exponential backoff, but never sooner than ``Retry-After`` asks.

    A ``Retry-After`` longer than the cap is honoured up to 24 h (a server asking for a day off gets it)."""
    delay = backoff_seconds(interval_seconds, failures, cap=cap, rng=rng)
    if retry_after is not None and retry_after > 0:
        delay = max(delay, min(retry_after, 24 * 3600.0))
    return now + timedelta(seconds=delay)

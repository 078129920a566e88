"""Readiness: each role of the process says how often it works and beats when it has; late roles are named.

A role is late when its last beat (or, before the first, its declaration) is older than ``GRACE`` periods.
The clock is injected (``time.monotonic`` by default) so tests move time by hand.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

GRACE = 3.0


@dataclass(frozen=True, slots=True)
class LateRole:
    """A role that has not done its work within ``allowed_seconds``."""

    role: str
    seconds_since_beat: float
    allowed_seconds: float


class Readiness:
    """Heartbeats of the roles of one process (thread-safe: roles may beat from worker threads)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._periods: dict[str, float] = {}
        self._beats: dict[str, float] = {}

    def declare(self, role: str, period_seconds: float) -> None:
        """``role`` works every ``period_seconds``; its grace starts now."""
        if period_seconds <= 0:
            raise ValueError(f"period of {role!r} must be positive, got {period_seconds}")
        with self._lock:
            self._periods[role] = float(period_seconds)
            self._beats[role] = self._clock()

    def beat(self, role: str) -> None:
        """``role`` has just done its work (a poll cycle, a getUpdates, a delivery pass)."""
        with self._lock:
            if role not in self._periods:
                raise KeyError(f"role {role!r} was never declared")
            self._beats[role] = self._clock()

    @property
    def roles(self) -> tuple[str, ...]:
        """The declared roles, in declaration order."""
        with self._lock:
            return tuple(self._periods)

    def late(self) -> list[LateRole]:
        """The roles whose last beat is older than ``GRACE`` of their periods."""
        now = self._clock()
        with self._lock:
            items = [(role, period, now - self._beats[role]) for role, period in self._periods.items()]
        return [
            LateRole(role, round(since, 3), GRACE * period)
            for role, period, since in items
            if since > GRACE * period
        ]

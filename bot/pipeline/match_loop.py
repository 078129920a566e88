"""The match role: match new items as soon as a fetch stored them (same process) or within a second
(another process's fetch), and wake the sender when alerts were enqueued."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from bot.offload import off_loop
from bot.pipeline.match import MatchService
from feeds.values import StoreUnavailableError

logger = logging.getLogger(__name__)

IDLE_SECONDS = 1.0  # how often a match worker looks for items stored by another process


class MatchLoop:
    """Runs the match stage whenever woken, or every ``idle`` seconds."""

    def __init__(
        self,
        matcher: MatchService,
        *,
        on_enqueued: Callable[[], None] | None = None,
        on_pass: Callable[[], None] | None = None,
        idle: float = IDLE_SECONDS,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._matcher = matcher
        self._on_enqueued = on_enqueued
        self._on_pass = on_pass
        self._idle = idle
        self._clock = clock  # None: the matcher's own (the real time)
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """New items were stored: match now."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Match until ``stop``; a database error logs one line and backs off."""
        failures = 0
        while not stop.is_set():
            self._wake.clear()
            delay = self._idle
            try:
                await self.run_pass()
                failures = 0
            except StoreUnavailableError as exc:
                failures += 1
                delay = min(30.0, 0.5 * 2**failures)
                logger.warning("match_pass_failed error=%s retry_in=%.1f", exc, delay)
            waiters = {asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wake.wait())}
            try:
                await asyncio.wait(waiters, timeout=delay, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiter in waiters:
                    waiter.cancel()

    async def run_pass(self) -> int:
        """One pass: refresh the subscription index, match the new items; returns the alerts enqueued."""
        await off_loop(self._matcher.sync)
        now = self._clock() if self._clock is not None else None
        enqueued = await off_loop(self._matcher.run_once, now)
        if self._on_pass is not None:
            self._on_pass()
        if enqueued and self._on_enqueued is not None:
            self._on_enqueued()
        return enqueued

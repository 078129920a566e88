"""Keeps the long-running stages of a process alive.

A stage task that ends while the process is not stopping (it returned, or raised) is logged and started
again after a short, growing pause. A stage that dies more than ``max_restarts`` times within ``window``
seconds is failing for good: the supervisor sets the process's stop event and records the stage, and the
process exits non-zero so that a service manager (``Restart=on-failure``) starts it afresh.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from time import monotonic

logger = logging.getLogger(__name__)

StageFactory = Callable[[], Awaitable[None]]


class Supervisor:
    """Runs named stages until ``stop`` is set, restarting the ones that end unexpectedly."""

    def __init__(
        self,
        stop: asyncio.Event,
        *,
        max_restarts: int = 5,
        window: float = 300.0,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        clock: Callable[[], float] = monotonic,
    ) -> None:
        self._stop = stop
        self._max_restarts = max_restarts
        self._window = window
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._clock = clock
        self._tasks: list[asyncio.Task[None]] = []
        self.failed: str | None = None  # the stage that kept dying, if any

    def start(self, name: str, factory: StageFactory) -> asyncio.Task[None]:
        """Run ``factory()`` as stage ``name`` under supervision."""
        task = asyncio.create_task(self._watch(name, factory), name=f"stage:{name}")
        self._tasks.append(task)
        return task

    async def wait(self, timeout: float) -> None:
        """Wait (up to ``timeout`` s) for every stage to finish after ``stop``; cancel the stragglers."""
        if not self._tasks:
            return
        _done, pending = await asyncio.wait(self._tasks, timeout=timeout)
        for task in pending:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*pending, return_exceptions=True)

    async def _watch(self, name: str, factory: StageFactory) -> None:
        deaths: deque[float] = deque()
        while not self._stop.is_set():
            try:
                await factory()
                if self._stop.is_set():
                    return
                logger.error("stage_ended stage=%s", name)
            except Exception:
                logger.exception("stage_crashed stage=%s", name)
            now = self._clock()
            deaths.append(now)
            while deaths and now - deaths[0] > self._window:
                deaths.popleft()
            if len(deaths) > self._max_restarts:
                logger.error(
                    "stage_failing stage=%s deaths=%s window=%ss: stopping", name, len(deaths), self._window
                )
                self.failed = name
                self._stop.set()
                return
            pause = min(self._backoff_cap, self._backoff_base * 2 ** (len(deaths) - 1))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), pause)

"""The fetch role: poll each feed on its own interval, as soon as it is due, each poll on its own.

The loop claims due feeds from the database (``Store.claim_due_feeds``: a lease, ``SKIP LOCKED`` on
PostgreSQL, so several fetch workers never take the same feed), starts one task per feed, and sleeps until
the next feed is due — not until a fixed tick. A slow or hanging feed delays only itself; a worker that
dies leaves its feeds due again when their leases end.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from time import monotonic

from bot.offload import off_loop
from bot.pipeline.deliver import new_owner_id
from bot.pipeline.ingest import FeedPollResult, Ingestor
from bot.pipeline.ports import IngestStore
from feeds.models import FeedState
from feeds.values import StoreUnavailableError

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]
MAX_SLEEP = 5.0  # seconds: a feed added or changed by another process is seen this soon
MIN_SLEEP = 0.05


def _now() -> datetime:
    return datetime.now(UTC)


class FetchLoop:
    """Claims due feeds and polls each in its own task; ``on_new_items`` runs when a poll stored items."""

    def __init__(
        self,
        store: IngestStore,
        ingestor: Ingestor,
        *,
        lease: timedelta,
        max_in_flight: int = 100,
        on_new_items: Callable[[], None] | None = None,
        on_pass: Callable[[], None] | None = None,
        clock: Clock = _now,
        owner: str | None = None,
    ) -> None:
        self.owner = owner or new_owner_id()
        self._store = store
        self._ingestor = ingestor
        self._lease = lease
        self._max_in_flight = max_in_flight
        self._on_new_items = on_new_items
        self._on_pass = on_pass
        self._clock = clock
        self._tasks: set[asyncio.Task[FeedPollResult]] = set()
        self._wake = asyncio.Event()
        self._renew_at = 0.0  # monotonic time of the next lease renewal of the feeds in flight

    def wake(self) -> None:
        """Look for due feeds now (a feed was added)."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Claim and poll until ``stop``; polls in flight are cancelled at the end and their feeds released
        (due now for another process, not held until the lease ends)."""
        failures = 0
        try:
            while not stop.is_set():
                self._wake.clear()
                try:
                    delay = await self.run_pass()
                    failures = 0
                except StoreUnavailableError as exc:
                    failures += 1
                    delay = min(30.0, 0.5 * 2**failures)
                    logger.warning("fetch_pass_failed error=%s retry_in=%.1f", exc, delay)
                await self._sleep(stop, delay)
        finally:
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            await self._release()

    async def _release(self) -> None:
        """Give back every feed this loop still holds (a failed release leaves them to their lease)."""
        try:
            released = await off_loop(self._store.release_feed_claims, self.owner, self._clock())
        except StoreUnavailableError as exc:
            logger.warning("fetch_release_failed error=%s", exc)
            return
        if released:
            logger.info("fetch_claims_released feeds=%s", released)

    async def run_pass(self) -> float:
        """Start a poll for every feed due now (room permitting); returns seconds until the next is due."""
        now = self._clock()
        if self._tasks and monotonic() >= self._renew_at:  # a slow poll keeps its feed
            await off_loop(self._store.renew_feed_claims, self.owner, now + self._lease)
            self._renew_at = monotonic() + self._lease.total_seconds() / 3
        room = self._max_in_flight - len(self._tasks)
        if room > 0:
            claimed = await off_loop(self._store.claim_due_feeds, now, now + self._lease, room, self.owner)
            for feed in claimed:
                self._start(feed, now)
            if claimed and not self._renew_at:
                self._renew_at = monotonic() + self._lease.total_seconds() / 3
        if self._on_pass is not None:
            self._on_pass()
        next_due = await off_loop(self._store.next_feed_due_at)
        until_renewal = self._renew_at - monotonic() if self._tasks else MAX_SLEEP
        if next_due is None:
            return max(MIN_SLEEP, min(MAX_SLEEP, until_renewal))
        seconds = (next_due - self._clock()).total_seconds()
        return max(MIN_SLEEP, min(MAX_SLEEP, seconds, until_renewal))

    async def settle(self) -> list[FeedPollResult]:
        """Wait for the polls in flight (a stepped run: the demo, tests); the results of those that ended."""
        results = await asyncio.gather(*self._tasks, return_exceptions=True)
        return [result for result in results if isinstance(result, FeedPollResult)]

    def _start(self, feed: FeedState, now: datetime) -> None:
        task = asyncio.create_task(self._ingestor.poll_one(feed, now), name=f"poll:{feed.name}")
        self._tasks.add(task)
        task.add_done_callback(self._polled)

    def _polled(self, task: asyncio.Task[FeedPollResult]) -> None:
        self._tasks.discard(task)
        self._wake.set()  # its next poll time is known now, and there is room for another
        if task.cancelled() or task.exception() is not None:
            return
        if task.result().new_items and self._on_new_items is not None:
            self._on_new_items()

    async def _sleep(self, stop: asyncio.Event, seconds: float) -> None:
        waiters = {asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wake.wait())}
        try:
            await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()

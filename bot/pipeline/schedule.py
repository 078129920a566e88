"""Scheduling the ingest and match stages: one repeating job (ingest due feeds, match, wake the sender)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.offload import off_loop
from bot.ops.memory import release_free_memory
from bot.pipeline.feed_pauses import PauseNotices
from bot.pipeline.ingest import Ingestor
from bot.pipeline.match import MatchService
from feeds.values import StoreUnavailableError

logger = logging.getLogger(__name__)

SHUTDOWN_GRACE_SECONDS = 5.0


class Pipeline:
    """One tick of the product: ingest due feeds, match what is new, wake the sender."""

    def __init__(
        self,
        ingestor: Ingestor,
        matcher: MatchService,
        wake_sender: Callable[[], None] | None = None,
        on_tick_done: Callable[[], None] | None = None,
        *,
        notices: PauseNotices | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._ingestor = ingestor
        self._notices = notices  # pauses long-failing chat feeds after each ingest pass
        self._clock = clock
        self._matcher = matcher
        self._wake_sender = wake_sender
        self._on_tick_done = on_tick_done  # readiness: the pipeline did a cycle
        self.running: asyncio.Task[object] | None = None

    def stop(self) -> None:
        """A match pass in flight ends after its current write (its thread can't be cancelled)."""
        self._matcher.stop()

    async def tick(self) -> int:
        """Run one cycle; returns the number of alerts enqueued. Never raises: cancelled (at shutdown), it
        logs one line and returns, so the scheduler reports no failed job."""
        self.running = asyncio.current_task()
        enqueued = 0
        try:
            now = self._clock()
            results = await self._ingestor.poll_due(now)
            if self._notices is not None:
                await self._notices.run(now)
            new_items = sum(len(r.new_items) for r in results)
            matcher = self._matcher
            await off_loop(matcher.sync)
            enqueued = await off_loop(matcher.run_once)
            if new_items or enqueued:  # a burst's fetch, parse and match garbage: back to the system
                await off_loop(release_free_memory)
            if results:
                logger.info("tick_done feeds=%s new_items=%s alerts=%s", len(results), new_items, enqueued)
        except asyncio.CancelledError:  # shutting down mid-tick: normal, the database says where to resume
            logger.info("tick_cancelled")
            return 0
        except StoreUnavailableError as exc:  # the next tick tries again
            logger.warning("tick_failed error=%s", exc)
            return 0
        except Exception:
            logger.exception("tick_failed")
            return 0
        finally:
            self.running = None
        if self._on_tick_done is not None:
            self._on_tick_done()
        if enqueued and self._wake_sender is not None:
            self._wake_sender()
        return enqueued


def start_scheduler(pipeline: Pipeline, tick_seconds: int) -> AsyncIOScheduler:
    """One repeating job, never overlapping itself, missed runs coalesced, a little jitter."""
    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.add_job(
        pipeline.tick,
        "interval",
        seconds=tick_seconds,
        id="tick",
        max_instances=1,
        coalesce=True,
        jitter=max(1, tick_seconds // 10),
        next_run_time=datetime.now(UTC),
    )
    scheduler.start()
    return scheduler


async def stop_pipeline(scheduler: AsyncIOScheduler, pipeline: Pipeline) -> None:
    """Stop scheduling and cancel a tick in flight (the database says where to resume)."""
    scheduler.shutdown(wait=False)
    pipeline.stop()
    task = pipeline.running
    if task is not None and not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(task, SHUTDOWN_GRACE_SECONDS)

"""The daily retention job: prune releases first seen longer ago than ``[storage] keep_items``.

``prune_old_items`` is what the scheduler (and ``wirewatch prune``) calls; the store does the work in short
batches on a worker thread, pausing between batches so ingest and delivery keep their turn at the database.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.offload import off_loop
from bot.pipeline.ports import RetentionStore
from feeds.retention import PruneResult

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
BATCH_PAUSE_SECONDS = 0.05
RUN_EVERY = timedelta(days=1)
FIRST_RUN_AFTER = timedelta(hours=1)  # not during start-up's catch-up polling

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The real clock."""
    return datetime.now(UTC)


async def prune_old_items(
    store: RetentionStore,
    keep: timedelta,
    clock: Clock = utc_now,
    *,
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
    pause: float = BATCH_PAUSE_SECONDS,
) -> tuple[datetime, PruneResult]:
    """Prune items first seen before ``clock() - keep``; returns that cutoff and what was removed."""
    before = clock() - keep
    result = await off_loop(store.prune, before, batch_size, dry_run, pause=pause)
    logger.info(
        "retention_done before=%s dry_run=%s items=%s search_entries=%s deliveries=%s kept=%s batches=%s",
        before.isoformat(timespec="seconds"),
        dry_run,
        result.items,
        result.search_entries,
        result.deliveries,
        result.kept,
        result.batches,
    )
    return before, result


async def retention_tick(
    store: RetentionStore, keep: timedelta, clock: Clock = utc_now
) -> PruneResult | None:
    """The scheduled job (daily): like ``prune_old_items``, but a failure is logged and the job lives on."""
    try:
        return (await prune_old_items(store, keep, clock))[1]
    except Exception:
        logger.exception("retention_failed")
        return None


def schedule_retention(
    scheduler: AsyncIOScheduler, store: RetentionStore, keep: timedelta, clock: Clock = utc_now
) -> None:
    """Add the daily job to the pipeline's scheduler: first run an hour after start, then every day."""
    scheduler.add_job(
        retention_tick,
        "interval",
        seconds=int(RUN_EVERY.total_seconds()),
        args=(store, keep, clock),
        id="retention",
        max_instances=1,
        coalesce=True,
        next_run_time=clock() + FIRST_RUN_AFTER,
    )


def describe(before: datetime, result: PruneResult, *, dry_run: bool) -> str:
    """What ``wirewatch prune`` prints."""
    verb = "Would remove" if dry_run else "Removed"
    lines = [
        f"{verb} {result.items} releases first seen before {before:%Y-%m-%d %H:%M} UTC,",
        f"  {result.search_entries} search index entries and {result.deliveries} sent or cancelled alerts;",
        f"  {result.identities} identities {'would be' if dry_run else 'are'} remembered"
        " (a feed listing them again stores nothing).",
    ]
    if result.kept:
        lines.append(f"Kept {result.kept} older releases: their story has a newer copy or a pending alert.")
    return "\n".join(lines)

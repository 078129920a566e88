"""The composition root: builds store, fetcher, ingestor, matcher and chat service from settings.

``open_runtime`` is shared by ``run``, ``console``, ``poll`` and ``demo``; ``Pipeline.tick`` is the one
scheduled job (ingest due feeds, match new items, wake the sender).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.commands import ChatService
from bot.ingest import Ingestor
from bot.matching import MatchService
from bot.settings import ConfigError, Settings
from feeds.fetch import Fetcher, FetchLimits
from feeds.pipeline import lower_priority
from storage.store import Store

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Runtime:
    """Everything one Wirewatch process works with."""

    settings: Settings
    store: Store
    ingestor: Ingestor
    matcher: MatchService
    service: ChatService


def fetch_limits(settings: Settings) -> FetchLimits:
    """The fetcher's limits from the [polling] settings."""
    p = settings.polling
    return FetchLimits(
        connect_timeout=p.connect_timeout,
        read_timeout=p.read_timeout,
        total_timeout=p.total_timeout,
        max_body_bytes=p.max_body_bytes,
        user_agent=p.user_agent,
        concurrency=p.concurrency,
        per_host_concurrency=p.per_host_concurrency,
        max_redirects=p.max_redirects,
    )


def parse_pool(workers: int | None = None) -> ProcessPoolExecutor:
    """A process pool for feed parsing: forkserver, since the parent runs threads (fork would be unsafe);
    workers at a lower CPU priority, so the event loop (chat replies) wins when both cores are busy."""
    context = multiprocessing.get_context("forkserver")
    return ProcessPoolExecutor(
        max_workers=workers or os.cpu_count() or 1, mp_context=context, initializer=lower_priority
    )


def open_store(settings: Settings) -> Store:
    """Open (and migrate) the database and bring the configured feeds into it."""
    try:
        store = Store.open(settings.database.url, default_zone=settings.chat.default_timezone)
    except ValueError as exc:  # a URL of a database we don't support
        raise ConfigError(f"database.url: {exc}") from None
    store.sync_feeds(settings.feeds, datetime.now(UTC))
    return store


@asynccontextmanager
async def open_runtime(settings: Settings, *, use_processes: bool = True) -> AsyncIterator[Runtime]:
    """Build the runtime; close everything on exit."""
    store = await asyncio.to_thread(open_store, settings)
    executor: Executor | None = parse_pool() if use_processes else None
    try:
        async with Fetcher(fetch_limits(settings)) as fetcher:
            window = timedelta(hours=settings.polling.story_window_hours)
            ingestor = Ingestor(store, fetcher, parse_executor=executor, story_window=window)
            matcher = MatchService(store)
            await asyncio.to_thread(matcher.sync)
            service = ChatService(
                store,
                matcher,
                admins=settings.telegram.admins,
                allowed_chats=settings.telegram.allowed_chats,
            )
            yield Runtime(settings, store, ingestor, matcher, service)
    finally:
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)
        await asyncio.to_thread(store.close)


class Pipeline:
    """One tick of the product: ingest due feeds, match what is new, wake the sender."""

    def __init__(self, runtime: Runtime, wake_sender: Callable[[], None] | None = None) -> None:
        self._runtime = runtime
        self._wake_sender = wake_sender
        self.running: asyncio.Task[object] | None = None

    async def tick(self) -> int:
        """Run one cycle; returns the number of alerts enqueued. Never raises (but can be cancelled)."""
        self.running = asyncio.current_task()
        enqueued = 0
        try:
            results = await self._runtime.ingestor.poll_due()
            new_items = sum(len(r.new_items) for r in results)
            matcher = self._runtime.matcher
            await asyncio.to_thread(matcher.sync)
            enqueued = await asyncio.to_thread(matcher.run_once)
            if results:
                logger.info("tick_done feeds=%s new_items=%s alerts=%s", len(results), new_items, enqueued)
        except Exception:
            logger.exception("tick_failed")
            return 0
        finally:
            self.running = None
        if enqueued and self._wake_sender is not None:
            self._wake_sender()
        return enqueued

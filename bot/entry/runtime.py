"""The composition root: builds store, fetcher, ingestor, matcher and chat service from settings.

``open_runtime`` is shared by ``run``, ``console``, ``poll`` and ``demo``; ``Pipeline.tick`` is the one
scheduled job (ingest due feeds, match new items, wake the sender).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import AsyncIterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.chat.service import ChatService
from bot.offload import off_loop
from bot.pipeline.ingest import Ingestor
from bot.pipeline.match import MatchService
from bot.settings import ConfigError, Settings
from feeds.fetch import Fetcher, FetchLimits
from feeds.guard import UrlPolicy
from feeds.pipeline import init_worker
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


def url_policy(settings: Settings) -> UrlPolicy:
    """The guard for feeds that do not come from the config, from the [polling] settings."""
    p = settings.polling
    return UrlPolicy(allowed_ports=p.allowed_ports, allow_private_networks=p.allow_private_networks)


def parse_pool(workers: int | None = None) -> ProcessPoolExecutor:
    """A process pool for feed parsing: forkserver, since the parent runs threads (fork would be unsafe);
    workers at a lower CPU priority, so the event loop (chat replies) wins when both cores are busy."""
    context = multiprocessing.get_context("forkserver")
    return ProcessPoolExecutor(
        max_workers=workers or os.cpu_count() or 1,
        mp_context=context,
        initializer=init_worker,
        initargs=(os.getpid(),),
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
async def open_runtime(
    settings: Settings, *, use_processes: bool = True, exclusive: bool = False
) -> AsyncIterator[Runtime]:
    """Build the runtime; close everything on exit.

    SQLite serves one process: the runtime holds the database file's instance lock (a second process is
    refused in one line). PostgreSQL coordinates any number of processes through claims and leases, so
    the lock is taken there only when ``exclusive``."""
    store = await off_loop(open_store, settings)
    try:
        needs_lock = exclusive or store.dialect == "sqlite"
        lock = await off_loop(store.lock_instance) if needs_lock else None
    except BaseException:
        await off_loop(store.close)
        raise
    executor: Executor | None = parse_pool() if use_processes else None
    try:
        async with Fetcher(fetch_limits(settings), policy=url_policy(settings)) as fetcher:
            window = timedelta(hours=settings.polling.story_window_hours)
            ingestor = Ingestor(store, fetcher, parse_executor=executor, story_window=window)
            matcher = MatchService(store)
            await off_loop(matcher.sync)
            service = ChatService(
                store,
                matcher,
                admins=settings.telegram.admins,
                allowed_chats=settings.telegram.allowed_chats,
                default_language=settings.chat.default_language,
            )
            yield Runtime(settings, store, ingestor, matcher, service)
    finally:
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)
        if lock is not None:
            await off_loop(lock.release)
        await off_loop(store.close)

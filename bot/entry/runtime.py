"""The composition root's parts: store, fetcher, ingestor, matcher and chat service, from settings.

``open_runtime`` is shared by ``run``, ``poll``, ``console`` and ``demo``; ``bot.entry.stages`` builds the
stages of a set of roles (fetch, match and deliver loops, …) over it.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.chat.feed_commands import FeedCommands, FeedRules
from bot.chat.service import ChatService
from bot.entry.translation import translation_service
from bot.offload import off_loop
from bot.ops.memory import release_free_memory
from bot.pipeline.ingest import Ingestor
from bot.pipeline.match import MatchService
from bot.pipeline.spikes import SpikeWatch
from bot.settings import ConfigError, Settings
from feeds.fetch import Fetcher, FetchLimits
from feeds.guard import UrlPolicy
from feeds.pipeline import init_worker
from storage.db.instance import InstanceLock, InstanceLockedError, sqlite_file_lock
from storage.store import Store

logger = logging.getLogger(__name__)

PARSE_MODULES = ("feeds.pipeline",)  # what a parse worker needs: preloaded in the forkserver


@dataclass(frozen=True, slots=True)
class Runtime:
    """Everything one Wirewatch process works with."""

    settings: Settings
    store: Store
    ingestor: Ingestor
    matcher: MatchService
    service: ChatService
    spikes: SpikeWatch


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


def feed_rules(settings: Settings) -> FeedRules:
    """Who may add feeds from chat, how many, and how often new feeds are polled."""
    return FeedRules(
        adders=settings.telegram.feed_adders,
        max_per_chat=settings.telegram.max_feeds_per_chat,
        interval_seconds=settings.polling.interval_seconds,
        story_window=timedelta(hours=settings.polling.story_window_hours),
    )


def feed_commands(settings: Settings, store: Store, fetcher: Fetcher) -> FeedCommands:
    """The chat's feed commands, fetching through ``fetcher`` (guarded by the [polling] policy)."""
    return FeedCommands(store, fetcher, url_policy(settings), feed_rules(settings), settings.telegram.admins)


def parse_pool(workers: int | None = None) -> ProcessPoolExecutor:
    """A process pool for feed parsing: forkserver, since the parent runs threads (fork would be unsafe);
    workers at a lower CPU priority, so the event loop (chat replies) wins when both cores are busy.

    The forkserver preloads only the parse modules (not the default ``__main__``: the whole bot), so each
    worker forks from a small process with feedparser already loaded."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(PARSE_MODULES))
    return ProcessPoolExecutor(
        max_workers=workers or os.cpu_count() or 1,
        mp_context=context,
        initializer=init_worker,
        initargs=(os.getpid(),),
    )


def _sqlite_lock(url: str) -> InstanceLock | None:
    """The SQLite file's instance lock, before opening it; a URL that does not parse is left to
    ``open_store``, which says what is wrong with it."""
    try:
        return sqlite_file_lock(url)
    except InstanceLockedError:
        raise
    except Exception:
        return None


PG_STORE_THREADS = 4  # PostgreSQL: one feed's store round trips (~50 ms) must not queue behind another's


def ingest_store_executor(dialect: str) -> Executor | None:
    """Where the ingest stage stores feeds: SQLite has one writer, so one thread (the default); on
    PostgreSQL a single thread caps a process near 18 cold feeds/s on round trips, so several."""
    if dialect != "postgresql":
        return None
    return ThreadPoolExecutor(max_workers=PG_STORE_THREADS, thread_name_prefix="ingest-store")


def open_store(settings: Settings, now: datetime | None = None) -> Store:
    """Open (and migrate) the database and bring the configured feeds into it."""
    try:
        store = Store.open(
            settings.database.url,
            default_zone=settings.chat.default_timezone,
            keep_items=timedelta(seconds=settings.storage.keep_items_seconds),
        )
    except ValueError as exc:  # a URL of a database we don't support
        raise ConfigError(f"database.url: {exc}") from None
    store.sync_feeds(settings.feeds, now or datetime.now(UTC))
    return store


@asynccontextmanager
async def open_runtime(
    settings: Settings,
    *,
    use_processes: bool = True,
    exclusive: bool = False,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> AsyncIterator[Runtime]:
    """Build the runtime (``clock``: the chat's time; the demo moves it); close everything on exit.

    SQLite serves one process: the runtime holds the database file's instance lock (a second process is
    refused in one line). PostgreSQL coordinates any number of processes through claims and leases, so
    the lock is taken there only when ``exclusive``."""
    early = await off_loop(_sqlite_lock, settings.database.url)
    try:
        store = await off_loop(open_store, settings, clock())
    except BaseException:
        if early is not None:
            early.release()
        raise
    try:
        lock = early
        if lock is None and exclusive:
            lock = await off_loop(store.lock_instance)
        if lock is not None:  # nobody else uses this database: what a crashed run held is free now
            feeds_back, alerts_back = await off_loop(store.release_dead_claims, datetime.now(UTC))
            if feeds_back or alerts_back:
                logger.info("claims_recovered feeds=%s alerts=%s", feeds_back, alerts_back)
    except BaseException:
        if early is not None:
            early.release()
        await off_loop(store.close)
        raise
    executor: Executor | None = parse_pool(settings.polling.parse_workers) if use_processes else None
    store_threads = ingest_store_executor(store.dialect)
    try:
        async with Fetcher(fetch_limits(settings), policy=url_policy(settings)) as fetcher:
            window = timedelta(hours=settings.polling.story_window_hours)
            ingestor = Ingestor(
                store,
                fetcher,
                parse_executor=executor,
                story_window=window,
                store_executor=store_threads,
                index_lexemes=store.index_lexemes,
            )
            spikes = SpikeWatch(store)
            matcher = MatchService(store, spikes=spikes)
            await off_loop(matcher.sync)
            await off_loop(release_free_memory)  # the subscriptions' rows, parsed into the index
            translator = translation_service(settings.translate, store)
            service = ChatService(
                store,
                matcher,
                admins=settings.telegram.admins,
                allowed_chats=settings.telegram.allowed_chats,
                clock=clock,
                default_language=settings.chat.default_language,
                feeds=feed_commands(settings, store, fetcher),
                webapp_url=settings.webapp.url,
                translator=translator,
            )
            try:
                yield Runtime(settings, store, ingestor, matcher, service, spikes)
            finally:
                if translator is not None:
                    await translator.close()
    finally:
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)
        if store_threads is not None:
            store_threads.shutdown(wait=False)
        if lock is not None:
            await off_loop(lock.release)
        await off_loop(store.close)

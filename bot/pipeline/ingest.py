"""The ingest stage: poll feeds, parse and normalize, store, and report what was new.

Reads like the pipeline: fetch → (304, or a 200 with the last stored body: done) → parse+normalize
(executor) → store → schedule. Feeds that do not come from the config are fetched through the guard
(``untrusted``). A feed's first successful poll stores its items as matched already: adding a source never
alerts anyone about its backlog. Store calls are synchronous SQLAlchemy and run in threads; parsing runs in
``parse_executor`` (a process pool in production). One feed's failure is logged, recorded with backoff
and never stops the others.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, ParamSpec, TypeVar

from bot.offload import off_loop
from bot.ops.metrics import Metrics, process_metrics
from bot.pipeline.ports import IngestStore
from feeds.fetch import Fetcher, FetchResult
from feeds.models import FeedState, Item, NewItem
from feeds.parse import FeedParseError
from feeds.pipeline import Lexemes, parse_and_normalize
from feeds.schedule import next_poll_after_failure, next_poll_after_success
from feeds.urls import mask_url
from feeds.values import FetchSuccess, StoreUnavailableError

logger = logging.getLogger(__name__)

PollStatus = Literal["ok", "not_modified", "unchanged", "error", "refused"]
OnResult = Callable[["FeedPollResult"], None]
P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class FeedPollResult:
    """The outcome of polling one feed: status, the items that were new, and how long it took."""

    feed_name: str
    status: PollStatus
    new_items: tuple[Item, ...]
    seconds: float
    error: str | None = None


class Ingestor:
    """Polls feeds through a ``Fetcher`` into a ``Store``.

    Store calls run in ``store_executor``; the default is one dedicated thread, so SQLite sees a single
    writer (many writer threads only queue on the database lock, hit ``database is locked`` and contend for
    the GIL with the event loop). ``index_lexemes``: the store's own form of each item's search tokens,
    made in the parse executor (``Store.index_lexemes``; None: the store needs none)."""

    def __init__(
        self,
        store: IngestStore,
        fetcher: Fetcher,
        *,
        parse_executor: concurrent.futures.Executor | None,
        story_window: timedelta = timedelta(days=3),
        store_executor: concurrent.futures.Executor | None = None,
        metrics: Metrics | None = None,
        index_lexemes: Lexemes | None = None,
    ) -> None:
        self.store = store
        self.fetcher = fetcher
        self.parse_executor = parse_executor
        self.story_window = story_window
        self._store_executor = store_executor or _store_thread()
        self.metrics = metrics or process_metrics()
        self.index_lexemes = index_lexemes

    async def _db(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a synchronous store call off the event loop, in the store executor."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._store_executor, functools.partial(fn, *args, **kwargs))

    async def poll_all(self, on_result: OnResult | None = None) -> list[FeedPollResult]:
        """Poll every enabled feed now, due or not (the CLI's ``poll --once``)."""
        feeds = await self._db(self.store.list_feeds)
        return await self.poll_feeds(feeds, datetime.now(UTC), on_result)

    async def poll_feeds(
        self, feeds: Sequence[FeedState], now: datetime, on_result: OnResult | None = None
    ) -> list[FeedPollResult]:
        """Poll the feeds concurrently (the fetcher caps HTTP concurrency); results in input order."""
        return list(await asyncio.gather(*(self._poll_and_report(f, now, on_result) for f in feeds)))

    async def _poll_and_report(
        self, feed: FeedState, now: datetime, on_result: OnResult | None
    ) -> FeedPollResult:
        result = await self.poll_one(feed, now)
        if on_result is not None:
            try:
                on_result(result)
            except Exception:
                logger.exception("feed_result_callback_failed feed=%s", feed.name)
        return result

    async def poll_one(self, feed: FeedState, now: datetime) -> FeedPollResult:
        """Poll one feed; every exception is caught here and recorded as that feed's failure."""
        started = time.monotonic()
        try:
            return await self._ingest(feed, now, started)
        except Exception as exc:  # one feed must never stop the others
            detail = str(exc).strip().splitlines()  # a database error's SQL and parameters stay out
            error = f"{type(exc).__name__}: {detail[0] if detail else ''}"[:300]
            return await self._fail(feed, now, error, None, started)

    async def _ingest(self, feed: FeedState, now: datetime, started: float) -> FeedPollResult:
        """The pipeline for one feed: fetch, parse+normalize, store, schedule."""
        fetched = await self.fetcher.fetch(feed.url, feed.etag, feed.last_modified, untrusted=feed.untrusted)
        fetch_seconds = time.monotonic() - started
        if fetched.status != "ok":
            self.metrics.record_fetch(fetched.outcome, fetch_seconds)
        if fetched.status in ("error", "refused"):
            error = fetched.error or "fetch failed"
            return await self._fail(feed, now, error, fetched.retry_after, started, fetched.status)
        if fetched.status == "not_modified":
            await self._succeed(feed, now, fetched)
            return FeedPollResult(feed.name, "not_modified", (), time.monotonic() - started)
        digest = fetched.body_digest()
        if digest == feed.body_digest:  # the same bytes again: the same items, all known
            self.metrics.record_fetch("unchanged", fetch_seconds)
            await self._succeed(feed, now, fetched)
            return FeedPollResult(feed.name, "unchanged", (), time.monotonic() - started)
        try:
            items = await self._parse(fetched, now)
        except FeedParseError as exc:
            self.metrics.record_fetch("parse_error", fetch_seconds)
            return await self._fail(feed, now, f"parse: {exc}", None, started)
        self.metrics.record_fetch("ok", fetch_seconds)
        new_items = await self._db(self._store_items, feed, items, now, fetched, digest)
        self.metrics.items_ingested(len(new_items))
        logger.info("feed_polled feed=%s entries=%d new=%d", feed.name, len(items), len(new_items))
        return FeedPollResult(feed.name, "ok", tuple(new_items), time.monotonic() - started)

    async def _parse(self, fetched: FetchResult, now: datetime) -> list[NewItem]:
        """Parse and normalize in the executor (a thread when there is none)."""
        args = (fetched.body, fetched.headers, fetched.final_url, now, self.index_lexemes)
        if self.parse_executor is None:
            return await off_loop(parse_and_normalize, *args)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.parse_executor, parse_and_normalize, *args)

    def _store_items(
        self, feed: FeedState, items: list[NewItem], now: datetime, fetched: FetchResult, digest: str
    ) -> list[Item]:
        """On the store thread: add the items and record the success with the body's digest, in one
        transaction (a digest is never stored without its items)."""
        first_poll = feed.last_success_at is None  # the backlog of a new feed never alerts
        success = self._success(feed, now, fetched, digest)
        return self.store.add_items(feed.id, items, self.story_window, first_poll=first_poll, success=success)

    async def _succeed(self, feed: FeedState, now: datetime, fetched: FetchResult) -> None:
        """Store validators (and a permanently moved URL), reset failures, schedule the next poll."""
        success = self._success(feed, now, fetched)
        await self._db(
            self.store.record_fetch_success,
            feed.id,
            at=success.at,
            next_poll_at=success.next_poll_at,
            etag=success.etag,
            last_modified=success.last_modified,
            new_url=success.new_url,
        )

    @staticmethod
    def _success(
        feed: FeedState, now: datetime, fetched: FetchResult, digest: str | None = None
    ) -> FetchSuccess:
        if fetched.permanent_url:
            logger.info(
                "feed_moved feed=%s old=%s new=%s",
                feed.name,
                mask_url(feed.url),
                mask_url(fetched.permanent_url),
            )
        return FetchSuccess(
            at=now,
            next_poll_at=next_poll_after_success(now, feed.interval_seconds),
            etag=fetched.etag,
            last_modified=fetched.last_modified,
            new_url=fetched.permanent_url,
            body_digest=digest,
        )

    async def _fail(
        self,
        feed: FeedState,
        now: datetime,
        error: str,
        retry_after: float | None,
        started: float,
        status: PollStatus = "error",
    ) -> FeedPollResult:
        """Log and record a failure with exponential backoff; a failing store is logged, not raised."""
        logger.warning("feed_poll_failed feed=%s error=%s", feed.name, error)
        failures = feed.consecutive_failures + 1
        retry_at = next_poll_after_failure(now, feed.interval_seconds, failures, retry_after)
        try:
            await self._db(
                self.store.record_fetch_failure, feed.id, at=now, error=error, next_poll_at=retry_at
            )
        except StoreUnavailableError as exc:
            logger.warning("feed_failure_not_recorded feed=%s error=%s", feed.name, exc)
        except Exception:
            logger.exception("feed_failure_not_recorded feed=%s", feed.name)
        return FeedPollResult(feed.name, status, (), time.monotonic() - started, error)


@functools.cache
def _store_thread() -> concurrent.futures.ThreadPoolExecutor:
    """The process-wide single store thread (idle threads cost nothing; one writer suits SQLite)."""
    return concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-store")

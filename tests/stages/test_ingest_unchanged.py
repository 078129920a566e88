"""A 200 answering the feed's last stored body is not parsed (issue 25, goal 2): real feed server on
127.0.0.1, real Fetcher, the real store on SQLite and PostgreSQL, SQL statements counted on the engine."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import Engine, event

from bot.ops.metrics import Metrics
from bot.pipeline.ingest import Ingestor
from feeds.fetch import Fetcher, FetchLimits
from feeds.models import FeedSpec, FeedState
from storage.store import Store
from tests.feed_server import FeedServer
from tests.stages.test_ops_ingest_metrics import counts

LIMITS = FetchLimits(read_timeout=0.5, total_timeout=3.0, max_body_bytes=200_000)
ITEM = "<item><title>Release {g}</title><guid>{g}</guid><description>Body of {g}.</description></item>"
P = ParamSpec("P")
T = TypeVar("T")


def rss(*guids: str) -> bytes:
    items = "".join(ITEM.format(g=g) for g in guids)
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()
    )


class CountingExecutor(ThreadPoolExecutor):
    """A real thread pool that counts the parses handed to it."""

    def __init__(self) -> None:
        super().__init__(max_workers=1)
        self.parses = 0

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        self.parses += 1
        return super().submit(fn, *args, **kwargs)


@contextmanager
def statements() -> Iterator[list[str]]:
    """Every SQL statement any engine runs inside the block, by its first word and table."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        seen.append(" ".join(sql.split()[:3]).upper())

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", record)


def configure(store: Store, server: FeedServer) -> None:
    store.sync_feeds(
        [FeedSpec("wire", server.url("/wire.xml"), 600)], datetime.now(UTC) - timedelta(seconds=1)
    )


def wire(store: Store) -> FeedState:
    (feed,) = store.list_feeds()
    return feed


async def test_the_same_bytes_again_are_recorded_as_a_poll_and_not_parsed(
    feed_server: FeedServer, store: Store
) -> None:
    feed_server.add("/wire.xml", rss("a", "b"))  # no ETag, no Last-Modified: every poll is a 200
    configure(store, feed_server)
    metrics, executor = Metrics(), CountingExecutor()
    async with Fetcher(LIMITS) as fetcher:
        ingestor = Ingestor(store, fetcher, parse_executor=executor, metrics=metrics)
        (first,) = await ingestor.poll_all()
        before = wire(store)
        with statements() as seen:
            (again,) = await ingestor.poll_all()
    executor.shutdown()
    assert (first.status, len(first.new_items)) == ("ok", 2)
    assert (again.status, again.new_items, again.error) == ("unchanged", (), None)
    assert executor.parses == 1
    writes = [s for s in seen if not s.startswith(("SELECT", "BEGIN", "COMMIT", "SAVEPOINT", "RELEASE"))]
    assert writes == ["UPDATE FEEDS SET"]  # recording the poll is the only store work
    after = wire(store)
    assert after.body_digest == before.body_digest is not None
    assert before.last_success_at is not None and after.last_success_at is not None
    assert after.last_success_at > before.last_success_at
    assert after.next_poll_at is not None and after.next_poll_at > after.last_success_at
    assert (counts(metrics)["ok"], counts(metrics)["unchanged"]) == (1, 1)
    assert store.count_items() == 2


async def test_a_body_changed_in_one_item_is_parsed_and_stores_only_what_is_new(
    feed_server: FeedServer, store: Store
) -> None:
    feed_server.add("/wire.xml", rss("a", "b"))
    configure(store, feed_server)
    async with Fetcher(LIMITS) as fetcher:
        ingestor = Ingestor(store, fetcher, parse_executor=None)
        await ingestor.poll_all()
        first_digest = wire(store).body_digest
        feed_server.add("/wire.xml", rss("c", "a", "b"))
        (changed,) = await ingestor.poll_all()
        (same,) = await ingestor.poll_all()
    assert (changed.status, [i.identity for i in changed.new_items]) == ("ok", ["guid:c"])
    assert wire(store).body_digest not in (None, first_digest)
    assert same.status == "unchanged"
    assert store.count_items() == 3


async def test_a_body_that_fails_to_parse_leaves_no_digest(feed_server: FeedServer, store: Store) -> None:
    feed_server.add("/wire.xml", b"<html><body>not a feed</body></html>", content_type="text/html")
    configure(store, feed_server)
    async with Fetcher(LIMITS) as fetcher:
        ingestor = Ingestor(store, fetcher, parse_executor=None)
        results = [r.status for _ in range(2) for r in await ingestor.poll_all()]
    assert results == ["error", "error"]  # parsed (and refused) both times
    assert wire(store).body_digest is None


async def test_the_same_bytes_at_a_new_address_are_parsed(feed_server: FeedServer, store: Store) -> None:
    feed_server.add("/wire.xml", rss("a"))
    feed_server.add("/moved.xml", rss("a"))
    configure(store, feed_server)
    async with Fetcher(LIMITS) as fetcher:
        ingestor = Ingestor(store, fetcher, parse_executor=None)
        await ingestor.poll_all()
        store.sync_feeds([FeedSpec("wire", feed_server.url("/moved.xml"), 600)], datetime.now(UTC))
        (moved,) = await ingestor.poll_all()
    assert (moved.status, moved.new_items) == ("ok", ())  # relative links resolve against the address

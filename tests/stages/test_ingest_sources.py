"""Ingest of new feeds (both backends): a first successful poll never alerts; untrusted feeds are guarded."""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.pipeline.ingest import Ingestor
from feeds.fetch import Fetcher, FetchLimits
from feeds.guard import UrlPolicy
from feeds.models import FeedOrigin, FeedSpec, FeedState
from storage.store import Store
from tests.feed_server import FeedServer
from tests.loopback_resolver import LoopbackResolver
from tests.stages.test_ingest import rss

LIMITS = FetchLimits(read_timeout=1.0, total_timeout=3.0)


def port(server: FeedServer) -> int:
    return int(server.base_url.rsplit(":", 1)[1])


@pytest.fixture
async def ingestor(store: Store, feed_server: FeedServer) -> AsyncIterator[Ingestor]:
    policy = UrlPolicy(
        allowed_ports=frozenset({port(feed_server)}), admit=(ipaddress.ip_network("127.0.0.1/32"),)
    )
    resolver = LoopbackResolver({"wire.test": ["127.0.0.1"], "internal.test": ["127.0.0.2"]})
    async with Fetcher(LIMITS, policy=policy, resolver=resolver) as fetcher:
        yield Ingestor(store, fetcher, parse_executor=None)


def new_feed(store: Store, server: FeedServer, origin: FeedOrigin, host: str = "wire.test") -> FeedState:
    url = f"http://{host}:{port(server)}/f.xml"
    now = datetime.now(UTC) - timedelta(seconds=1)
    if origin is FeedOrigin.CONFIG:
        (feed,) = store.sync_feeds([FeedSpec("Wire", url, 60)], now)
        return feed
    return store.add_feed("Wire", url, 60, origin=origin, now=now, added_by_chat=7)


@pytest.mark.parametrize("origin", list(FeedOrigin), ids=[o.value for o in FeedOrigin])
async def test_first_successful_poll_never_alerts_then_new_items_do(
    store: Store, feed_server: FeedServer, ingestor: Ingestor, origin: FeedOrigin
) -> None:
    feed_server.add("/f.xml", b"", status=500)
    feed = new_feed(store, feed_server, origin)
    (failed,) = await ingestor.poll_all()
    assert failed.status == "error"
    feed_server.add("/f.xml", rss("a", "b", "c"))
    (first,) = await ingestor.poll_all()
    assert (first.status, len(first.new_items)) == ("ok", 3)
    assert store.unmatched_items(100) == [], "a new feed's backlog reached the matcher"
    feed_server.add("/f.xml", rss("a", "b", "c", "d"))
    (second,) = await ingestor.poll_all()
    assert [i.identity for i in store.unmatched_items(100)] == [second.new_items[0].identity]
    assert store.get_feed(feed.id) is not None


async def test_untrusted_feed_pointing_at_a_private_address_is_refused_and_recorded(
    store: Store, feed_server: FeedServer, ingestor: Ingestor
) -> None:
    feed = new_feed(store, feed_server, FeedOrigin.CHAT, host="internal.test")
    (result,) = await ingestor.poll_all()
    assert (result.status, result.error) == ("refused", "refused: private address")
    stored = store.get_feed(feed.id)
    assert stored is not None
    assert (stored.consecutive_failures, stored.last_error) == (1, "refused: private address")
    assert feed_server.requests == []


async def test_config_feed_is_trusted(store: Store, feed_server: FeedServer, ingestor: Ingestor) -> None:
    feed_server.add("/f.xml", rss("a"))
    (feed,) = store.sync_feeds(
        [FeedSpec("Local", feed_server.url("/f.xml"), 60)], datetime.now(UTC) - timedelta(seconds=1)
    )
    async with Fetcher(LIMITS, policy=UrlPolicy(), resolver=LoopbackResolver()) as fetcher:
        (result,) = await Ingestor(store, fetcher, parse_executor=None).poll_all()
    assert result.status == "ok", "a config feed on a loopback port went through the guard"
    assert feed.untrusted is False

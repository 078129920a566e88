"""Hostile text through the real parts on SQLite and PostgreSQL: a NUL in one item no longer poisons its feed,
and queries with control or invisible characters get normal answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.chat.context import ChatContext
from bot.chat.service import ChatService
from bot.pipeline.ingest import Ingestor
from bot.pipeline.match import MatchService
from feeds.fetch import Fetcher, FetchLimits
from feeds.models import ChatKind, FeedSpec
from storage.store import Store
from tests.feed_server import FeedServer

LIMITS = FetchLimits(read_timeout=0.5, total_timeout=3.0, max_body_bytes=200_000)
CHAT = ChatContext(1001, ChatKind.PRIVATE, user_id=1001)
ITEM = b"<item><title>%s</title><guid>%s</guid><description>%s</description></item>"
HOSTILE_FEED = (
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
    + ITEM % (b"Acme\x00 wins &#x202E;award", b"g-\x00-1", b"Body with NUL\x00 and &#x1;bell.")
    + ITEM % (b"Binzhou plant opens", b"g-2", b"A healthy release.")
    + ITEM % (b"Weiqiao expands", b"g-3", b"Another healthy release.")
    + b"</channel></rss>"
)


@pytest.fixture
async def ingestor(store: Store) -> AsyncIterator[Ingestor]:
    async with Fetcher(LIMITS) as fetcher:
        yield Ingestor(store, fetcher, parse_executor=None)


async def test_item_with_nul_is_stored_cleaned_with_the_feeds_other_items(
    feed_server: FeedServer, store: Store, ingestor: Ingestor
) -> None:
    feed_server.add("/hostile.xml", HOSTILE_FEED)
    store.sync_feeds([FeedSpec("wire", feed_server.url("/hostile.xml"), 600)], datetime.now(UTC))
    (result,) = await ingestor.poll_all()
    assert (result.status, result.error, len(result.new_items)) == ("ok", None, 3)
    stored = store.recent_items(since=datetime.now(UTC) - timedelta(days=1), limit=10)
    by_identity = {item.identity: item for item in stored}
    assert set(by_identity) == {"guid:g--1", "guid:g-2", "guid:g-3"}
    hostile = by_identity["guid:g--1"]
    assert (hostile.title, hostile.body) == ("Acme wins award", "Body with NUL and bell.")
    (feed,) = store.list_feeds()
    assert (feed.consecutive_failures, feed.last_error) == (0, None)


@pytest.fixture
def service(store: Store) -> ChatService:
    return ChatService(store, MatchService(store))


async def say(service: ChatService, line: str) -> str:
    command, _, args = line.lstrip("/").partition(" ")
    return (await service.handle(CHAT, command, args)).html


@pytest.mark.parametrize("command", ["subscribe", "recent"])
async def test_query_with_nul_gets_a_normal_refusal(service: ChatService, store: Store, command: str) -> None:
    answer = await say(service, f"/{command} Binzhou\x00plant")
    assert "That query doesn't work: control character at position 8" in answer
    assert "\x00" not in answer
    assert store.list_subscriptions(CHAT.chat_id) == []


async def test_unsubscribe_with_nul_or_invisible_characters(service: ChatService, store: Store) -> None:
    assert "Subscribed #" in await say(service, "/subscribe Bin\u200bzhou \u202eplant")
    [sub] = store.list_subscriptions(CHAT.chat_id)
    assert sub.query == "Binzhou plant"
    assert "No subscription <code>nope</code>" in await say(service, "/unsubscribe no\x00pe")
    assert f"Unsubscribed #{sub.id}" in await say(service, "/unsubscribe Binzhou\u2066 plant")
    assert store.list_subscriptions(CHAT.chat_id) == []

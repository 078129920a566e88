"""A feed added from chat that fails 7 days in a row is paused and its chat told once (both databases),
through the fetch loop's pass with an injected clock, a failing loopback feed and the console transport."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.pipeline.feed_pauses import PauseNotices
from bot.pipeline.fetch_loop import FetchLoop
from bot.pipeline.ingest import Ingestor
from bot.pipeline.transport import ConsoleTransport
from feeds.fetch import Fetcher, FetchLimits
from feeds.guard import UrlPolicy
from feeds.models import ChatKind, FeedOrigin, FeedSpec
from storage.store import Store
from tests.feed_server import FeedServer

CHAT = 4242


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def fetcher(feed_server: FeedServer) -> AsyncIterator[Fetcher]:
    policy = UrlPolicy(
        allow_private_networks=True, allowed_ports=frozenset({int(feed_server.base_url.rsplit(":", 1)[1])})
    )
    async with Fetcher(FetchLimits(read_timeout=1.0, total_timeout=3.0), policy=policy) as f:
        yield f


async def test_failing_chat_feed_is_paused_after_seven_days_and_its_chat_told_once(
    store: Store, feed_server: FeedServer, fetcher: Fetcher
) -> None:
    feed_server.add("/gone.xml", b"gone", status=500)
    start = datetime.now(UTC)
    store.touch_chat(CHAT, ChatKind.CONSOLE)
    store.set_chat_language(CHAT, "zh-Hant")
    chat_feed = store.add_feed(
        "Gone <Wire>", feed_server.url("/gone.xml"), 60, origin=FeedOrigin.CHAT, now=start, added_by_chat=CHAT
    )
    store.add_feed("Gone CLI", feed_server.url("/gone.xml?cli"), 60, origin=FeedOrigin.CLI, now=start)
    store.sync_feeds([FeedSpec("Gone Config", feed_server.url("/gone.xml?config"), 60)], start)
    out = io.StringIO()
    notices = PauseNotices(store, ConsoleTransport(out), kinds=(ChatKind.CONSOLE,))
    clock = Clock(start)
    ingestor = Ingestor(store, fetcher, parse_executor=None)
    fetch = FetchLoop(store, ingestor, lease=timedelta(seconds=30), clock=clock)

    async def tick() -> None:  # what the fetch loop and the every-minute pause job do, stepped
        await fetch.run_pass()
        await fetch.settle()
        await notices.run(clock())

    await tick()
    assert out.getvalue() == "" and store.get_feed(chat_feed.id).paused_at is None  # type: ignore[union-attr]
    clock.now = start + timedelta(days=6, hours=23)
    await tick()
    assert out.getvalue() == "", "paused before 7 days"
    clock.now = start + timedelta(days=7, minutes=1)
    await tick()
    told = out.getvalue()
    assert "Gone <Wire>" in told and "7 天" in told and "已暫停" in told
    paused = {f.name for f in store.list_feeds() if f.paused_at is not None}
    assert paused == {"Gone <Wire>"}, "only feeds added from chat are paused"
    clock.now = start + timedelta(days=9)
    requests = len(feed_server.requests_for("/gone.xml"))
    await tick()
    assert out.getvalue() == told, "the chat was told twice"
    assert len(feed_server.requests_for("/gone.xml")) == requests, "a paused feed was polled"


async def test_telegram_process_leaves_console_chats_untold(store: Store) -> None:
    start = datetime.now(UTC)
    store.touch_chat(0, ChatKind.CONSOLE)
    feed = store.add_feed(
        "Gone", "http://127.0.0.1:9/x", 60, origin=FeedOrigin.CHAT, now=start, added_by_chat=0
    )
    store.record_fetch_failure(feed.id, at=start, error="HTTP 500", next_poll_at=start)
    out = io.StringIO()
    telegram_side = PauseNotices(store, ConsoleTransport(out), kinds=(ChatKind.PRIVATE,))
    assert await telegram_side.run(start + timedelta(days=8)) == 0
    assert [f.name for f in store.untold_paused_feeds()] == ["Gone"], (
        "the notice was claimed by the wrong side"
    )
    console_side = PauseNotices(store, ConsoleTransport(out), kinds=(ChatKind.CONSOLE,))
    assert await console_side.run(start + timedelta(days=8)) == 1
    assert store.untold_paused_feeds() == []

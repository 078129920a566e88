"""One time zone per chat, everywhere (issue 26): after /tz, /recent, the Why? button, /addfeed's answer and
the digest print the chat's local time with the zone's abbreviation or name, never UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.chat.context import ChatContext
from bot.chat.digest import render_digest_messages
from bot.chat.feed_intake import FoundFeed
from bot.chat.feed_report import added_text
from bot.chat.i18n import translator
from bot.chat.service import ChatService
from bot.pipeline.match import MatchService
from feeds.models import ChatKind, FeedSpec, FeedState
from storage.store import MatchRecord, Store
from tests.fixtures_db import new_item

NOW = datetime(2026, 5, 5, 1, 30, tzinfo=UTC)  # 09:30 in Shanghai
PUBLISHED = datetime(2026, 5, 4, 23, 0, tzinfo=UTC)  # May 5, 07:00 in Shanghai; May 4 in UTC
PRIVATE = ChatContext(1001, ChatKind.PRIVATE, user_id=1001)
HANT = ChatContext(1003, ChatKind.PRIVATE, user_id=1003, language_code="zh-tw")


@pytest.fixture
def service(store: Store) -> ChatService:
    return ChatService(store, MatchService(store), clock=lambda: NOW)


async def say(service: ChatService, ctx: ChatContext, line: str) -> str:
    command, _, args = line.lstrip("/").partition(" ")
    return (await service.handle(ctx, command, args)).html


def stored(store: Store) -> int:
    """One solar release published at ``PUBLISHED``, first seen a minute later; returns its id."""
    (feed,) = store.sync_feeds([FeedSpec("Wire A", "http://127.0.0.1/a.xml", 60)], PUBLISHED)
    seen = PUBLISHED + timedelta(minutes=1)
    release = new_item("s1", title="Harbor opens solar ferry terminal", body="Solar ferry.", seen=seen)
    (item,) = store.add_items(
        feed.id, [release.__class__(**{**_fields(release), "published_at": PUBLISHED})], WINDOW
    )
    return item.id


def _fields(item: object) -> dict[str, object]:
    return {name: getattr(item, name) for name in item.__dataclass_fields__}  # type: ignore[attr-defined]


WINDOW = timedelta(days=2)


@pytest.mark.parametrize(
    ("ctx", "expected"),
    [
        pytest.param(PRIVATE, "May 5, 07:00 CST", id="en"),
        pytest.param(HANT, "5月5日 07:00 CST", id="zh-hant"),
    ],
)
async def test_recent_prints_the_chats_local_time(
    service: ChatService, store: Store, ctx: ChatContext, expected: str
) -> None:
    stored(store)
    await say(service, ctx, "/tz Asia/Shanghai")
    answer = await say(service, ctx, "/recent solar")
    assert expected in answer and "UTC" not in answer


async def test_recent_without_a_zone_says_utc(service: ChatService, store: Store) -> None:
    stored(store)
    assert "May 4, 23:00 UTC" in await say(service, PRIVATE, "/recent solar")


async def test_why_tells_when_the_release_was_published_and_seen_in_the_chats_zone(
    service: ChatService, store: Store
) -> None:
    await say(service, PRIVATE, "/tz Asia/Shanghai")
    sub = store.add_subscription(PRIVATE.chat_id, "solar", PUBLISHED - timedelta(hours=1)).id
    item = stored(store)
    store.record_matches([item], [MatchRecord(item, sub, PRIVATE.chat_id)], NOW)
    (alert,) = store.pending_alerts(NOW, 10)
    why = await service.callback(PRIVATE, f"w:{alert.delivery_id}")
    assert why.message is not None
    assert "Published May 5, 07:00 CST, first seen May 5, 07:01 CST." in why.message.html


def test_addfeed_names_the_newest_item_in_the_chats_zone() -> None:
    feed = FeedState(3, "Wire C", "http://127.0.0.1/c.xml", 300)
    release = new_item("c1", seen=PUBLISHED)
    found = FoundFeed("http://127.0.0.1/c.xml", feed.url, feed.url, "Wire C", (release,))
    text = added_text(feed, found, translator("zh-Hans"), ZoneInfo("America/New_York"))
    assert "5月4日 18:55 EDT" in text  # published five minutes before it was first seen


def test_digest_lines_are_in_the_chats_zone(store: Store) -> None:
    """The digest names its zone in the header and gives each story's local time."""
    store.touch_chat(PRIVATE.chat_id, ChatKind.PRIVATE)
    sub = store.add_subscription(PRIVATE.chat_id, "solar", PUBLISHED - timedelta(hours=1)).id
    item = stored(store)
    store.record_matches([item], [MatchRecord(item, sub, PRIVATE.chat_id)], NOW)
    alerts = store.pending_alerts(NOW, 10)
    slot = datetime(2026, 5, 5, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai
    [message] = render_digest_messages(alerts, ZoneInfo("Asia/Shanghai"), slot)
    assert "08:00 (Asia/Shanghai)" in message.html and "07:01" in message.html


async def test_list_and_test_name_the_zone_of_their_times(service: ChatService, store: Store) -> None:
    stored(store)
    await say(service, PRIVATE, "/tz Asia/Shanghai")
    await say(service, PRIVATE, "/subscribe solar")
    assert "last match May 5, 07:01 CST" in await say(service, PRIVATE, "/list")
    assert "May 5, 07:01 CST" in await say(service, PRIVATE, "/test solar")

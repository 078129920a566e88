"""The operational counts behind /metrics, on both backends: feeds by health, outbox, chats, subscriptions."""

from __future__ import annotations

from datetime import timedelta

from feeds.models import ChatKind, FeedOrigin, FeedSpec, FeedState
from storage.store import MatchRecord, OutboxStats, Store
from tests.fixtures_db import T0, WINDOW, new_item, settle_as_sent

Feeds = tuple[FeedState, FeedState]


def test_ping_answers(store: Store) -> None:
    store.ping()


def test_feed_states(store: Store, two_feeds: Feeds) -> None:
    alpha, _ = two_feeds
    assert store.feed_states() == {"ok": 2, "failing": 0, "paused": 0}
    store.record_fetch_failure(alpha.id, at=T0, error="HTTP 500", next_poll_at=T0)
    assert store.feed_states() == {"ok": 1, "failing": 1, "paused": 0}
    store.sync_feeds([FeedSpec("alpha", alpha.url, 300)], T0)  # beta no longer configured: not polled
    assert store.feed_states() == {"ok": 0, "failing": 1, "paused": 1}
    store.record_fetch_success(alpha.id, at=T0, next_poll_at=T0, etag=None, last_modified=None)
    assert store.feed_states() == {"ok": 1, "failing": 0, "paused": 1}


def test_a_feed_paused_for_failing_counts_as_paused(store: Store) -> None:
    feed = store.add_feed("Chat Wire", "http://wire.example/rss", 300, origin=FeedOrigin.CHAT, now=T0)
    store.record_fetch_failure(feed.id, at=T0, error="HTTP 500", next_poll_at=T0)
    assert store.feed_states() == {"ok": 0, "failing": 1, "paused": 0}
    (paused,) = store.pause_failing_feeds(T0 + timedelta(days=7), timedelta(days=7))
    assert paused.id == feed.id
    assert store.feed_states() == {"ok": 0, "failing": 0, "paused": 1}
    store.resume_feed(feed.id, T0 + timedelta(days=8))
    assert store.feed_states() == {"ok": 0, "failing": 1, "paused": 0}


def test_chat_counts_and_subscriptions(store: Store) -> None:
    assert store.chat_counts() == {"active": 0, "paused": 0, "inactive": 0}
    assert store.subscription_count() == 0
    for chat_id in (1, 2, 3):
        store.touch_chat(chat_id, ChatKind.PRIVATE)
        store.add_subscription(chat_id, "solar", T0)
    store.add_subscription(1, "ferry", T0)
    store.touch_chat(-100, ChatKind.SUPERGROUP)
    store.touch_chat(99, ChatKind.CONSOLE)  # the terminal chat is not a Telegram chat
    store.set_paused(2, True)
    store.deactivate_chat(3)
    assert store.chat_counts() == {"active": 2, "paused": 1, "inactive": 1}
    assert store.subscription_count() == 4


def test_outbox_stats(store: Store, two_feeds: Feeds) -> None:
    alpha, _ = two_feeds
    now = T0 + timedelta(hours=1)
    assert store.outbox_stats(now) == OutboxStats(pending=0, oldest_due_at=None)
    items = store.add_items(
        alpha.id, [new_item(f"i{n}", title=f"Release number {n}") for n in range(3)], WINDOW
    )
    subs = {}
    for chat_id in (10, 20, 30):
        store.touch_chat(chat_id, ChatKind.PRIVATE)
        subs[chat_id] = store.add_subscription(chat_id, "solar", T0 - timedelta(days=1)).id
    store.record_matches([items[0].id], [MatchRecord(items[0].id, subs[10], 10)], T0)
    store.record_matches([items[1].id], [MatchRecord(items[1].id, subs[20], 20)], T0 + timedelta(minutes=5))
    store.record_matches([items[2].id], [MatchRecord(items[2].id, subs[30], 30)], T0 + timedelta(minutes=9))
    assert store.outbox_stats(now) == OutboxStats(pending=3, oldest_due_at=T0)

    store.mark_retry(
        [store.pending_alerts(now, 1)[0].delivery_id], not_before=now + timedelta(hours=1), error="x"
    )
    assert store.outbox_stats(now) == OutboxStats(pending=3, oldest_due_at=T0 + timedelta(minutes=5))
    later = now + timedelta(hours=2)  # the held row is due again: due since its not_before
    assert store.outbox_stats(later).oldest_due_at == T0 + timedelta(minutes=5)

    store.set_paused(20, True)  # a paused chat's alerts wait on purpose
    assert store.outbox_stats(now) == OutboxStats(pending=2, oldest_due_at=T0 + timedelta(minutes=9))
    settle_as_sent(store, later, later)
    assert store.outbox_stats(later) == OutboxStats(pending=0, oldest_due_at=None)

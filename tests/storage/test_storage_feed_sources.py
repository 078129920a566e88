"""Feeds added from chat, the CLI or OPML, on both backends: add, duplicates, remove, sync, pause."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from feeds.models import FeedOrigin, FeedSpec, FeedState
from storage.db.engine import make_engine
from storage.migrations import MIGRATIONS, migrate
from storage.store import DuplicateFeedError, Store
from tests.fixtures_db import T0, WINDOW, new_item

CHAT = 4242
WEEK = timedelta(days=7)


def add(
    store: Store,
    name: str = "Wire",
    url: str = "http://wire.example/rss",
    origin: FeedOrigin = FeedOrigin.CHAT,
) -> FeedState:
    return store.add_feed(name, url, 300, origin=origin, now=T0, added_by_chat=CHAT)


def test_added_feed_is_stored_due_now_and_found(store: Store) -> None:
    feed = store.add_feed(
        "  Harbor   Wire ", "http://wire.example/rss", 300, origin=FeedOrigin.CHAT, now=T0, added_by_chat=CHAT
    )
    assert (feed.name, feed.origin, feed.added_by_chat, feed.next_poll_at) == (
        "Harbor Wire",
        FeedOrigin.CHAT,
        CHAT,
        T0,
    )
    assert feed.untrusted and feed.last_success_at is None
    assert store.list_feeds() == [feed]
    assert store.get_feed(feed.id) == feed
    assert store.find_feed_by_name("harbor wire") == feed
    assert store.find_feed_by_url("HTTP://Wire.Example:80/rss#top") == feed
    assert store.find_feed_by_url("http://wire.example/other") is None
    assert store.count_feeds_added_by(CHAT) == 1
    assert store.count_feeds_added_by(CHAT + 1) == 0
    assert store.claim_due_feeds(T0, T0 + WEEK, 10) == [feed]


@pytest.mark.parametrize(
    ("name", "url", "reason"),
    [
        pytest.param("wire", "http://other.example/rss", "name", id="same-name-other-case"),
        pytest.param("Other", "http://WIRE.example/rss?utm_source=x#f", "url", id="same-canonical-url"),
        pytest.param("Other", "http://config.example/rss", "url", id="url-of-a-config-feed"),
        pytest.param("Config Wire", "http://new.example/rss", "name", id="name-of-a-config-feed"),
    ],
)
def test_duplicates_are_refused_naming_the_existing_feed(
    store: Store, name: str, url: str, reason: str
) -> None:
    store.sync_feeds([FeedSpec("Config Wire", "http://config.example/rss", 600)], T0)
    add(store)
    with pytest.raises(DuplicateFeedError) as caught:
        add(store, name, url)
    assert caught.value.reason == reason
    assert caught.value.existing.name in ("Wire", "Config Wire")
    assert caught.value.existing.name in str(caught.value)


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        pytest.param("x" * 64, True, id="64-chars"),
        pytest.param("x" * 65, False, id="65-chars"),
        pytest.param("   ", False, id="blank"),
        pytest.param("evil\u202ename", False, id="bidi-control"),
        pytest.param("tab\x00nul", False, id="nul"),
        pytest.param("山东财经快讯", True, id="cjk"),
    ],
)
def test_names_are_at_most_64_visible_characters(store: Store, name: str, ok: bool) -> None:
    if ok:
        assert add(store, name).name == name
    else:
        with pytest.raises(ValueError):
            add(store, name)


def test_config_origin_is_not_added_here(store: Store) -> None:
    with pytest.raises(ValueError, match="sync_feeds"):
        add(store, origin=FeedOrigin.CONFIG)


def test_remove_keeps_items_and_frees_the_url_and_name(store: Store) -> None:
    feed = store.add_feed("Wire", "http://wire.example/rss", 300, origin=FeedOrigin.CLI, now=T0)
    (item,) = store.add_items(feed.id, [new_item("a")], WINDOW)
    store.record_fetch_success(feed.id, at=T0, next_poll_at=T0, etag='"e"', last_modified=None)
    removed = store.remove_feed(feed.id, T0)
    assert removed is not None and removed.id == feed.id
    assert store.remove_feed(feed.id, T0) is None
    assert store.list_feeds() == [] and store.claim_due_feeds(T0 + WEEK, T0 + 2 * WEEK, 10) == []
    kept = store.get_item(item.id)
    assert kept is not None and kept.feed_name == "Wire"
    assert store.find_feed_by_url("http://wire.example/rss") is None
    again = store.add_feed("wire", "http://wire.example/v2", 300, origin=FeedOrigin.OPML, now=T0)
    assert (again.id, again.name, again.origin, again.last_success_at, again.etag) == (
        feed.id,
        "wire",
        FeedOrigin.OPML,
        None,
        None,
    )


def test_config_feeds_are_removed_in_the_config(store: Store) -> None:
    (feed,) = store.sync_feeds([FeedSpec("Config Wire", "http://config.example/rss", 600)], T0)
    with pytest.raises(ValueError, match="config"):
        store.remove_feed(feed.id, T0)
    assert store.remove_feed(999_999, T0) is None


def test_sync_manages_config_feeds_only(store: Store) -> None:
    chat_feed = add(store)
    store.sync_feeds([FeedSpec("Config Wire", "http://config.example/rss", 600)], T0)
    feeds = store.sync_feeds([], T0)
    assert feeds == [chat_feed]
    taken = store.sync_feeds([FeedSpec("Wire", "http://wire.example/rss", 600)], T0)
    assert [(f.name, f.origin, f.id) for f in taken] == [("Wire", FeedOrigin.CONFIG, chat_feed.id)]


def test_a_chat_feed_failing_for_a_week_is_paused_and_its_owner_told_once(store: Store) -> None:
    feed = add(store)
    (config,) = [f for f in store.sync_feeds([FeedSpec("C", "http://c.example/", 60)], T0) if f.name == "C"]
    for day in range(8):
        for f in (feed, config):
            store.record_fetch_failure(f.id, at=T0 + timedelta(days=day), error="HTTP 500", next_poll_at=T0)
    assert store.pause_failing_feeds(T0 + WEEK - timedelta(seconds=1), WEEK) == []
    (paused,) = store.pause_failing_feeds(T0 + WEEK, WEEK)
    assert (paused.id, paused.paused_at, paused.failing_since) == (feed.id, T0 + WEEK, T0)
    assert store.pause_failing_feeds(T0 + 2 * WEEK, WEEK) == []
    assert [f.id for f in store.claim_due_feeds(T0 + 2 * WEEK, T0 + 3 * WEEK, 10)] == [config.id]
    assert [f.id for f in store.untold_paused_feeds()] == [feed.id]
    assert store.mark_feed_owner_told(feed.id, T0 + WEEK)
    assert not store.mark_feed_owner_told(feed.id, T0 + WEEK)
    assert store.untold_paused_feeds() == []
    assert store.resume_feed(feed.id, T0 + 2 * WEEK)
    assert not store.resume_feed(feed.id, T0 + 2 * WEEK)
    resumed = store.get_feed(feed.id)
    assert resumed is not None and (resumed.paused_at, resumed.failing_since) == (None, None)


def test_a_success_ends_the_failure_streak(store: Store) -> None:
    feed = add(store)
    store.record_fetch_failure(feed.id, at=T0, error="x", next_poll_at=T0)
    store.record_fetch_success(feed.id, at=T0 + WEEK, next_poll_at=T0, etag=None, last_modified=None)
    store.record_fetch_failure(feed.id, at=T0 + WEEK, error="x", next_poll_at=T0)
    assert store.pause_failing_feeds(T0 + WEEK + timedelta(days=6), WEEK) == []


def test_existing_feeds_become_config_feeds_on_upgrade(backend: tuple[str, str | None]) -> None:
    url, schema = backend
    engine = make_engine(url, schema=schema)
    try:
        migrate(engine, MIGRATIONS[:1])
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO feeds (name, url, interval_seconds, enabled, consecutive_failures, "
                    "next_poll_at, created_at, updated_at) VALUES ('old', 'http://old/', 60, true, 0, "
                    ":t, :t, :t)"
                ),
                {"t": T0.replace(tzinfo=None)},
            )
    finally:
        engine.dispose()
    store = Store.open(url, schema=schema)
    try:
        (old,) = store.list_feeds()
        assert (old.name, old.origin, old.added_by_chat, old.paused_at) == (
            "old",
            FeedOrigin.CONFIG,
            None,
            None,
        )
    finally:
        store.close()

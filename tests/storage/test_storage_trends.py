"""Daily counts from the search index, last match, activity, spike settings: on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from feeds.models import ChatKind, FeedSpec, FeedState, Item
from feeds.query import parse_query
from feeds.search import candidates_are_exact, item_document
from feeds.trends import Hit, count_moment, daily_counts
from storage.db.engine import make_engine
from storage.items_repo import KEEP_ITEMS
from storage.migrations import MIGRATIONS, migrate
from storage.store import Store
from tests.fixtures_db import WINDOW, insert_raw_feed, new_item


def counted(item: Item) -> datetime:
    """When the item counts (the store's rule, with the store's default ``keep_items``)."""
    return count_moment(item.published_at, item.first_seen_at, KEEP_ITEMS)


SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY0 = date(2026, 1, 20)
START = datetime(2026, 1, 20, tzinfo=UTC)

# (identity, feed index, title, body, link, hours after START)
RELEASES = [
    ("a1", 0, "Binzhou aluminium plant opens", "Weiqiao Pioneering said the plant runs.", "http://x/1", 2),
    ("a2", 1, "Binzhou aluminium plant opens", "Weiqiao Pioneering said the plant runs.", "http://x/1", 3),
    ("b1", 0, "Binzhou hosts sports week", "Athletes from Shandong gather.", "http://x/2", 30),
    ("c1", 1, "Pioneering Weiqiao ranking", "A list of firms, Weiqiao among them.", "http://x/3", 40),
    ("d1", 0, "山东省滨州市发布新闻", "滨州市政府今日宣布。", "http://x/4", 15.5),  # 23:30 in Shanghai
    ("d2", 1, "滨州新区开放", "新区位于山东。", "http://x/5", 16),  # 00:00 next day in Shanghai
    ("e1", 0, "Harbor city ferry", "The weiqiao pioneering ferry sails.", "http://x/6", 100),
    ("old", 0, "Binzhou before the window", "Old news.", "http://x/7", -30),
]
QUERIES = [
    "binzhou",
    "binzhou aluminium",
    "binzhou OR 滨州",
    '"weiqiao pioneering"',
    "binzhou -sports",
    "title:binzhou",
    "滨州市",
    "pioneer*",
    "source:beta binzhou",
    "nothingatall",
]


@pytest.fixture
def stocked(store: Store, two_feeds: tuple[FeedState, FeedState]) -> Store:
    for identity, feed, title, body, link, hours in sorted(RELEASES, key=lambda r: r[5]):  # ids follow time
        item = new_item(identity, title=title, body=body, link=link, seen=START + timedelta(hours=hours))
        store.add_items(two_feeds[feed].id, [item], WINDOW)
    return store


def brute_force(store: Store, query_text: str, days: int, zone: ZoneInfo) -> tuple[tuple[int, ...], ...]:
    """The same counts by matching every stored item (the slow, obvious way)."""
    query = parse_query(query_text)
    every = store.recent_items(since=START - timedelta(days=30), limit=1000)
    hits = [Hit(i.id, i.story_id, counted(i)) for i in every if query.matches(item_document(i))]
    counts = daily_counts(hits, DAY0, days, zone)
    return counts.stories, counts.releases


@pytest.mark.parametrize("zone", [UTC, SHANGHAI], ids=["utc", "shanghai"])
@pytest.mark.parametrize("query_text", QUERIES)
def test_counts_equal_matching_every_item(stocked: Store, query_text: str, zone: ZoneInfo) -> None:
    counts = stocked.daily_counts(parse_query(query_text), first_day=DAY0, days=6, zone=zone)
    assert (counts.stories, counts.releases) == brute_force(stocked, query_text, 6, zone)
    assert counts.first_day == DAY0


@pytest.mark.parametrize(
    ("query_text", "zone", "stories", "releases"),
    [
        pytest.param("binzhou", UTC, (1, 1, 0, 0, 0), (2, 1, 0, 0, 0), id="wire-copies-once"),
        pytest.param("滨州", UTC, (2, 0, 0, 0, 0), (2, 0, 0, 0, 0), id="cjk-utc-same-day"),
        # d2 is first seen at 00:00 in Shanghai but published at 23:55: it counts on the day before
        pytest.param(
            "滨州", SHANGHAI, (2, 0, 0, 0, 0), (2, 0, 0, 0, 0), id="cjk-shanghai-published-before-midnight"
        ),
        pytest.param('"weiqiao pioneering"', UTC, (1, 0, 0, 0, 1), (2, 0, 0, 0, 1), id="phrase-checked"),
        pytest.param("nothingatall", UTC, (0,) * 5, (0,) * 5, id="no-match"),
    ],
)
def test_known_counts(
    stocked: Store, query_text: str, zone: ZoneInfo, stories: tuple[int, ...], releases: tuple[int, ...]
) -> None:
    counts = stocked.daily_counts(parse_query(query_text), first_day=DAY0, days=5, zone=zone)
    assert (counts.stories, counts.releases) == (stories, releases)


def test_empty_database_counts_zero(store: Store) -> None:
    counts = store.daily_counts(parse_query("binzhou"), first_day=DAY0, days=3, zone=UTC)
    assert counts.stories == (0, 0, 0) and counts.releases == (0, 0, 0)


@pytest.mark.parametrize(
    ("query_text", "exact"),
    [
        ("binzhou aluminium", True),
        ("binzhou OR 滨州", True),
        ('"a b"', False),
        ("a -b", False),
        ("alu*", False),
    ],
)
def test_exactness(query_text: str, exact: bool) -> None:
    assert candidates_are_exact(parse_query(query_text)) is exact


def test_activity_and_last_match(stocked: Store) -> None:
    now = START + timedelta(days=5)
    queries = {7: parse_query("binzhou"), 8: parse_query("nothingatall")}
    found = stocked.activity(queries, now=now, zone=UTC, days=7)
    assert found[7].counts == (0, 1, 1, 0, 0, 0, 0) and found[7].last_match_at == START + timedelta(hours=30)
    assert found[8].counts == (0,) * 7 and found[8].last_match_at is None


def test_spike_settings(store: Store) -> None:
    store.touch_chat(1, ChatKind.PRIVATE)
    store.touch_chat(2, ChatKind.PRIVATE)
    sub = store.add_subscription(1, "binzhou", START)
    assert not sub.spike_alerts and sub.last_spike_on is None
    assert not store.enqueue_spike(sub.id, DAY0, 3, 1.0, START)  # off
    assert store.set_spike_alerts(2, sub.id, True) is None  # not that chat's
    switched = store.set_spike_alerts(1, sub.id, True)
    assert switched is not None and switched.spike_alerts
    assert [s.id for s in store.spike_subscriptions()] == [sub.id]
    assert store.enqueue_spike(sub.id, DAY0, 3, 1.0, START)
    assert not store.enqueue_spike(sub.id, DAY0, 3, 1.0, START)  # one a day
    assert not store.enqueue_spike(sub.id, DAY0 - timedelta(days=1), 3, 1.0, START)
    assert store.enqueue_spike(sub.id, DAY0 + timedelta(days=1), 3, 1.0, START)
    assert store.list_subscriptions(1)[0].last_spike_on == DAY0 + timedelta(days=1)
    assert store.set_spike_alerts(1, sub.id, False) is not None
    assert store.spike_subscriptions() == []


def test_upgrade_keeps_subscriptions_with_spikes_off(backend: tuple[str, str | None]) -> None:
    url, schema = backend
    engine = make_engine(url, schema=schema)
    try:
        migrate(engine, MIGRATIONS[:1])
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO chats (id, kind, active, paused, created_at, updated_at)"
                    " VALUES (1, 'private', TRUE, FALSE, :t, :t)"
                ),
                {"t": START.replace(tzinfo=None)},
            )
            conn.execute(
                text(
                    "INSERT INTO subscriptions (chat_id, query, query_key, created_at)"
                    " VALUES (1, 'binzhou', 'binzhou', :t)"
                ),
                {"t": START.replace(tzinfo=None)},
            )
    finally:
        engine.dispose()
    store = Store.open(url, schema=schema)
    try:
        (sub,) = store.list_subscriptions(1)
        assert (sub.query, sub.spike_alerts, sub.last_spike_on) == ("binzhou", False, None)
    finally:
        store.close()


def test_a_new_feeds_backlog_counts_on_its_days_of_publication(store: Store) -> None:
    """Last week's backlog of a feed added today lands on last week, one story a day, in both the exact
    (database-grouped) and the checked count; spike checks (``backlog=False``) leave it out."""
    now = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    (feed,) = store.sync_feeds([FeedSpec("gamma", "http://127.0.0.1/gamma.xml", 300)], now)
    backlog = [
        replace(
            new_item(
                f"b{n}", title=f"Binzhou {word} opens", body=f"The {word} of Binzhou.", link=f"http://x/{n}"
            ),
            first_seen_at=now,
            published_at=now - timedelta(days=n),
        )
        for n, word in enumerate(("port", "school", "bridge", "museum", "park", "library", "station"))
    ]
    store.add_items(feed.id, backlog, WINDOW, first_poll=True)
    for query in ("binzhou", "binz*"):
        assert candidates_are_exact(parse_query(query)) is (query == "binzhou")
        counts = store.daily_counts(parse_query(query), first_day=date(2026, 3, 4), days=7, zone=SHANGHAI)
        assert counts.stories == (1,) * 7 and counts.releases == (1,) * 7, query
        spikes = store.daily_counts(
            parse_query(query), first_day=date(2026, 3, 4), days=7, zone=SHANGHAI, backlog=False
        )
        assert spikes.stories == (0,) * 7, query


def test_an_upgraded_database_counts_its_old_items_on_their_first_seen_day(
    backend: tuple[str, str | None],
) -> None:
    """Migration 18 on a version-13 database: old items keep counting where they did (first seen)."""
    url, schema = backend
    engine = make_engine(url, schema=schema)
    try:
        assert migrate(engine, [m for m in MIGRATIONS if m.version <= 13]) == 13
        sqlite = engine.dialect.name == "sqlite"
        seen, published = START + timedelta(days=2), START
        with engine.begin() as conn:
            insert_raw_feed(conn, START.replace(tzinfo=None) if sqlite else START)
            conn.execute(
                text(
                    "INSERT INTO items (id, feed_id, identity, title, body, summary, published_at,"
                    " first_seen_at, title_fingerprint, body_fingerprint)"
                    " VALUES (1, 1, 'i1', 'Binzhou', 'b', 's', :p, :s, 'tf', 'bf')"
                ),
                {
                    "p": published.replace(tzinfo=None) if sqlite else published,
                    "s": seen.replace(tzinfo=None) if sqlite else seen,
                },
            )
            if sqlite:
                conn.execute(text("INSERT INTO items_fts (rowid, tokens) VALUES (1, 'binzhou')"))
                conn.execute(text("INSERT INTO item_tokens (item_id, tokens) VALUES (1, 'binzhou')"))
            else:
                conn.execute(
                    text(
                        "INSERT INTO item_search (item_id, first_seen_at, tokens) VALUES (1, :s, 'binzhou')"
                    ),
                    {"s": seen},
                )
    finally:
        engine.dispose()
    store = Store.open(url, schema=schema)
    try:
        counts = store.daily_counts(parse_query("binzhou"), first_day=DAY0, days=3, zone=UTC)
        assert counts.stories == (0, 0, 1)
    finally:
        store.close()

"""Retention on both backends: old releases, their index entries and sent alerts go; identities stay."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import Engine, text

from feeds.models import ChatKind, FeedState, Item
from feeds.query import parse_query
from feeds.search import candidate_expr, index_tokens
from storage.store import MatchRecord, PruneResult, Store
from tests.fixtures_db import T0, WINDOW, new_item, settle_as_sent

Feeds = tuple[FeedState, FeedState]
OLD = T0 - timedelta(days=400)
CUTOFF = T0 - timedelta(days=365)
LATER = T0 + timedelta(days=1)


def _engine(store: Store) -> Engine:
    return store._engine  # the tests look under the facade to check the index tables themselves


def _indexed(store: Store, token: str) -> set[int]:
    """Item ids the full-text table holds for ``token``, read directly (not through the items join)."""
    with _engine(store).connect() as conn:
        if conn.dialect.name == "sqlite":
            sql = "SELECT rowid FROM items_fts WHERE items_fts MATCH :q"
            return set(conn.execute(text(sql), {"q": f'"{token}"'}).scalars())
        sql = "SELECT item_id FROM item_search WHERE tokens @@ CAST(:q AS tsquery)"
        return set(conn.execute(text(sql), {"q": f"'{token}'"}).scalars())


def _search(store: Store, query: str) -> list[int]:
    since = OLD - timedelta(days=1)
    found = store.recent_items(since=since, limit=50, candidates=candidate_expr(parse_query(query)))
    return [item.id for item in found]


def _sub(store: Store, chat_id: int) -> int:
    store.touch_chat(chat_id, ChatKind.PRIVATE)
    return store.add_subscription(chat_id, "ferry", OLD - timedelta(days=1)).id


def _alert(store: Store, item: Item, chat_id: int, sub: int) -> None:
    assert store.record_matches([item.id], [MatchRecord(item.id, sub, chat_id)], item.first_seen_at) == 1


def test_old_items_index_entries_and_sent_alerts_are_pruned(store: Store, two_feeds: Feeds) -> None:
    alpha, _ = two_feeds
    (old,) = store.add_items(alpha.id, [new_item("old", title="Zanzibar ferry opens", seen=OLD)], WINDOW)
    (new,) = store.add_items(alpha.id, [new_item("new", title="Zanzibar ferry expands", seen=T0)], WINDOW)
    sub = _sub(store, 10)
    _alert(store, old, 10, sub)
    settle_as_sent(store, LATER, OLD)
    assert _indexed(store, "zanzibar") == {old.id, new.id}

    result = store.prune(CUTOFF)

    assert result == PruneResult(items=1, search_entries=1, deliveries=1, identities=1, kept=0, batches=1)
    assert store.get_item(old.id) is None and store.get_item(new.id) is not None
    assert _indexed(store, "zanzibar") == {new.id}
    assert _search(store, "zanzibar") == [new.id]
    assert [i.id for i in store.recent_items(since=OLD - timedelta(days=1), limit=10)] == [new.id]
    assert store.prune(CUTOFF) == PruneResult()  # nothing left to do


def test_a_feed_relisting_a_pruned_release_stores_and_alerts_nothing(store: Store, two_feeds: Feeds) -> None:
    alpha, beta = two_feeds
    store.add_items(alpha.id, [new_item("g1", seen=OLD)], WINDOW)
    store.prune(CUTOFF)
    assert store.count_items() == 0

    again = store.add_items(alpha.id, [new_item("g1", seen=T0), new_item("g2", seen=T0)], WINDOW)

    assert [i.identity for i in again] == ["g2"]
    assert [i.identity for i in store.unmatched_items(10)] == ["g2"]  # nothing for the matcher to alert
    assert _indexed(store, "harbor") == {again[0].id}
    other = store.add_items(beta.id, [new_item("g1", seen=T0)], WINDOW)  # identities are per feed
    assert [i.identity for i in other] == ["g1"]


def test_a_story_is_kept_while_it_has_a_newer_item(store: Store, two_feeds: Feeds) -> None:
    """The story's first item is old, a copy on another wire is new: the whole story stays, later goes."""
    alpha, beta = two_feeds
    link = "https://example.com/release/7"
    (first,) = store.add_items(alpha.id, [new_item("a", link=link, seen=CUTOFF - timedelta(hours=1))], WINDOW)
    (copy,) = store.add_items(beta.id, [new_item("b", link=link, seen=CUTOFF + timedelta(hours=1))], WINDOW)
    assert copy.story_id == first.id
    sub = _sub(store, 10)
    _alert(store, first, 10, sub)
    settle_as_sent(store, LATER, T0)

    assert store.prune(CUTOFF) == PruneResult(kept=1, batches=1)
    assert store.get_item(first.id) is not None  # still the story's key for the copy and the sent alert
    assert [s.feed_name for s in store.story_sources(copy.story_id)] == ["alpha", "beta"]

    later = CUTOFF + timedelta(days=1)
    assert store.prune(later) == PruneResult(2, 2, 1, 2, 0, 1)
    assert store.count_items() == 0


def test_a_story_with_a_pending_alert_is_kept_until_it_is_sent(store: Store, two_feeds: Feeds) -> None:
    alpha, _ = two_feeds
    (old,) = store.add_items(alpha.id, [new_item("old", seen=OLD)], WINDOW)
    _alert(store, old, 10, _sub(store, 10))

    assert store.prune(CUTOFF).kept == 1
    assert store.count_pending() == 1
    (alert,) = store.pending_alerts(LATER, 10)
    store.give_up([alert.delivery_id], "chat gone")  # cancelled rows are pruned like sent ones
    assert store.prune(CUTOFF) == PruneResult(1, 1, 1, 1, 0, 1)


def test_dry_run_counts_what_a_real_run_removes_and_removes_nothing(store: Store, two_feeds: Feeds) -> None:
    alpha, beta = two_feeds
    for n in range(7):  # stories of two items each (same link), and one kept story
        link = f"https://example.com/r/{n}"
        seen = OLD + timedelta(minutes=n)
        title = f"Release number {n} of the ferry company"
        store.add_items(alpha.id, [new_item(f"a{n}", title=title, link=link, seen=seen)], WINDOW)
        later = seen + timedelta(minutes=1)
        store.add_items(beta.id, [new_item(f"b{n}", title=title, link=link, seen=later)], WINDOW)
    store.add_items(alpha.id, [new_item("k1", link="https://x/k", seen=CUTOFF - timedelta(hours=1))], WINDOW)
    store.add_items(beta.id, [new_item("k2", link="https://x/k", seen=CUTOFF + timedelta(hours=1))], WINDOW)

    dry = store.prune(CUTOFF, batch_size=3, dry_run=True)
    assert store.count_items() == 16
    real = store.prune(CUTOFF, batch_size=3)

    assert replace(dry, batches=0) == replace(real, batches=0)
    assert (real.items, real.identities, real.search_entries, real.kept) == (14, 14, 14, 1)
    assert real.batches == 4  # 3 candidates per batch, each taking its whole story along (2 items)
    assert store.count_items() == 2


def test_sqlite_index_stays_consistent(store: Store, two_feeds: Feeds) -> None:
    if _engine(store).dialect.name != "sqlite":
        pytest.skip("FTS5 integrity check is SQLite's")
    alpha, _ = two_feeds
    batch = [
        new_item(f"i{n}", title=f"Release {n} about ferries", seen=OLD + timedelta(n)) for n in range(40)
    ]
    store.add_items(alpha.id, batch, WINDOW)
    store.prune(OLD + timedelta(days=20), batch_size=7)
    with _engine(store).begin() as conn:
        conn.exec_driver_sql("INSERT INTO items_fts (items_fts) VALUES ('integrity-check')")
        assert conn.exec_driver_sql("SELECT count(*) FROM item_tokens").scalar() == 20
    assert len(_indexed(store, "ferries")) == 20


def test_upgrading_an_sqlite_database_keeps_its_index_searchable(store_url: str) -> None:
    """A v1 database (no kept tokens) is migrated: its items stay searchable and can be pruned."""
    from storage.db.engine import make_engine
    from storage.migrations import MIGRATIONS, migrate

    engine = make_engine(store_url)
    migrate(engine, MIGRATIONS[:1])
    t0, old = (t.strftime("%Y-%m-%d %H:%M:%S.%f") for t in (T0, OLD))  # SQLAlchemy's SQLite format
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO feeds (id, name, url, interval_seconds, enabled, consecutive_failures, next_poll_at,"
            " created_at, updated_at) VALUES (1, 'alpha', 'http://a', 60, 1, 0, :t, :t, :t)",
            {"t": t0},
        )
        for n, title in enumerate(["Old ferry news", "Old harbor news"], start=1):
            conn.exec_driver_sql(
                "INSERT INTO items (id, feed_id, identity, title, body, summary, published_at, first_seen_at,"
                " title_fingerprint, body_fingerprint) VALUES (?, 1, ?, ?, 'b', 'b', ?, ?, 't', 'b')",
                (n, f"i{n}", title, old, old),
            )
            conn.exec_driver_sql(
                "INSERT INTO items_fts (rowid, tokens) VALUES (?, ?)", (n, index_tokens(title, "b"))
            )
    engine.dispose()
    store = Store.open(store_url)
    try:
        assert _indexed(store, "ferry") == {1}
        assert store.prune(CUTOFF).search_entries == 2
        assert _indexed(store, "ferry") == set() and _indexed(store, "old") == set()
    finally:
        store.close()


def test_an_item_pruned_before_it_was_matched_leaves_the_match_queue(store: Store, two_feeds: Feeds) -> None:
    """No foreign key does it on PostgreSQL (migration 20): retention deletes the queue row itself."""
    alpha, _ = two_feeds
    (old,) = store.add_items(alpha.id, [new_item("old", seen=OLD)], WINDOW)
    (new,) = store.add_items(alpha.id, [new_item("new", seen=T0)], WINDOW)
    assert [i.id for i in store.unmatched_items(10)] == [old.id, new.id]

    assert store.prune(CUTOFF).items == 1

    with _engine(store).connect() as conn:
        queued = conn.execute(text("SELECT item_id FROM match_queue ORDER BY item_id")).scalars().all()
    assert queued == [new.id]

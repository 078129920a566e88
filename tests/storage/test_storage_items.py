"""Items and stories on both backends: idempotent inserts, story clustering, reads, timezones."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, timedelta, timezone

import pytest
from sqlalchemy import DateTime, event, select, text

from feeds.models import Dateline, FeedState, NewItem
from storage.db.tables import items
from storage.store import Store, StorySource
from tests.fixtures_db import T0, WINDOW, new_item

Feeds = tuple[FeedState, FeedState]
OTHER_TITLE = "Mountain railway adds night trains for winter season"
OTHER_BODY = "The regional railway operator announced new overnight services through the mountain pass."


def test_add_items_returns_only_new_and_never_again(store: Store, two_feeds: Feeds) -> None:
    alpha, _ = two_feeds
    first = store.add_items(
        alpha.id, [new_item("g1"), new_item("g2", title=OTHER_TITLE, body=OTHER_BODY)], WINDOW
    )
    assert [(i.identity, i.feed_name) for i in first] == [("g1", "alpha"), ("g2", "alpha")]
    again = store.add_items(
        alpha.id, [new_item("g2"), new_item("g3", title="Third", body="Third body text")], WINDOW
    )
    assert [i.identity for i in again] == ["g3"]
    # the feed dropped g1 for a while and now shows it again: still not new
    assert store.add_items(alpha.id, [new_item("g1", seen=T0 + timedelta(days=30))], WINDOW) == []
    assert store.count_items() == 3


def test_same_identity_in_another_feed_is_a_new_item(store: Store, two_feeds: Feeds) -> None:
    alpha, beta = two_feeds
    (a,) = store.add_items(alpha.id, [new_item("shared-guid")], WINDOW)
    (b,) = store.add_items(beta.id, [new_item("shared-guid")], WINDOW)
    assert a.id != b.id


def test_duplicates_within_one_batch_insert_once(store: Store, two_feeds: Feeds) -> None:
    alpha, _ = two_feeds
    added = store.add_items(alpha.id, [new_item("dup"), new_item("dup", title="Later version")], WINDOW)
    assert [(i.identity, i.title) for i in added] == [("dup", "Harbor city opens solar ferry terminal")]


def test_empty_batch(store: Store, two_feeds: Feeds) -> None:
    assert store.add_items(two_feeds[0].id, [], WINDOW) == []


def test_stored_item_round_trips(store: Store, two_feeds: Feeds) -> None:
    alpha, _ = two_feeds
    eight = timezone(timedelta(hours=8))
    item = new_item("rt", link="https://example.com/r/1", seen=T0.astimezone(eight))
    (added,) = store.add_items(alpha.id, [item], WINDOW)
    got = store.get_item(added.id)
    assert got == added
    assert got.first_seen_at == T0 and got.first_seen_at.utcoffset() == timedelta(0)
    assert (got.title, got.body, got.summary, got.link, got.dateline) == (
        item.title,
        item.body,
        item.summary,
        item.link,
        item.dateline,
    )
    assert got.story_id == got.id
    assert store.get_item(added.id + 1000) is None


STORY_CASES = [
    pytest.param(
        dict(link="https://example.com/release/1"),
        dict(link="https://example.com/release/1", title=OTHER_TITLE, body=OTHER_BODY),
        timedelta(hours=3),
        True,
        id="same-link-other-text",
    ),
    pytest.param(
        dict(link="https://a.example/1"),
        dict(link="https://b.example/9", body=new_item("x").body + " Shares rose."),
        timedelta(hours=3),
        True,
        id="same-title-near-identical-body",
    ),
    pytest.param(
        dict(link="https://a.example/1"),
        dict(link="https://b.example/9", body=OTHER_BODY),
        timedelta(hours=3),
        False,
        id="same-title-different-body",
    ),
    pytest.param(
        dict(link="https://a.example/1"),
        dict(link="https://a.example/1"),
        WINDOW + timedelta(minutes=1),
        False,
        id="same-link-outside-window",
    ),
    pytest.param(dict(), dict(), WINDOW + timedelta(hours=1), False, id="same-text-outside-window"),
    pytest.param(dict(link=None), dict(link=None), timedelta(0), True, id="no-links-same-text"),
    pytest.param(
        dict(title="!!!", body="x"),
        dict(title="???", body="x"),
        timedelta(0),
        False,
        id="empty-title-fingerprint",
    ),
]


@pytest.mark.parametrize(("first", "second", "later", "same"), STORY_CASES)
def test_story_clustering_across_feeds(
    store: Store,
    two_feeds: Feeds,
    first: dict[str, str],
    second: dict[str, str],
    later: timedelta,
    same: bool,
) -> None:
    alpha, beta = two_feeds
    (a,) = store.add_items(alpha.id, [new_item("a", **first)], WINDOW)  # type: ignore[arg-type]
    (b,) = store.add_items(beta.id, [new_item("b", seen=T0 + later, **second)], WINDOW)  # type: ignore[arg-type]
    assert (b.story_id == a.story_id) is same
    assert store.get_item(b.id).story_id == b.story_id  # type: ignore[union-attr]


def test_story_within_one_batch_and_sources(store: Store, two_feeds: Feeds) -> None:
    alpha, beta = two_feeds
    link = "https://example.com/release/7"
    a, b = store.add_items(alpha.id, [new_item("a1", link=link), new_item("a2", link=link + "?v=2")], WINDOW)
    assert b.story_id == a.id  # same title and body, no shared link
    (c,) = store.add_items(beta.id, [new_item("b1", link=link, seen=T0 + timedelta(minutes=2))], WINDOW)
    assert c.story_id == a.id
    assert store.get_item(b.id).story_id == a.id  # type: ignore[union-attr]
    assert store.story_sources(a.id) == [
        StorySource("alpha", link),
        StorySource("alpha", link + "?v=2"),
        StorySource("beta", link),
    ]
    assert store.story_sources(c.id) == []  # not a story id


def test_unmatched_items_oldest_first(store: Store, two_feeds: Feeds) -> None:
    alpha, _ = two_feeds
    items = [new_item(f"u{i}", title=f"Release number {i}", body=f"Body {i} " * 5) for i in range(4)]
    added = store.add_items(alpha.id, items, WINDOW)
    assert [i.id for i in store.unmatched_items(limit=3)] == [i.id for i in added[:3]]
    store.record_matches([added[0].id, added[2].id], [], T0)
    assert [i.id for i in store.unmatched_items(limit=10)] == [added[1].id, added[3].id]


def test_add_items_is_one_transaction(store: Store, two_feeds: Feeds) -> None:
    alpha, _ = two_feeds
    bad = NewItem(**{**_fields(new_item("bad")), "first_seen_at": T0.replace(tzinfo=None)})
    with pytest.raises(Exception, match="naive"):
        store.add_items(alpha.id, [new_item("good"), bad], WINDOW)
    assert store.count_items() == 0
    assert [i.identity for i in store.add_items(alpha.id, [new_item("good")], WINDOW)] == ["good"]


def _fields(item: NewItem) -> dict[str, object]:
    return {name: getattr(item, name) for name in NewItem.__slots__}


def test_every_character_round_trips(store: Store, two_feeds: Feeds) -> None:
    """The batch insert (PostgreSQL: arrays) keeps quotes, braces, commas, backslashes, NULL and CJK as
    they are, and a timestamp in another zone as the same instant."""
    alpha, _ = two_feeds
    awkward = "q\"{a,b}\\ 'NULL' 山东 滨州"
    shifted = T0.astimezone(timezone(timedelta(hours=8)))
    item = replace(
        new_item("NULL", title=awkward, body=f"{awkward} body", link=None, seen=shifted),
        summary="{}",
        dateline=Dateline(place=None, date=None, wire=awkward),
    )
    (added,) = store.add_items(alpha.id, [item], WINDOW)
    stored = store.get_item(added.id)
    assert stored is not None
    assert (stored.identity, stored.title, stored.body, stored.summary, stored.link) == (
        "NULL",
        awkward,
        f"{awkward} body",
        "{}",
        None,
    )
    assert stored.dateline == Dateline(place=None, date=None, wire=awkward)
    assert stored.first_seen_at == T0
    assert stored.first_seen_at.utcoffset() == timedelta(0)


def test_a_poll_with_nothing_new_costs_one_lookup(store: Store, two_feeds: Feeds) -> None:
    """A feed answering 200 with the items it served before: one probe of its identities, and none of the
    story locks, candidate lookups and conflicting inserts a new item costs."""
    alpha, _ = two_feeds
    batch = [new_item("r1"), new_item("r2", title=OTHER_TITLE, body=OTHER_BODY, link="https://x/r2")]
    assert len(store.add_items(alpha.id, batch, WINDOW)) == 2
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731 - (conn, cursor, statement, …)
    event.listen(store._engine, "before_cursor_execute", listener)
    try:
        assert store.add_items(alpha.id, batch, WINDOW) == []
        queries = [s for s in statements if s.lstrip().upper().startswith(("SELECT", "INSERT", "UPDATE"))]
        assert len(queries) == 1 and "identity" in queries[0], statements
        assert [i.identity for i in store.add_items(alpha.id, [*batch, new_item("r3")], WINDOW)] == ["r3"]
    finally:
        event.remove(store._engine, "before_cursor_execute", listener)
    assert store.count_items() == 3


@pytest.mark.parametrize("microsecond", [0, 7], ids=["whole-second", "microseconds"])
def test_times_are_stored_as_the_column_type_writes_them(
    store: Store, two_feeds: Feeds, microsecond: int
) -> None:
    """SQLite: the items INSERT writes its times itself (``_sqlite_time``); the text is the one SQLAlchemy's
    ``DateTime`` writes and reads, so the indexes and comparisons on them see the same values."""
    alpha, _ = two_feeds
    seen = T0.replace(microsecond=microsecond).astimezone(timezone(timedelta(hours=-5)))
    store.add_items(alpha.id, [new_item("t", seen=seen)], WINDOW)
    columns = "published_at, first_seen_at, counted_at"
    with store._engine.connect() as conn:
        raw = conn.execute(text(f"SELECT {columns} FROM items")).one()
        typed = conn.execute(select(items.c.published_at, items.c.first_seen_at, items.c.counted_at)).one()
    if store.dialect == "sqlite":
        write = conn.dialect.type_descriptor(DateTime()).bind_processor(conn.dialect)  # SQLite's DATETIME
        assert write is not None
        assert list(raw) == [write(value.astimezone(UTC).replace(tzinfo=None)) for value in typed]
    assert typed.first_seen_at == seen
    assert typed.published_at == seen - timedelta(minutes=5)


def test_an_item_deleted_by_hand_does_not_block_the_match_queue(store: Store, two_feeds: Feeds) -> None:
    """On PostgreSQL no foreign key removes the queue row of an item deleted outside retention (migration
    20); the claim skips such rows, so the items behind them are still matched."""
    alpha, _ = two_feeds
    added = store.add_items(alpha.id, [new_item(f"h{i}", title=f"Hand {i}") for i in range(4)], WINDOW)
    with store._engine.begin() as conn:  # an operator's DELETE, outside the store
        conn.execute(text("DELETE FROM items WHERE id IN (:a, :b)"), {"a": added[0].id, "b": added[1].id})
    claimed: list[int] = []
    store.match_batch(2, lambda batch: claimed.extend(i.id for i in batch) or [], T0)
    assert claimed == [added[2].id, added[3].id]

"""The outbox on both backends: record_matches rules, pending alerts, sent/retry, deactivation, migration."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import event

from feeds.models import ChatKind, FeedState, Item
from storage.outbox import enqueue
from storage.store import Claim, MatchRecord, Store
from tests.fixtures_db import T0, WINDOW, new_item

Feeds = tuple[FeedState, FeedState]
BEFORE = T0 - timedelta(hours=1)


@pytest.fixture
def story(store: Store, two_feeds: Feeds) -> tuple[Item, Item]:
    """One story carried by both feeds (same link), first seen at T0 and T0+1m."""
    alpha, beta = two_feeds
    link = "https://example.com/release/42"
    (a,) = store.add_items(alpha.id, [new_item("a", link=link)], WINDOW)
    (b,) = store.add_items(beta.id, [new_item("b", link=link, seen=T0 + timedelta(minutes=1))], WINDOW)
    assert a.story_id == b.story_id
    return a, b


def _chat_with_sub(store: Store, chat_id: int, query: str = "solar", created=BEFORE) -> int:  # type: ignore[no-untyped-def]
    store.touch_chat(chat_id, ChatKind.PRIVATE)
    return store.add_subscription(chat_id, query, created).id


def test_one_delivery_per_story_and_chat(store: Store, story: tuple[Item, Item]) -> None:
    a, b = story
    s1 = _chat_with_sub(store, 10)
    s2 = store.add_subscription(10, "ferry", BEFORE).id
    s3 = _chat_with_sub(store, 20)
    matches = [
        MatchRecord(a.id, s2, 10),
        MatchRecord(a.id, s1, 10),
        MatchRecord(b.id, s1, 10),
        MatchRecord(b.id, s3, 20),
    ]
    assert store.record_matches([a.id, b.id], matches, T0) == 2
    assert store.record_matches([b.id], [MatchRecord(b.id, s2, 10)], T0) == 0  # later call, same story
    alerts = store.pending_alerts(T0, 10)
    assert [(p.chat_id, p.item.id, p.subscription_id, p.query) for p in alerts] == [
        (10, a.id, s1, "solar"),
        (20, b.id, s3, "solar"),
    ]
    assert all(p.story_id == a.story_id and p.chat_kind is ChatKind.PRIVATE for p in alerts)
    assert store.unmatched_items(10) == []


ELIGIBILITY = [
    pytest.param("ok", 1, id="eligible"),
    pytest.param("sub-after-item", 0, id="subscription-created-after-first-seen"),
    pytest.param("sub-same-instant", 0, id="subscription-created-at-first-seen"),
    pytest.param("paused", 0, id="paused-chat"),
    pytest.param("inactive", 0, id="inactive-chat"),
    pytest.param("removed", 0, id="subscription-removed"),
    pytest.param("wrong-chat", 0, id="match-names-another-chat"),
    pytest.param("unknown-item", 0, id="unknown-item"),
]


@pytest.mark.parametrize(("case", "created"), ELIGIBILITY)
def test_record_matches_eligibility(store: Store, story: tuple[Item, Item], case: str, created: int) -> None:
    a, _ = story
    when = {"sub-after-item": T0 + timedelta(seconds=1), "sub-same-instant": T0}.get(case, BEFORE)
    sub = _chat_with_sub(store, 10, created=when)
    _chat_with_sub(store, 11)
    if case == "paused":
        store.set_paused(10, True)
    if case == "inactive":
        store.deactivate_chat(10)
    if case == "removed":
        store.remove_subscription(10, sub)
    match = MatchRecord(
        a.id + (1000 if case == "unknown-item" else 0), sub, 11 if case == "wrong-chat" else 10
    )
    assert store.record_matches([a.id], [match], T0) == created
    assert store.count_pending(10) == created
    assert store.unmatched_items(10)[0].id != a.id


def test_pending_respects_not_before_and_retry_keeps_row(store: Store, story: tuple[Item, Item]) -> None:
    a, _ = story
    sub = _chat_with_sub(store, 10)
    store.record_matches([a.id], [MatchRecord(a.id, sub, 10)], T0)
    (alert,) = store.pending_alerts(T0, 10)
    store.mark_retry([alert.delivery_id], not_before=T0 + timedelta(seconds=30), error="429 retry_after=30")
    assert store.pending_alerts(T0 + timedelta(seconds=29), 10) == []
    (retried,) = store.pending_alerts(T0 + timedelta(seconds=30), 10)
    assert (retried.delivery_id, retried.attempts) == (alert.delivery_id, 1)
    claim = Claim("test", T0 + timedelta(minutes=5), max_chats=10, per_chat=10)
    assert [a.delivery_id for a in store.claim_alerts(claim, T0 + timedelta(seconds=30))] == [
        alert.delivery_id
    ]
    assert store.mark_sent([alert.delivery_id], T0 + timedelta(minutes=1), "test") == 1
    assert store.pending_alerts(T0 + timedelta(days=1), 10) == []
    assert store.count_pending() == 0
    store.mark_retry([alert.delivery_id], not_before=T0, error="late")  # sent rows stay sent
    assert store.count_pending() == 0


def test_pending_oldest_first_limit_and_paused_held(store: Store, two_feeds: Feeds) -> None:
    alpha, _ = two_feeds
    items = store.add_items(
        alpha.id,
        [new_item(f"i{n}", title=f"Release {n}", body=f"Distinct body {n} " * 4) for n in range(3)],
        WINDOW,
    )
    sub = _chat_with_sub(store, 10)
    store.record_matches([i.id for i in items], [MatchRecord(i.id, sub, 10) for i in reversed(items)], T0)
    assert [p.item.id for p in store.pending_alerts(T0, 2)] == [items[0].id, items[1].id]
    store.set_paused(10, True)
    assert store.pending_alerts(T0, 10) == []
    assert store.count_pending(10) == 3
    store.set_paused(10, False)
    assert len(store.pending_alerts(T0, 10)) == 3


def test_deactivate_cancels_and_touch_reactivates(store: Store, story: tuple[Item, Item]) -> None:
    a, _ = story
    sub = _chat_with_sub(store, 10)
    store.record_matches([a.id], [MatchRecord(a.id, sub, 10)], T0)
    assert store.deactivate_chat(10) == 1
    assert store.get_chat(10).active is False  # type: ignore[union-attr]
    assert store.count_pending() == 0
    chat = store.touch_chat(10, ChatKind.GROUP)
    assert (chat.active, chat.kind) == (True, ChatKind.GROUP)
    assert store.count_pending() == 0  # cancelled stays cancelled
    assert store.record_matches([a.id], [MatchRecord(a.id, sub, 10)], T0) == 0  # and the story stays "had"


def test_migrate_chat_moves_and_merges(store: Store, two_feeds: Feeds) -> None:
    alpha, _ = two_feeds
    items = store.add_items(
        alpha.id,
        [new_item(f"m{n}", title=f"Merger {n}", body=f"Merger body {n} " * 4) for n in range(3)],
        WINDOW,
    )
    old_solar = _chat_with_sub(store, -100, "solar")
    old_wind = store.add_subscription(-100, "wind", BEFORE).id
    new_solar = _chat_with_sub(store, -200, "solar")
    store.record_matches(
        [], [MatchRecord(items[0].id, old_solar, -100), MatchRecord(items[1].id, old_wind, -100)], T0
    )
    store.record_matches([], [MatchRecord(items[0].id, new_solar, -200)], T0)
    store.migrate_chat(-100, -200, ChatKind.SUPERGROUP)
    assert store.get_chat(-100).active is False  # type: ignore[union-attr]
    assert store.get_chat(-200).kind is ChatKind.SUPERGROUP  # type: ignore[union-attr]
    moved = store.list_subscriptions(-200)
    assert [(s.id, s.query, s.chat_id) for s in moved] == [
        (old_wind, "wind", -200),
        (new_solar, "solar", -200),
    ]
    assert store.list_subscriptions(-100) == []
    assert [(p.chat_id, p.item.id) for p in store.pending_alerts(T0, 10)] == [
        (-200, items[1].id),
        (-200, items[0].id),
    ]
    assert store.count_pending(-100) == 0
    # the moved story cannot alert the new chat twice
    assert store.record_matches([], [MatchRecord(items[1].id, new_solar, -200)], T0) == 0
    assert store.record_matches([], [MatchRecord(items[2].id, old_wind, -200)], T0) == 1


def test_migrate_to_fresh_chat_keeps_pause(store: Store, story: tuple[Item, Item]) -> None:
    a, _ = story
    sub = _chat_with_sub(store, -1)
    store.record_matches([a.id], [MatchRecord(a.id, sub, -1)], T0)
    store.set_paused(-1, True)
    store.migrate_chat(-1, -2, ChatKind.SUPERGROUP)
    new = store.get_chat(-2)
    assert new is not None and (new.active, new.paused) == (True, True)
    assert store.count_pending(-2) == 1


@pytest.mark.parametrize(
    ("summary", "body_chars", "expected_body_chars"),
    [
        pytest.param("A short summary.", 20_000, 4096, id="summary-body-cut-for-the-matched-sentence"),
        pytest.param("", 20_000, 4096, id="no-summary-body-cut-to-a-message"),
        pytest.param("", 300, 300, id="no-summary-short-body-whole"),
    ],
)
def test_claimed_alerts_carry_only_what_renders(
    store: Store, two_feeds: Feeds, summary: str, body_chars: int, expected_body_chars: int
) -> None:
    """A claimed alert keeps memory to about a message: never more of the body than Telegram's message
    limit (its first sentences stand in for a missing summary; the matched sentence is looked up in it)."""
    body = ("Solar ferry terminal opens in the harbor. " * 1000)[:body_chars]
    item = replace(new_item("long", body=body), summary=summary)
    (stored,) = store.add_items(two_feeds[0].id, [item], WINDOW)
    sub = _chat_with_sub(store, 10)
    store.record_matches([stored.id], [MatchRecord(stored.id, sub, 10)], T0)
    [alert] = store.claim_alerts(Claim("a", T0 + timedelta(minutes=1), 10, 10), T0)
    assert (alert.item.summary, alert.item.body) == (summary, body[:expected_body_chars])
    assert (alert.item.title, alert.item.feed_name, alert.item.story_id) == (
        item.title,
        "alpha",
        stored.story_id,
    )


def test_outbox_rows_go_in_inserts_of_bounded_size(store: Store, two_feeds: Feeds) -> None:
    """A big match writes many small INSERTs, not one per row count up to thousands: the database driver
    keeps each distinct statement prepared (SQLite: 128 per connection), and a cache of huge multi-row
    INSERTs grew the process by ~30 MB per 150,000 outbox rows. PostgreSQL: one statement of arrays, whose
    text is the same for any number of rows."""
    items = store.add_items(
        two_feeds[0].id, [new_item(f"n{k}", title=f"Solar {k}") for k in range(3)], WINDOW
    )
    subs = [_chat_with_sub(store, chat_id) for chat_id in range(1, 101)]
    matches = [MatchRecord(i.id, sub, chat_id) for i in items for chat_id, sub in enumerate(subs, start=1)]
    inserts: list[tuple[str, int]] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("INSERT INTO DELIVERIES"):
            inserts.append((statement, len(parameters)))

    event.listen(store._engine, "before_cursor_execute", record)
    try:
        assert store.record_matches([i.id for i in items], matches[:7], T0) == 7
        assert store.record_matches([i.id for i in items], matches, T0) == 293
    finally:
        event.remove(store._engine, "before_cursor_execute", record)
    columns = 10  # chat, story, item, subscription, status, attempts, created, kind, not_before, digest_slot
    if store.dialect == "postgresql":
        assert len(inserts) == 2 and len({statement for statement, _ in inserts}) == 1, inserts
        return
    sizes = [size for _, size in inserts]
    assert len(sizes) >= 4 and max(sizes) <= enqueue.ROWS_PER_INSERT * columns, sizes

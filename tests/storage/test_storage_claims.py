"""Outbox claims on both backends: a chat is claimed whole by one owner, settled only by it, and its rows
return to pending when the owner's lease expires (or it releases them)."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.dialects import sqlite

from feeds.models import ChatKind, DeliveryStatus, FeedState
from storage.outbox import claims
from storage.store import Claim, MatchRecord, Store
from tests.fixtures_db import T0, WINDOW, new_item

LEASE = timedelta(seconds=30)


def _claim(owner: str, *, at=T0, chats: int = 100, per_chat: int = 100) -> Claim:  # type: ignore[no-untyped-def]
    return Claim(owner, at + LEASE, max_chats=chats, per_chat=per_chat)


def _seed(
    store: Store, feed: FeedState, chats: range, per_chat: int, prefix: str = "i"
) -> dict[int, list[int]]:
    """``per_chat`` alerts for each chat; returns delivery ids by chat (all pending ones), in order."""
    n = len(chats) * per_chat
    items = store.add_items(
        feed.id,
        [
            new_item(f"{prefix}{k}", title=f"Release {prefix} {k}", body=f"Distinct body {prefix} {k} " * 4)
            for k in range(n)
        ],
        WINDOW,
    )
    for chat_id in chats:
        store.touch_chat(chat_id, ChatKind.PRIVATE)
        sub = store.add_subscription(chat_id, "solar", T0 - timedelta(hours=1)).id
        own = items[(chat_id - chats[0]) * per_chat : (chat_id - chats[0] + 1) * per_chat]
        store.record_matches([i.id for i in own], [MatchRecord(i.id, sub, chat_id) for i in own], T0)
    pending = store.pending_alerts(T0, 100_000)
    by_chat: dict[int, list[int]] = {}
    for alert in pending:
        by_chat.setdefault(alert.chat_id, []).append(alert.delivery_id)
    return by_chat


@pytest.fixture
def feed(store: Store, two_feeds: tuple[FeedState, FeedState]) -> FeedState:
    return two_feeds[0]


def test_a_chat_being_sent_is_not_claimed_again(store: Store, feed: FeedState) -> None:
    ids = _seed(store, feed, range(1, 3), 3)
    first = store.claim_alerts(_claim("a"), T0)
    assert sorted(a.delivery_id for a in first) == sorted(ids[1] + ids[2])
    assert store.claim_alerts(_claim("a"), T0) == []  # the same owner: nothing new
    assert store.claim_alerts(_claim("b"), T0) == []  # another owner: nothing either
    assert store.count_pending() == 6  # claimed rows still count as waiting


def test_the_stale_read_race_cannot_resend(store: Store, feed: FeedState) -> None:
    """The unlucky order of the old sender: a pass reads the chat's rows, the chat's task marks them sent,
    then the pass dispatches. With claims the second pass can only ever see rows that are still pending."""
    ids = _seed(store, feed, range(1, 2), 2)
    claimed = store.claim_alerts(_claim("a"), T0)
    assert store.mark_sent([a.delivery_id for a in claimed], T0, "a") == 2
    assert store.claim_alerts(_claim("a"), T0) == []
    assert store.mark_sent(ids[1], T0, "a") == 0  # settling twice changes nothing
    assert store.count_pending() == 0


def test_only_the_owner_settles(store: Store, feed: FeedState) -> None:
    ids = _seed(store, feed, range(1, 2), 2)[1]
    store.claim_alerts(_claim("a"), T0)
    assert store.mark_sent(ids, T0, "b") == 0
    assert store.mark_retry(ids, not_before=T0, error="x", owner="b") == 0
    assert store.mark_sent(ids[:1], T0, "a") == 1
    assert store.mark_retry(ids[1:], not_before=T0 + timedelta(seconds=5), error="5xx", owner="a") == 1
    assert store.claim_alerts(_claim("b"), T0) == []  # not due yet
    [again] = store.claim_alerts(_claim("b"), T0 + timedelta(seconds=5))
    assert (again.delivery_id, again.attempts) == (ids[1], 1)


def test_expired_lease_returns_rows_to_another_owner(store: Store, feed: FeedState) -> None:
    ids = _seed(store, feed, range(1, 2), 3)[1]
    store.claim_alerts(_claim("dead"), T0)
    assert store.claim_alerts(_claim("b"), T0 + LEASE - timedelta(seconds=1)) == []
    later = T0 + LEASE + timedelta(seconds=1)
    assert [a.delivery_id for a in store.claim_alerts(_claim("b", at=later), later)] == ids
    assert store.mark_sent(ids, later, "dead") == 0  # the dead owner's late answer settles nothing
    assert store.mark_sent(ids, later, "b") == 3


def test_renewed_lease_is_kept(store: Store, feed: FeedState) -> None:
    _seed(store, feed, range(1, 2), 2)
    store.claim_alerts(_claim("a"), T0)
    assert store.renew_leases("a", T0 + 3 * LEASE) == 2
    assert store.claim_alerts(_claim("b"), T0 + 2 * LEASE) == []


def test_release_returns_rows_untried(store: Store, feed: FeedState) -> None:
    ids = _seed(store, feed, range(1, 2), 3)[1]
    store.claim_alerts(_claim("a"), T0)
    assert store.release_claims("a", ids[1:]) == 2
    assert store.claim_alerts(_claim("b"), T0) == []  # ids[0] is still being sent: the chat stays with "a"
    assert store.release_claims("a") == 1
    claimed = store.claim_alerts(_claim("b"), T0)
    assert [(a.delivery_id, a.attempts) for a in claimed] == [(i, 0) for i in ids]


def test_claim_limits_chats_and_rows_oldest_first(store: Store, feed: FeedState) -> None:
    ids = _seed(store, feed, range(1, 4), 3)
    claimed = store.claim_alerts(_claim("a", chats=2, per_chat=2), T0)
    assert [a.delivery_id for a in claimed] == ids[1][:2] + ids[2][:2]
    assert {a.chat_id for a in store.claim_alerts(_claim("b", chats=5), T0)} == {3}


def test_claim_looks_past_the_rows_of_one_big_chat(store: Store, feed: FeedState) -> None:
    """Chat 1's 150 rows fill the first page of due rows: the claim reads on and still takes the chat
    waiting next (2, not 3), and a chat being sent is skipped however many rows it has waiting."""
    big = _seed(store, feed, range(1, 2), 150)[1]
    _seed(store, feed, range(2, 5), 1, prefix="j")
    claimed = store.claim_alerts(_claim("a", chats=2, per_chat=10), T0)
    assert [a.chat_id for a in claimed] == [1] * 10 + [2]
    assert [a.delivery_id for a in claimed[:10]] == big[:10]
    assert {a.chat_id for a in store.claim_alerts(_claim("b", chats=1), T0)} == {3}
    assert {a.chat_id for a in store.claim_alerts(_claim("c", chats=5), T0)} == {4}


def test_a_chat_waits_behind_its_own_retried_row(store: Store, feed: FeedState) -> None:
    """Per-chat order: while the chat's first alert waits for its retry, the later ones wait too, also
    rows that were not in the claim that deferred it."""
    first, *rest = _seed(store, feed, range(1, 2), 3)[1]
    store.claim_alerts(_claim("a"), T0)
    store.mark_retry([first], not_before=T0 + timedelta(seconds=60), error="timed out", owner="a")
    store.release_claims("a")
    assert store.claim_alerts(_claim("b"), T0 + timedelta(seconds=59)) == []
    later = T0 + timedelta(seconds=61)
    assert [a.delivery_id for a in store.claim_alerts(_claim("b", at=later), later)] == [first, *rest]


def test_sqlite_finds_candidates_through_the_pending_index(tmp_path: Path) -> None:
    """The candidate scan must not read every delivery ever made: on SQLite (no ANALYZE statistics, as in
    production) it walks the partial index of pending rows in id order."""
    url = f"sqlite:///{tmp_path / 'plan.db'}"
    Store.open(url).close()
    compiled = claims._candidate_page(_claim("a"), T0, after=0, page=64).compile(dialect=sqlite.dialect())
    params = tuple(compiled.params[name] for name in compiled.positiontup or ())
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", params)
            plan = " / ".join(row[-1] for row in rows)
    finally:
        engine.dispose()
    assert "deliveries USING INDEX ix_deliveries_pending" in plan, plan
    assert "TEMP B-TREE" not in plan, plan  # no sort: the index gives the order


def test_deactivating_a_chat_cancels_rows_being_sent(store: Store, feed: FeedState) -> None:
    ids = _seed(store, feed, range(1, 2), 2)[1]
    store.claim_alerts(_claim("a"), T0)
    assert store.deactivate_chat(1) == 2
    assert store.mark_sent(ids, T0, "a") == 0
    assert store.count_pending() == 0
    assert DeliveryStatus.SENDING.value == "sending"


def test_concurrent_claimers_split_chats_without_overlap(store: Store, feed: FeedState) -> None:
    """Four threads claim 40 chats at once: every row is claimed exactly once, each chat by one owner."""
    _seed(store, feed, range(1, 41), 2)
    results: dict[str, list[tuple[int, int]]] = {}
    barrier = threading.Barrier(4)

    def claimer(owner: str) -> None:
        barrier.wait()
        got: list[tuple[int, int]] = []
        while batch := store.claim_alerts(_claim(owner, chats=5), T0):
            got += [(a.chat_id, a.delivery_id) for a in batch]
        results[owner] = got

    threads = [threading.Thread(target=claimer, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    rows = [row for got in results.values() for row in got]
    assert len(rows) == len({d for _, d in rows}) == 80
    owners_of_chat = {
        chat: {o for o, got in results.items() if any(c == chat for c, _ in got)} for chat, _ in rows
    }
    assert all(len(owners) == 1 for owners in owners_of_chat.values())


def test_later_alerts_wait_behind_a_retry(store: Store, feed: FeedState) -> None:
    """A row tried and deferred holds the chat's later rows back until its retry is due: order holds."""
    ids = _seed(store, feed, range(1, 2), 3)[1]
    store.claim_alerts(_claim("a"), T0)
    store.mark_sent(ids[:1], T0, "a")
    store.mark_retry(ids[1:2], not_before=T0 + timedelta(seconds=10), error="timed out", owner="a")
    store.release_claims("a")  # ids[2] untried, due now
    assert store.claim_alerts(_claim("b"), T0 + timedelta(seconds=5)) == []
    later = T0 + timedelta(seconds=10)
    assert [a.delivery_id for a in store.claim_alerts(_claim("b", at=later), later)] == ids[1:]


def test_a_chat_changes_sender_only_after_its_pacing_window(store: Store, feed: FeedState) -> None:
    """Another process's per-chat pacing is not ours: a chat just written to by one sender waits a few
    seconds before another sender takes it (the same sender may go on at once)."""
    ids = _seed(store, feed, range(1, 2), 3)[1]
    store.claim_alerts(_claim("a", per_chat=1), T0)
    assert store.mark_sent(ids[:1], T0, "a") == 1
    assert store.claim_alerts(_claim("b"), T0 + timedelta(seconds=1)) == []
    assert [
        a.delivery_id for a in store.claim_alerts(_claim("a", per_chat=1), T0 + timedelta(seconds=1))
    ] == [ids[1]]
    store.release_claims("a")
    later = T0 + timedelta(seconds=4)
    assert [a.delivery_id for a in store.claim_alerts(_claim("b", at=later), later)] == ids[1:]


def test_a_restarted_single_process_takes_back_what_it_held(store: Store, feed: FeedState) -> None:
    _seed(store, feed, range(1, 2), 2)
    store.claim_alerts(_claim("dead"), T0)
    later, lease_end = T0 + timedelta(hours=2), T0 + timedelta(hours=3)
    polled = {f.id for f in store.claim_due_feeds(later, lease_end, 10, "dead")}
    assert store.claim_due_feeds(later, lease_end, 10) == []
    assert store.release_dead_claims(later) == (len(polled), 2)
    assert len(store.claim_alerts(_claim("new"), T0)) == 2
    assert {f.id for f in store.claim_due_feeds(later, lease_end, 10)} == polled


def test_an_item_held_elsewhere_waits_for_a_later_match_batch(store: Store, feed: FeedState) -> None:
    """PostgreSQL: the match claim skips an item another transaction holds (it stays queued) instead of
    waiting for it; SQLite has one writer and nothing to skip."""
    first, second = store.add_items(feed.id, [new_item("h1"), new_item("h2", title="Other release")], WINDOW)
    claimed: list[list[int]] = []

    def match(batch: list) -> list:  # type: ignore[type-arg]
        claimed.append([item.id for item in batch])
        return [([item.id for item in batch], [])]

    if store._engine.dialect.name == "postgresql":  # a second transaction holds the first item
        result: list[tuple[int, int]] = []
        with store._engine.connect() as other, other.begin():
            other.exec_driver_sql(f"SELECT id FROM items WHERE id = {first.id} FOR UPDATE")
            claim = threading.Thread(target=lambda: result.append(store.match_batch(10, match, T0)))
            claim.start()
            claim.join(timeout=10)  # a claim waiting for the held row would still be running
            waited = claim.is_alive()
        claim.join()
        assert not waited
        assert result == [(1, 0)]
        assert claimed == [[second.id]]
    left = 1 if claimed else 2
    assert store.match_batch(10, match, T0)[0] == left
    assert store.unmatched_items(10) == []

"""Feeds on both backends: config sync, due feeds, fetch success and failure bookkeeping."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from feeds.models import FeedSpec, FeedState
from feeds.values import FetchSuccess
from storage.store import Store
from tests.fixtures_db import T0, WINDOW, new_item

LEASE = timedelta(minutes=2)  # how long a claim holds a feed


def test_sync_creates_feeds_due_now(store: Store) -> None:
    feeds = store.sync_feeds([FeedSpec("beta", "http://b", 600), FeedSpec("alpha", "http://a", 300)], T0)
    assert [(f.name, f.url, f.interval_seconds, f.next_poll_at) for f in feeds] == [
        ("alpha", "http://a", 300, T0),
        ("beta", "http://b", 600, T0),
    ]
    assert store.list_feeds() == feeds


def test_sync_updates_disables_and_reenables(store: Store, two_feeds: tuple[FeedState, FeedState]) -> None:
    alpha, beta = two_feeds
    store.record_fetch_success(
        alpha.id, at=T0, next_poll_at=T0 + timedelta(hours=1), etag='"e1"', last_modified=None
    )
    later = T0 + timedelta(minutes=1)
    feeds = store.sync_feeds([FeedSpec("alpha", "http://127.0.0.1/alpha.xml", 120)], later)
    assert [(f.name, f.interval_seconds, f.etag) for f in feeds] == [("alpha", 120, '"e1"')]
    tomorrow = T0 + timedelta(days=1)
    assert store.claim_due_feeds(tomorrow, tomorrow + LEASE, 10) == feeds
    again = store.sync_feeds(
        [FeedSpec("alpha", "http://127.0.0.1/alpha.xml", 120), FeedSpec("beta", beta.url, 600)], later
    )
    assert [f.id for f in again] == [alpha.id, beta.id]


def test_url_change_forgets_validators_and_polls_now(
    store: Store, two_feeds: tuple[FeedState, FeedState]
) -> None:
    alpha, _ = two_feeds
    store.record_fetch_success(
        alpha.id, at=T0, next_poll_at=T0 + timedelta(hours=1), etag='"e1"', last_modified="Tue, 27 Jan 2026"
    )
    later = T0 + timedelta(minutes=3)
    feeds = store.sync_feeds([FeedSpec("alpha", "http://127.0.0.1/moved.xml", 300)], later)
    assert (feeds[0].url, feeds[0].etag, feeds[0].last_modified, feeds[0].next_poll_at) == (
        "http://127.0.0.1/moved.xml",
        None,
        None,
        later,
    )


def test_duplicate_names_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="unique"):
        store.sync_feeds([FeedSpec("a", "http://a", 60), FeedSpec("a", "http://b", 60)], T0)


def test_claims_take_due_feeds_most_overdue_first(
    store: Store, two_feeds: tuple[FeedState, FeedState]
) -> None:
    """Due means enabled, unpaused and ``next_poll_at <= now``; the most overdue first, at most ``limit``."""
    alpha, beta = two_feeds

    def polled() -> None:
        for feed, minutes in ((alpha, 10), (beta, 5)):
            next_poll = T0 + timedelta(minutes=minutes)
            store.record_fetch_success(feed.id, at=T0, next_poll_at=next_poll, etag=None, last_modified=None)

    def claim(now: datetime, limit: int = 10) -> list[str]:
        return [f.name for f in store.claim_due_feeds(now, now + LEASE, limit)]

    polled()
    assert claim(T0 + timedelta(minutes=1)) == []
    assert claim(T0 + timedelta(minutes=5)) == ["beta"]
    polled()
    assert claim(T0 + timedelta(hours=1)) == ["beta", "alpha"]
    polled()
    assert claim(T0 + timedelta(hours=1), limit=1) == ["beta"]
    assert claim(T0 + timedelta(hours=1)) == ["alpha"], "beta is held by its lease"


def test_failures_count_up_and_success_resets(store: Store, two_feeds: tuple[FeedState, FeedState]) -> None:
    alpha, _ = two_feeds
    counts = [
        store.record_fetch_failure(
            alpha.id, at=T0 + timedelta(minutes=i), error=f"HTTP 50{i}", next_poll_at=T0
        )
        for i in range(3)
    ]
    assert counts == [1, 2, 3]
    failed = store.list_feeds()[0]
    assert (failed.consecutive_failures, failed.last_error, failed.last_error_at) == (
        3,
        "HTTP 502",
        T0 + timedelta(minutes=2),
    )
    store.record_fetch_success(
        alpha.id,
        at=T0 + timedelta(hours=1),
        next_poll_at=T0 + timedelta(hours=2),
        etag='W/"x"',
        last_modified="Tue, 27 Jan 2026 10:00:00 GMT",
        new_url="https://127.0.0.1/alpha-new.xml",
    )
    ok = store.list_feeds()[0]
    assert ok == FeedState(
        id=alpha.id,
        name="alpha",
        url="https://127.0.0.1/alpha-new.xml",
        interval_seconds=300,
        etag='W/"x"',
        last_modified="Tue, 27 Jan 2026 10:00:00 GMT",
        last_success_at=T0 + timedelta(hours=1),
        last_error_at=T0 + timedelta(minutes=2),
        last_error="HTTP 502",
        consecutive_failures=0,
        next_poll_at=T0 + timedelta(hours=2),
    )


@pytest.mark.parametrize("method", ["success", "failure"])
def test_unknown_feed_is_an_error(store: Store, method: str) -> None:
    with pytest.raises(LookupError):
        if method == "success":
            store.record_fetch_success(999, at=T0, next_poll_at=T0, etag=None, last_modified=None)
        else:
            store.record_fetch_failure(999, at=T0, error="x", next_poll_at=T0)


def test_datetimes_are_aware_utc_and_naive_refused(
    store: Store, two_feeds: tuple[FeedState, FeedState]
) -> None:
    feed = store.list_feeds()[0]
    assert feed.next_poll_at is not None and feed.next_poll_at.utcoffset() == timedelta(0)
    with pytest.raises(Exception, match="naive"):
        naive = T0.replace(tzinfo=None)
        store.claim_due_feeds(naive, naive + LEASE, 10)


def test_a_poll_and_its_items_are_stored_together(
    store: Store, two_feeds: tuple[FeedState, FeedState]
) -> None:
    """``add_items(success=…)``: the items and the poll's bookkeeping in one transaction, both or neither."""
    alpha, beta = two_feeds
    polled = FetchSuccess(T0, T0 + timedelta(minutes=5), '"v2"', "Tue, 27 Jan 2026 09:00:00 GMT")
    added = store.add_items(alpha.id, [new_item("a-1"), new_item("a-2")], WINDOW, success=polled)
    feed = next(f for f in store.list_feeds() if f.id == alpha.id)
    assert [i.identity for i in added] == ["a-1", "a-2"]
    assert (feed.etag, feed.last_modified, feed.next_poll_at, feed.last_success_at) == (
        '"v2"',
        "Tue, 27 Jan 2026 09:00:00 GMT",
        T0 + timedelta(minutes=5),
        T0,
    )
    broken = replace(new_item("b-2"), title=None)  # NOT NULL: the insert fails
    with pytest.raises(Exception):  # noqa: B017 - whichever error the driver raises
        store.add_items(beta.id, [new_item("b-1"), broken], WINDOW, success=polled)
    feed = next(f for f in store.list_feeds() if f.id == beta.id)
    assert (feed.etag, feed.last_success_at, feed.next_poll_at) == (None, None, T0)
    assert store.count_items() == 2

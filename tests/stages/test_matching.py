"""The match stage: new items against the index, deliveries into the outbox, once per story per chat."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.pipeline.match import MatchService
from feeds.models import ChatKind, Dateline, FeedSpec, NewItem, Subscription
from feeds.search import index_tokens
from storage.store import MatchRecord, Store

WINDOW = timedelta(days=3)


def release(
    identity: str, title: str, body: str, *, link: str | None = None, place: str | None = None
) -> NewItem:
    now = datetime.now(UTC)
    return NewItem(
        identity=identity,
        link=link or f"https://wire.example.com/{identity}",
        title=title,
        body=body,
        summary=body,
        published_at=now,
        first_seen_at=now,
        dateline=Dateline(place=place),
        search_tokens=index_tokens(title, body),
    )


def setup_feeds(store: Store) -> tuple[int, int]:
    specs = [FeedSpec("Wire A", "http://127.0.0.1/a", 60), FeedSpec("Wire B", "http://127.0.0.1/b", 60)]
    a, b = store.sync_feeds(specs, datetime.now(UTC))
    return a.id, b.id


def subscribe(store: Store, chat_id: int, query: str, *, ago: timedelta = timedelta(seconds=1)) -> int:
    store.touch_chat(chat_id, ChatKind.PRIVATE)
    return store.add_subscription(chat_id, query, datetime.now(UTC) - ago).id


def test_one_alert_per_story_per_chat(store: Store) -> None:
    wire_a, wire_b = setup_feeds(store)
    subscribe(store, 1, "Binzhou")
    subscribe(store, 1, "aluminum")
    subscribe(store, 2, "Shandong -aluminum")
    matcher = MatchService(store)
    text = "The city of Binzhou opened an aluminum park."
    store.add_items(wire_a, [release("a1", "Binzhou park", text)], WINDOW)
    store.add_items(wire_b, [release("b1", "Binzhou park", text, link="https://wire.example.com/a1")], WINDOW)
    assert matcher.run_once() == 1
    alerts = store.pending_alerts(datetime.now(UTC), 100)
    assert [(a.chat_id, a.item.title) for a in alerts] == [(1, "Binzhou park")]
    assert matcher.run_once() == 0, "matching twice enqueued twice"


def test_backlog_never_alerts(store: Store) -> None:
    wire_a, _ = setup_feeds(store)
    store.add_items(wire_a, [release("a1", "Binzhou news", "Binzhou.")], WINDOW)
    subscribe(store, 1, "Binzhou", ago=timedelta(0))
    assert MatchService(store).run_once() == 0


def dated(item: NewItem, published_at: datetime, *, dated: bool = True) -> NewItem:
    return replace(item, published_at=published_at, dated=dated)


def test_first_poll_keeps_a_release_published_after_the_feed_was_added(store: Store) -> None:
    """Config feed added, /subscribe, a release published, then the feed's first poll: it alerts; the
    backlog of 50 published before the feed was added, an undated release and one dated far ahead do not."""
    added = datetime.now(UTC) - timedelta(minutes=30)
    (wire,) = store.sync_feeds([FeedSpec("Wire A", "http://127.0.0.1/a", 60)], added)
    subscribe(store, 1, "Binzhou", ago=timedelta(minutes=20))
    now = datetime.now(UTC)
    backlog = [
        dated(release(f"old{n}", f"Binzhou {n}", "Binzhou."), added - timedelta(hours=n + 1))
        for n in range(50)
    ]
    fresh = dated(release("new", "Binzhou opens a port", "Binzhou."), now - timedelta(minutes=10))
    undated = dated(release("undated", "Binzhou undated", "Binzhou."), now, dated=False)
    ahead = dated(release("ahead", "Binzhou ahead", "Binzhou."), now + timedelta(hours=1))
    stored = store.add_items(wire.id, [*backlog, fresh, undated, ahead], WINDOW, first_poll=True)
    assert len(stored) == 53
    assert MatchService(store).run_once() == 1
    alerts = store.pending_alerts(datetime.now(UTC), 100)
    assert [a.item.title for a in alerts] == ["Binzhou opens a port"]


def test_dateline_place_is_part_of_the_text(store: Store) -> None:
    wire_a, _ = setup_feeds(store)
    subscribe(store, 1, "Binzhou")
    store.add_items(wire_a, [release("a1", "Park opens", "A park opened.", place="Binzhou, China")], WINDOW)
    assert MatchService(store).run_once() == 1


def test_paused_chat_gets_nothing(store: Store) -> None:
    wire_a, _ = setup_feeds(store)
    subscribe(store, 1, "Binzhou")
    store.set_paused(1, True)
    store.add_items(wire_a, [release("a1", "Binzhou", "Binzhou.")], WINDOW)
    assert MatchService(store).run_once() == 0


def test_sync_sees_subscriptions_changed_elsewhere(store: Store) -> None:
    wire_a, _ = setup_feeds(store)
    matcher = MatchService(store)
    matcher.sync()
    assert matcher.subscription_count == 0
    gone = subscribe(store, 1, "Dongying")  # as another process (the console) would
    subscribe(store, 1, "Binzhou")
    matcher.sync()
    assert matcher.subscription_count == 2
    store.remove_subscription(1, gone)
    matcher.sync()
    assert matcher.subscription_count == 1
    store.add_items(wire_a, [release("a1", "Binzhou and Dongying", "Both.")], WINDOW)
    assert matcher.run_once() == 1


def test_the_periodic_full_comparison_sees_a_chat_moved_elsewhere(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A group that became a supergroup (in another process) keeps its subscription ids, so the cheap
    signature does not change; the periodic comparison of (id, chat) pairs moves them, reading only those."""
    wire_a, _ = setup_feeds(store)
    store.touch_chat(-100, ChatKind.GROUP)
    kept = subscribe(store, 1, "Dongying")
    moved = subscribe(store, -100, "Binzhou")
    matcher = MatchService(store)
    matcher.sync()
    store.migrate_chat(-100, -100_200, ChatKind.SUPERGROUP)
    read: list[list[int]] = []
    by_ids = store.subscriptions_by_ids
    monkeypatch.setattr(store, "subscriptions_by_ids", lambda ids: read.append(sorted(ids)) or by_ids(ids))
    matcher.sync()  # the signature is unchanged: nothing happens before the full comparison is due
    assert read == []
    monkeypatch.setattr("bot.pipeline.match.FULL_SYNC_SECONDS", 0.0)
    matcher._full_sync_at = 0.0
    matcher.sync()
    assert read == [[moved]]
    [item] = store.add_items(wire_a, [release("a1", "Binzhou and Dongying", "Both.")], WINDOW)
    assert set(matcher.match_items([item])) == {
        MatchRecord(item.id, kept, 1),
        MatchRecord(item.id, moved, -100_200),
    }


def test_an_unparseable_stored_query_is_skipped(store: Store) -> None:
    wire_a, _ = setup_feeds(store)
    subscribe(store, 1, '"unclosed')
    subscribe(store, 1, "Binzhou")
    matcher = MatchService(store)
    store.add_items(wire_a, [release("a1", "Binzhou", "Binzhou.")], WINDOW)
    assert matcher.run_once() == 1
    assert matcher.subscription_count == 1


def test_added_and_removed_subscriptions_take_effect_at_the_next_match(store: Store) -> None:
    wire_a, _ = setup_feeds(store)
    store.touch_chat(1, ChatKind.PRIVATE)
    [item] = store.add_items(wire_a, [release("a1", "Binzhou news", "Binzhou.")], WINDOW)
    matcher = MatchService(store)
    matcher.add(Subscription(id=7, chat_id=1, query="Binzhou", created_at=datetime.now(UTC)))
    assert matcher.match_items([item]) == [MatchRecord(item.id, 7, 1)]
    matcher.remove(7)
    assert matcher.match_items([item]) == []


class CountingStore(Store):
    """The real store, remembering how many matches each ``record_matches`` call carried."""

    calls: list[tuple[int, int]]

    def match_batch(self, limit, match, now):  # type: ignore[no-untyped-def]
        def counted(items):  # type: ignore[no-untyped-def]
            for item_ids, matches in match(items):
                self.calls.append((len(item_ids), len(matches)))
                self.on_write()
                yield item_ids, matches

        return super().match_batch(limit, counted, now)

    def on_write(self) -> None:
        """Called as each group is written."""


@pytest.mark.parametrize(
    ("max_matches", "calls"),
    [
        pytest.param(10_000, [(10, 300)], id="all-in-one-write"),
        pytest.param(95, [(3, 90)] * 3 + [(1, 30)], id="groups-of-items-under-the-bound"),
        pytest.param(10, [(1, 30)] * 10, id="an-item-over-the-bound-alone"),
    ],
)
def test_the_outbox_is_written_in_groups_bounded_by_matches(
    store: Store, max_matches: int, calls: list[tuple[int, int]]
) -> None:
    """Memory follows the matches per write, not the batch of items times the subscriptions they match."""
    wire_a, _ = setup_feeds(store)
    for chat_id in range(1, 31):
        subscribe(store, chat_id, "solar", ago=timedelta(hours=1))
    store.add_items(
        wire_a, [release(f"s{n}", f"Solar plant {n}", f"Solar story {n}.") for n in range(10)], WINDOW
    )
    counting = CountingStore(store._engine)
    counting.calls = []
    matcher = MatchService(counting, max_matches=max_matches)
    assert matcher.run_once() == 300
    assert counting.calls == calls
    assert matcher.run_once() == 0  # every item was marked matched with its group


class StoppingStore(CountingStore):
    """Asks the matcher to stop while its first write is under way (as a SIGTERM does)."""

    matcher: MatchService

    def on_write(self) -> None:
        self.matcher.stop()


def test_stop_ends_a_match_pass_after_its_current_write(store: Store) -> None:
    """Shutdown doesn't wait for a whole backlog: the pass ends after the write in progress; the next
    start matches the rest, nothing lost or doubled."""
    wire_a, _ = setup_feeds(store)
    for chat_id in range(1, 31):
        subscribe(store, chat_id, "solar", ago=timedelta(hours=1))
    store.add_items(
        wire_a, [release(f"s{n}", f"Solar plant {n}", f"Solar story {n}.") for n in range(10)], WINDOW
    )
    stopping = StoppingStore(store._engine)
    stopping.calls = []
    stopping.matcher = MatchService(stopping, max_matches=60)
    assert stopping.matcher.run_once() == 60
    assert stopping.calls == [(2, 60)]
    assert MatchService(store).run_once() == 240
    assert store.count_pending() == 300

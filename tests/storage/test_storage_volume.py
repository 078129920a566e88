"""Volume control in storage on both backends: settings, held outbox rows, due digests, re-holding, counts."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from feeds.models import ChatKind, FeedSpec, FeedState, Item
from feeds.values import Claim
from feeds.volume import ChatVolume, QuietWindow, SubscriptionVolume
from storage.db.engine import make_engine
from storage.migrations import MIGRATIONS, migrate
from storage.store import DueDigest, MatchRecord, Store, VolumeCounts
from tests.fixtures_db import T0, WINDOW, new_item, settle_as_sent

Feeds = tuple[FeedState, FeedState]
SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
CHAT = 10
CREATED = T0 - timedelta(days=30)


def sh(text_: str) -> datetime:
    """A Shanghai wall time in May 2026 as a UTC instant."""
    return datetime.fromisoformat(f"2026-05-{text_}").replace(tzinfo=SHANGHAI).astimezone(UTC)


def be(text_: str) -> datetime:
    """A Berlin wall time in May 2026 as a UTC instant."""
    return datetime.fromisoformat(f"2026-05-{text_}").replace(tzinfo=BERLIN).astimezone(UTC)


def _sub(store: Store, query: str = "solar", chat_id: int = CHAT) -> int:
    store.touch_chat(chat_id, ChatKind.PRIVATE)
    return store.add_subscription(chat_id, query, CREATED).id


def _items(store: Store, feed: FeedState, *seen: datetime) -> list[Item]:
    """Distinct stories first seen at these instants."""
    return [
        store.add_items(
            feed.id,
            [new_item(f"v{n}", title=f"Volume {n} release", body=f"Body {n} unique " * 5, seen=at)],
            WINDOW,
        )[0]
        for n, at in enumerate(seen)
    ]


def _record(store: Store, item: Item, sub: int, chat_id: int = CHAT) -> int:
    """Match as the match stage does, at the item's first-seen time."""
    return store.record_matches([item.id], [MatchRecord(item.id, sub, chat_id)], item.first_seen_at)


def test_settings_round_trip(store: Store) -> None:
    sub = _sub(store)
    assert store.chat_volume(CHAT) == ChatVolume()
    assert store.subscription_volumes(CHAT) == {sub: SubscriptionVolume()}
    quiet = QuietWindow(time(22), time(7))
    store.set_timezone(CHAT, SHANGHAI, T0)
    store.set_chat_digest(CHAT, (time(8), time(18, 30)), T0)
    store.set_quiet(CHAT, quiet, T0)
    assert store.chat_volume(CHAT) == ChatVolume(SHANGHAI, (time(8), time(18, 30)), quiet)
    assert store.set_subscription_digest(CHAT, [sub, 9999], (), T0) == [sub]
    until = T0 + timedelta(hours=8)
    assert store.set_mute(CHAT, sub, until, T0) is True
    assert store.subscription_volumes(CHAT) == {sub: SubscriptionVolume((), until)}
    store.set_subscription_digest(CHAT, [sub], (time(9),), T0)
    assert store.subscription_volumes(CHAT)[sub].digest == (time(9),)
    store.set_subscription_digest(CHAT, [sub], None, T0)
    store.set_mute(CHAT, sub, None, T0)
    store.set_timezone(CHAT, None, T0)
    store.set_chat_digest(CHAT, (), T0)
    store.set_quiet(CHAT, None, T0)
    assert store.chat_volume(CHAT) == ChatVolume()
    assert store.subscription_volumes(CHAT) == {sub: SubscriptionVolume()}
    assert store.set_mute(CHAT + 1, sub, until, T0) is False  # another chat's subscription
    with pytest.raises(LookupError):
        store.set_quiet(CHAT + 1, quiet, T0)


def test_default_zone_from_config(backend: tuple[str, str | None]) -> None:
    url, schema = backend
    store = Store.open(url, schema=schema, default_zone="Asia/Shanghai")
    try:
        store.touch_chat(CHAT, ChatKind.PRIVATE)
        assert store.chat_volume(CHAT).zone == SHANGHAI
        assert store.default_zone == SHANGHAI
    finally:
        store.close()


def test_shanghai_digest_two_in_slot_third_in_next(store: Store, two_feeds: Feeds) -> None:
    sub = _sub(store)
    store.set_timezone(CHAT, SHANGHAI, T0)
    store.set_chat_digest(CHAT, (time(8),), T0)
    early, late, after = _items(store, two_feeds[0], sh("05 07:10"), sh("05 07:50"), sh("05 08:10"))
    for item in (early, late, after):
        assert _record(store, item, sub) == 1
    assert store.pending_alerts(sh("06 12:00"), 10) == []  # digest rows never go the instant way
    assert store.due_digests(sh("05 07:59"), 10) == []
    assert store.due_digests(sh("05 08:00"), 10) == [DueDigest(CHAT, sh("05 08:00"))]
    first = store.claim_digest("w", CHAT, sh("05 08:00"), sh("05 08:00"), sh("05 08:05"))
    assert store.claim_digest("other", CHAT, sh("05 08:00"), sh("05 08:00"), sh("05 08:05")) == []
    assert [(a.item.id, a.kind, a.digest_slot) for a in first] == [
        (early.id, "digest", sh("05 08:00")),
        (late.id, "digest", sh("05 08:00")),
    ]
    assert store.mark_sent([a.delivery_id for a in first], sh("05 08:00"), "w") == 2
    assert store.due_digests(sh("05 08:30"), 10) == []
    assert store.due_digests(sh("06 08:00"), 10) == [DueDigest(CHAT, sh("06 08:00"))]
    (second,) = store.digest_alerts(CHAT, sh("06 08:00"), sh("06 08:00"))
    assert second.item.id == after.id


def test_missed_slots_go_out_as_one_digest(store: Store, two_feeds: Feeds) -> None:
    """Down over two digest times: right after start, one digest carries both slots' rows."""
    sub = _sub(store)
    store.set_timezone(CHAT, SHANGHAI, T0)
    store.set_chat_digest(CHAT, (time(8), time(18)), T0)
    one, two = _items(store, two_feeds[0], sh("05 07:00"), sh("05 12:00"))
    _record(store, one, sub)
    _record(store, two, sub)
    assert store.due_digests(sh("05 21:00"), 10) == [DueDigest(CHAT, sh("05 18:00"))]
    rows = store.digest_alerts(CHAT, sh("05 18:00"), sh("05 21:00"))
    assert [a.item.id for a in rows] == [one.id, two.id]


def test_due_digests_skip_paused_retrying_and_other_kinds(store: Store, two_feeds: Feeds) -> None:
    subs = {chat: _sub(store, chat_id=chat) for chat in (1, 2, 3)}
    store.touch_chat(4, ChatKind.CONSOLE)
    subs[4] = store.add_subscription(4, "solar", CREATED).id
    items = _items(store, two_feeds[0], *[sh(f"05 07:0{n}") for n in range(4)])
    for (chat, sub), item in zip(subs.items(), items, strict=True):
        store.set_timezone(chat, SHANGHAI, T0)
        store.set_chat_digest(chat, (time(8),), T0)
        _record(store, item, sub, chat)
    store.set_paused(2, True)
    (retry,) = store.digest_alerts(3, sh("05 08:00"), sh("05 08:00"))
    store.mark_retry([retry.delivery_id], not_before=sh("05 08:05"), error="network")
    at = sh("05 08:01")
    assert [d.chat_id for d in store.due_digests(at, 10)] == [1, 4]
    telegram = [kind for kind in ChatKind if kind is not ChatKind.CONSOLE]
    assert [d.chat_id for d in store.due_digests(at, 10, telegram)] == [1]
    assert [d.chat_id for d in store.due_digests(sh("05 08:05"), 1)] == [1]
    assert [d.chat_id for d in store.due_digests(sh("05 08:05"), 10)] == [1, 3, 4]


def test_quiet_hours_hold_and_release_at_end(store: Store, two_feeds: Feeds) -> None:
    sub = _sub(store)
    store.set_timezone(CHAT, BERLIN, T0)
    store.set_quiet(CHAT, QuietWindow(time(22), time(7)), T0)
    before, night, morning = _items(store, two_feeds[0], be("04 21:30"), be("04 23:30"), be("05 07:00"))
    for item in (before, night, morning):
        _record(store, item, sub)
    assert [a.item.id for a in store.pending_alerts(be("05 06:59"), 10)] == [before.id, morning.id]
    assert [(a.item.id, a.kind) for a in store.pending_alerts(be("05 07:00"), 10)] == [
        (before.id, "instant"),
        (night.id, "quiet"),
        (morning.id, "instant"),
    ]


def test_quiet_off_releases_held_rows_now(store: Store, two_feeds: Feeds) -> None:
    """Also after a restart: the hold is in the database, and /quiet off clears it."""
    instant_sub, digest_sub = _sub(store), store.add_subscription(CHAT, "ferry", CREATED).id
    store.set_timezone(CHAT, BERLIN, T0)
    store.set_quiet(CHAT, QuietWindow(time(22), time(7)), T0)
    store.set_subscription_digest(CHAT, [digest_sub], (time(8),), T0)
    night, digest = _items(store, two_feeds[0], be("04 23:30"), be("04 23:40"))
    _record(store, night, instant_sub)
    _record(store, digest, digest_sub)
    now = be("05 01:00")
    assert store.pending_alerts(now, 10) == []
    assert store.set_quiet(CHAT, None, now) == 1
    assert [(a.item.id, a.kind) for a in store.pending_alerts(now, 10)] == [(night.id, "instant")]
    assert store.due_digests(be("05 08:00"), 10) == [DueDigest(CHAT, be("05 08:00"))]  # digest untouched


def test_digest_schedule_change_reslots_waiting_rows(store: Store, two_feeds: Feeds) -> None:
    sub = _sub(store)
    store.set_timezone(CHAT, SHANGHAI, T0)
    store.set_chat_digest(CHAT, (time(8),), T0)
    (item,) = _items(store, two_feeds[0], sh("05 07:10"))
    _record(store, item, sub)
    assert store.set_chat_digest(CHAT, (time(12), time(18)), sh("05 07:30")) == 1
    assert store.due_digests(sh("05 08:00"), 10) == []
    assert store.due_digests(sh("05 12:00"), 10) == [DueDigest(CHAT, sh("05 12:00"))]
    assert store.set_timezone(CHAT, BERLIN, sh("05 07:30")) == 1  # 12:00 now means Berlin's noon
    assert store.due_digests(sh("05 12:00"), 10) == []
    assert store.due_digests(be("05 12:00"), 10) == [DueDigest(CHAT, be("05 12:00"))]
    assert store.set_chat_digest(CHAT, (), sh("05 07:40")) == 1  # digest off: out right away
    assert [(a.item.id, a.kind) for a in store.pending_alerts(sh("05 07:40"), 10)] == [(item.id, "instant")]


def test_mute_drops_matches_and_cancels_waiting(store: Store, two_feeds: Feeds) -> None:
    muted, other = _sub(store), store.add_subscription(CHAT, "ferry", CREATED).id
    first, second, third = _items(store, two_feeds[0], T0, T0 + timedelta(hours=1), T0 + timedelta(hours=9))
    _record(store, first, muted)
    assert store.set_mute(CHAT, muted, T0 + timedelta(hours=8), T0 + timedelta(minutes=5)) is True
    assert store.count_pending(CHAT) == 0  # the waiting alert of the muted subscription is cancelled
    assert _record(store, second, muted) == 0
    both = [MatchRecord(second.id, muted, CHAT), MatchRecord(second.id, other, CHAT)]
    assert store.record_matches([second.id], both, second.first_seen_at) == 1
    assert [a.subscription_id for a in store.pending_alerts(second.first_seen_at, 10)] == [other]
    assert _record(store, third, muted) == 1  # the mute has ended


def test_instant_subscription_wins_over_digest_for_one_story(store: Store, two_feeds: Feeds) -> None:
    digest_sub, instant_sub = _sub(store), store.add_subscription(CHAT, "ferry", CREATED).id
    store.set_chat_digest(CHAT, (time(8),), T0)
    store.set_subscription_digest(CHAT, [instant_sub], (), T0)
    (item,) = _items(store, two_feeds[0], T0)
    matches = [MatchRecord(item.id, digest_sub, CHAT), MatchRecord(item.id, instant_sub, CHAT)]
    assert store.record_matches([item.id], matches, T0) == 1
    assert [(a.subscription_id, a.kind) for a in store.pending_alerts(T0, 10)] == [(instant_sub, "instant")]


def test_story_sent_instantly_is_not_repeated_in_a_digest(store: Store, two_feeds: Feeds) -> None:
    """UNIQUE(chat, story): the same story on another wire, via a digest subscription, makes no row."""
    alpha, beta = two_feeds
    instant_sub, digest_sub = _sub(store), store.add_subscription(CHAT, "ferry", CREATED).id
    store.set_subscription_digest(CHAT, [digest_sub], (time(8),), T0)
    link = "https://example.com/release/7"
    (a,) = store.add_items(alpha.id, [new_item("a7", link=link)], WINDOW)
    (b,) = store.add_items(beta.id, [new_item("b7", link=link, seen=T0 + timedelta(minutes=3))], WINDOW)
    assert _record(store, a, instant_sub) == 1
    assert settle_as_sent(store, T0) == 1
    assert _record(store, b, digest_sub) == 0
    assert store.due_digests(T0 + timedelta(days=2), 10) == []


def test_volume_counts(store: Store, two_feeds: Feeds) -> None:
    sub = _sub(store)
    items = _items(store, two_feeds[0], *[T0 + timedelta(minutes=n) for n in range(4)])
    for item in items:
        _record(store, item, sub)
    alerts = store.claim_alerts(Claim("w", T0 + timedelta(hours=2), 10, 10), T0 + timedelta(hours=1))
    store.mark_sent([alerts[0].delivery_id], T0 - timedelta(hours=1), "w")  # more than 24 h before NOW
    store.mark_sent([alerts[1].delivery_id], T0 + timedelta(hours=2), "w")
    store.give_up([alerts[2].delivery_id], "refused", "w")
    store.release_claims("w")
    assert store.volume_counts(CHAT, T0 + timedelta(hours=23, minutes=30)) == VolumeCounts(
        sent_24h=1, waiting=1
    )
    assert store.volume_counts(CHAT + 1, T0) == VolumeCounts(0, 0)


_V1_ROWS = (
    "INSERT INTO chats VALUES (5, 'private', true, false, :t, :t)",
    "INSERT INTO feeds (id, name, url, interval_seconds, enabled, consecutive_failures, next_poll_at, "
    "created_at, updated_at) VALUES (1, 'a', 'http://a', 60, true, 0, :t, :t, :t)",
    "INSERT INTO items (id, feed_id, identity, title, body, summary, published_at, first_seen_at, "
    "title_fingerprint, body_fingerprint) VALUES (1, 1, 'i', 't', 'b', 's', :t, :t, 'tf', 'bf')",
    "INSERT INTO deliveries (id, chat_id, story_id, item_id, status, attempts, created_at) "
    "VALUES (1, 5, 1, 1, 'pending', 0, :t)",
)


def test_migration_from_v1_keeps_rows_instant(backend: tuple[str, str | None]) -> None:
    """A database made by version 1 gets the volume columns; its rows read as instant, settings as unset."""
    url, schema = backend
    engine = make_engine(url, schema=schema)
    try:
        migrate(engine, MIGRATIONS[:1])
        with engine.begin() as conn:
            for statement in _V1_ROWS:
                conn.execute(text(statement), {"t": T0.replace(tzinfo=None)})
        assert migrate(engine) == MIGRATIONS[-1].version
        with engine.begin() as conn:
            chat = conn.execute(text("SELECT timezone, digest_times, quiet_hours FROM chats")).one()
            row = conn.execute(text("SELECT kind, digest_slot FROM deliveries")).one()
        assert (tuple(chat), tuple(row)) == ((None, None, None), ("instant", None))
    finally:
        engine.dispose()
    store = Store.open(url, schema=schema)
    try:
        assert [(a.chat_id, a.kind) for a in store.pending_alerts(T0, 10)] == [(5, "instant")]
    finally:
        store.close()


def test_chat_migration_keeps_volume_settings(store: Store) -> None:
    _sub(store, chat_id=-1)
    store.set_timezone(-1, SHANGHAI, T0)
    store.set_quiet(-1, QuietWindow(time(23), time(6)), T0)
    store.migrate_chat(-1, -2, ChatKind.SUPERGROUP)
    assert store.chat_volume(-2) == ChatVolume(SHANGHAI, (), QuietWindow(time(23), time(6)))


def test_restart_during_quiet_hours_keeps_the_hold(backend: tuple[str, str | None]) -> None:
    """Held rows live in the database: a new process sees them held, then due at the window's end."""
    url, schema = backend
    first = Store.open(url, schema=schema)
    try:
        (feed,) = first.sync_feeds([FeedSpec("alpha", "http://127.0.0.1/a.xml", 60)], T0)
        sub = _sub(first)
        first.set_timezone(CHAT, BERLIN, T0)
        first.set_quiet(CHAT, QuietWindow(time(22), time(7)), T0)
        (item,) = _items(first, feed, be("04 23:30"))
        _record(first, item, sub)
    finally:
        first.close()
    second = Store.open(url, schema=schema)
    try:
        assert second.pending_alerts(be("05 06:59"), 10) == []
        assert [a.item.id for a in second.pending_alerts(be("05 07:00"), 10)] == [item.id]
    finally:
        second.close()

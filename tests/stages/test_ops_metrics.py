"""Metrics: exact names and labels, recording, database gauges (a fake and the real store), privacy."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from bot.ops.metrics import FETCH_OUTCOMES, Metrics, OpsStats
from feeds.models import ChatKind, FeedSpec
from storage.store import MatchRecord, OutboxStats, Store
from tests.fixtures_db import T0, WINDOW, new_item

NOW = T0 + timedelta(minutes=10)


def samples(metrics: Metrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of the exposition, keyed by (name, sorted labels)."""
    text = generate_latest(metrics.registry).decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(metrics: Metrics, name: str, **labels: str) -> float:
    return samples(metrics)[(name, tuple(sorted(labels.items())))]


class FakeStats:
    """A hand-written ``OpsStats``; the same assertions run against the real store below."""

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail

    def feed_states(self) -> Mapping[str, int]:
        if self.fail:
            raise ConnectionError("database down")
        return {"ok": 3, "failing": 1, "paused": 0}

    def outbox_stats(self, now: datetime) -> OutboxStats:
        return OutboxStats(pending=2, oldest_due_at=now - timedelta(seconds=90))

    def chat_counts(self) -> Mapping[str, int]:
        return {"active": 5, "paused": 1, "inactive": 2}

    def subscription_count(self) -> int:
        return 7


def test_exact_names_and_labels() -> None:
    metrics = Metrics(version="9.9.9")
    metrics.watch_database(FakeStats(), clock=lambda: NOW)
    names = {name for name, _ in samples(metrics)}
    expected = {
        "wirewatch_feed_fetches_total",
        "wirewatch_feed_fetch_seconds_bucket",
        "wirewatch_feed_fetch_seconds_count",
        "wirewatch_feed_fetch_seconds_sum",
        "wirewatch_items_ingested_total",
        "wirewatch_alerts_enqueued_total",
        "wirewatch_alerts_sent_total",
        "wirewatch_outbox_pending",
        "wirewatch_outbox_oldest_seconds",
        "wirewatch_publish_to_alert_seconds_bucket",
        "wirewatch_publish_to_alert_seconds_count",
        "wirewatch_publish_to_alert_seconds_sum",
        "wirewatch_feeds",
        "wirewatch_subscriptions",
        "wirewatch_chats",
        "wirewatch_build_info",
    }
    assert expected <= names
    assert {
        dict(labels)["result"]
        for name, labels in samples(metrics)
        if name.startswith("wirewatch_feed_fetches")
    } == set(FETCH_OUTCOMES)
    assert value(metrics, "wirewatch_build_info", version="9.9.9") == 1
    assert value(metrics, "wirewatch_feeds", state="failing") == 1
    assert value(metrics, "wirewatch_chats", state="inactive") == 2
    assert value(metrics, "wirewatch_subscriptions") == 7
    assert value(metrics, "wirewatch_outbox_pending") == 2
    assert value(metrics, "wirewatch_outbox_oldest_seconds") == 90


def test_recording() -> None:
    metrics = Metrics()
    metrics.record_fetch("ok", 0.2)
    metrics.record_fetch("ok", 3.0)
    metrics.record_fetch("timeout", 60.0)
    metrics.items_ingested(4)
    metrics.items_ingested(0)
    metrics.alerts_enqueued(2)
    metrics.alert_sent(first_seen_at=T0, now=T0 + timedelta(seconds=7))
    metrics.telegram_request("sendMessage", "ok")
    metrics.telegram_request("sendMessage", "something new")
    assert value(metrics, "wirewatch_feed_fetches_total", result="ok") == 2
    assert value(metrics, "wirewatch_feed_fetches_total", result="timeout") == 1
    assert value(metrics, "wirewatch_feed_fetches_total", result="refused") == 0
    assert value(metrics, "wirewatch_feed_fetch_seconds_count") == 3
    assert value(metrics, "wirewatch_feed_fetch_seconds_bucket", le="0.25") == 1
    assert value(metrics, "wirewatch_items_ingested_total") == 4
    assert value(metrics, "wirewatch_alerts_enqueued_total") == 2
    assert value(metrics, "wirewatch_alerts_sent_total") == 1
    assert value(metrics, "wirewatch_publish_to_alert_seconds_sum") == 7
    assert value(metrics, "wirewatch_publish_to_alert_seconds_bucket", le="5.0") == 0
    assert value(metrics, "wirewatch_publish_to_alert_seconds_bucket", le="10.0") == 1
    assert value(metrics, "wirewatch_telegram_requests_total", method="sendMessage", result="ok") == 1
    assert value(metrics, "wirewatch_telegram_requests_total", method="sendMessage", result="error") == 1


def test_registries_are_isolated() -> None:
    first, second = Metrics(), Metrics()
    first.items_ingested(5)
    assert value(second, "wirewatch_items_ingested_total") == 0


def test_a_failing_database_leaves_the_gauges_out_but_keeps_the_counters() -> None:
    metrics = Metrics()
    metrics.watch_database(FakeStats(fail=True), clock=lambda: NOW)
    names = {name for name, _ in samples(metrics)}
    assert "wirewatch_outbox_pending" not in names
    assert "wirewatch_items_ingested_total" in names


def test_the_real_store_serves_the_gauges_without_ids_urls_or_queries(store: Store) -> None:
    stats: OpsStats = store
    (feed,) = store.sync_feeds([FeedSpec("Secret Wire", "http://127.0.0.1/private-feed.xml", 60)], T0)
    (item,) = store.add_items(feed.id, [new_item("x")], WINDOW)
    store.touch_chat(-1009876543210, ChatKind.SUPERGROUP)
    sub = store.add_subscription(-1009876543210, "confidential merger", T0 - timedelta(hours=1))
    store.record_matches([item.id], [MatchRecord(item.id, sub.id, -1009876543210)], T0)
    metrics = Metrics()
    metrics.watch_database(stats, clock=lambda: NOW)
    assert value(metrics, "wirewatch_outbox_pending") == 1
    assert value(metrics, "wirewatch_outbox_oldest_seconds") == 600
    assert value(metrics, "wirewatch_feeds", state="ok") == 1
    assert value(metrics, "wirewatch_chats", state="active") == 1
    assert value(metrics, "wirewatch_subscriptions") == 1
    text = generate_latest(metrics.registry).decode()
    for secret in ("1009876543210", "private-feed", "Secret Wire", "confidential"):
        assert secret not in text


def test_clock_defaults_to_now() -> None:
    metrics = Metrics()
    metrics.watch_database(FakeStats())
    assert value(metrics, "wirewatch_outbox_oldest_seconds") == pytest.approx(90, abs=5)

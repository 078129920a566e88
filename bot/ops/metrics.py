"""Prometheus metrics of one process, in its own ``CollectorRegistry`` (tests stay isolated).

Counters and histograms are recorded by the pipeline through the small methods of ``Metrics``; the gauges
that describe the database (feeds, outbox, chats, subscriptions) are read at scrape time by
``DatabaseCollector`` through the ``OpsStats`` protocol, which ``storage.Store`` implements. No label ever
holds a chat id, a query or a feed URL: label values come from the fixed sets below.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from importlib import metadata
from typing import Protocol

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric

from feeds.fetch import FetchOutcome
from feeds.values import OutboxStats

logger = logging.getLogger(__name__)

FETCH_OUTCOMES: tuple[FetchOutcome, ...] = (
    "ok", "not_modified", "http_error", "timeout", "parse_error", "refused"
)  # fmt: skip
TELEGRAM_RESULTS = ("ok", "retry_after", "forbidden", "bad_request", "network", "error")
FEED_STATES = ("ok", "failing", "paused")
CHAT_STATES = ("active", "paused", "inactive")
FETCH_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
LATENCY_BUCKETS = (1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0, 7200.0)
_METHOD = re.compile(r"^[A-Za-z]{1,40}$")

Clock = Callable[[], datetime]


class OpsStats(Protocol):
    """What the metrics need from storage (``storage.Store`` implements it)."""

    def feed_states(self) -> Mapping[str, int]: ...
    def outbox_stats(self, now: datetime) -> OutboxStats: ...
    def chat_counts(self) -> Mapping[str, int]: ...
    def subscription_count(self) -> int: ...


def build_version() -> str:
    """The installed Wirewatch version."""
    try:
        return metadata.version("wirewatch")
    except metadata.PackageNotFoundError:
        return "unknown"


class Metrics:
    """The process's metrics; one instance per process (``process_metrics``), or one per test."""

    def __init__(self, registry: CollectorRegistry | None = None, version: str | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.feed_fetches = Counter(
            "wirewatch_feed_fetches", "Feed fetches by result.", ["result"], registry=r
        )
        self.feed_fetch_seconds = Histogram(
            "wirewatch_feed_fetch_seconds", "Time to fetch one feed.", buckets=FETCH_BUCKETS, registry=r
        )
        self.items = Counter("wirewatch_items_ingested", "New items stored.", registry=r)
        self.enqueued = Counter("wirewatch_alerts_enqueued", "Alerts put in the outbox.", registry=r)
        self.sent = Counter("wirewatch_alerts_sent", "Alerts Telegram acknowledged.", registry=r)
        self.telegram = Counter(
            "wirewatch_telegram_requests", "Bot API requests by method and result.", ["method", "result"],
            registry=r,
        )  # fmt: skip
        self.publish_to_alert = Histogram(
            "wirewatch_publish_to_alert_seconds",
            "From an item's first sight to Telegram's ok for its alert.",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        info = Gauge("wirewatch_build_info", "Build information (always 1).", ["version"], registry=r)
        info.labels(version or build_version()).set(1)
        for outcome in FETCH_OUTCOMES:
            self.feed_fetches.labels(outcome)
        self.translations = Counter(
            "wirewatch_translations", "Translate presses by provider and result.", ["provider", "result"],
            registry=r,
        )  # fmt: skip
        self.translated_characters = Counter(
            "wirewatch_translated_characters", "Characters sent to the translator.", ["provider"], registry=r
        )
        self._database: DatabaseCollector | None = None

    def record_fetch(self, result: FetchOutcome, seconds: float) -> None:
        """One feed fetch finished with ``result`` after ``seconds``."""
        self.feed_fetches.labels(result).inc()
        self.feed_fetch_seconds.observe(max(0.0, seconds))

    def items_ingested(self, n: int) -> None:
        """``n`` new items were stored."""
        if n > 0:
            self.items.inc(n)

    def alerts_enqueued(self, n: int) -> None:
        """``n`` alerts were put in the outbox."""
        if n > 0:
            self.enqueued.inc(n)

    def alert_sent(self, first_seen_at: datetime, now: datetime) -> None:
        """Telegram acknowledged an alert about an item first seen at ``first_seen_at``."""
        self.sent.inc()
        self.publish_to_alert.observe(max(0.0, (now - first_seen_at).total_seconds()))

    def telegram_request(self, method: str, result: str) -> None:
        """A Bot API call ended; unknown results count as ``error`` (labels stay a small fixed set)."""
        method = method if _METHOD.match(method) else "other"
        self.telegram.labels(method, result if result in TELEGRAM_RESULTS else "error").inc()

    def translation(self, provider: str, result: str, characters: int) -> None:
        """A Translate press ended with ``result`` (ok, cached, quota, budget, down, timeout, bad_answer);
        ``characters`` were sent to the provider (0 when none was called)."""
        self.translations.labels(provider, result).inc()
        if characters > 0:
            self.translated_characters.labels(provider).inc(characters)

    def watch_database(self, stats: OpsStats, clock: Clock | None = None) -> DatabaseCollector:
        """Serve the database gauges from ``stats`` at every scrape (replacing an earlier database)."""
        if self._database is not None:
            self.registry.unregister(self._database)
        self._database = DatabaseCollector(stats, clock)
        self.registry.register(self._database)
        return self._database


class DatabaseCollector:
    """Gauges read from the database at scrape time; a failing database leaves them out (and logs)."""

    def __init__(self, stats: OpsStats, clock: Clock | None = None) -> None:
        self._stats = stats
        self._clock = clock or (lambda: datetime.now(UTC))

    def describe(self) -> list[Metric]:
        """The families (no samples), so the registry can check names without querying."""
        return list(_families())

    def collect(self) -> Iterator[Metric]:
        """Query the counts (runs in the scraping thread)."""
        try:
            now = self._clock()
            feeds, outbox = self._stats.feed_states(), self._stats.outbox_stats(now)
            chats, subscriptions = self._stats.chat_counts(), self._stats.subscription_count()
        except Exception as exc:
            logger.warning("metrics_database_failed error=%s", type(exc).__name__)
            return
        oldest = 0.0 if outbox.oldest_due_at is None else (now - outbox.oldest_due_at).total_seconds()
        pending, oldest_seconds, feed_family, subs, chat_family = _families()
        pending.add_metric([], outbox.pending)
        oldest_seconds.add_metric([], max(0.0, oldest))
        for state in FEED_STATES:
            feed_family.add_metric([state], feeds.get(state, 0))
        subs.add_metric([], subscriptions)
        for state in CHAT_STATES:
            chat_family.add_metric([state], chats.get(state, 0))
        yield from (pending, oldest_seconds, feed_family, subs, chat_family)


def _families() -> tuple[GaugeMetricFamily, ...]:
    return (
        GaugeMetricFamily(
            "wirewatch_outbox_pending", "Alerts waiting in the outbox (active, unpaused chats)."
        ),
        GaugeMetricFamily(
            "wirewatch_outbox_oldest_seconds", "How long the oldest due alert has waited (0: none)."
        ),
        GaugeMetricFamily("wirewatch_feeds", "Feeds by state.", labels=["state"]),
        GaugeMetricFamily("wirewatch_subscriptions", "Subscriptions of all chats."),
        GaugeMetricFamily("wirewatch_chats", "Telegram chats by state.", labels=["state"]),
    )


@functools.cache
def process_metrics() -> Metrics:
    """The metrics of this process (created on first use)."""
    return Metrics()

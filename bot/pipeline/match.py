"""The match stage: new items against the compiled subscription index, deliveries written to the outbox.

The chat service changes subscriptions from the event loop while the match stage runs in a worker thread, so
changes are queued (``add``/``remove`` never block) and applied under a lock by the thread that matches.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Iterable
from datetime import UTC, datetime

from bot.ops.memory import release_free_memory
from bot.pipeline.ports import MatchStore
from feeds.documents import document_for
from feeds.models import Item, Subscription
from feeds.query import Query, QueryError, SubscriptionIndex, parse_query
from feeds.values import MatchRecord

logger = logging.getLogger(__name__)

FULL_SYNC_SECONDS = 300.0

_Change = tuple[Subscription, Query | None] | int  # an addition, or the id of a removal


class MatchService:
    """Holds the in-memory index of every subscription and runs the match stage over unmatched items."""

    def __init__(self, store: MatchStore, batch_size: int = 500, max_matches: int = 5_000) -> None:
        self._store = store
        self._batch_size = batch_size
        self._max_matches = max(1, max_matches)
        self._stop = threading.Event()
        self._index = SubscriptionIndex()
        self._chat_of: dict[int, int] = {}
        self._signature: tuple[int, int, int] | None = None
        self._full_sync_at = 0.0
        self._lock = threading.Lock()
        self._changes: deque[_Change] = deque()

    @property
    def subscription_count(self) -> int:
        with self._lock:
            self._apply_changes()
            return len(self._index)

    def add(self, subscription: Subscription, query: Query | None = None) -> None:
        """Queue a new subscription for the index (the chat service calls this right after storing it)."""
        self._changes.append((subscription, query))

    def remove(self, subscription_id: int) -> None:
        """Queue a removal from the index."""
        self._changes.append(subscription_id)

    def sync(self) -> None:
        """Bring the index in line with the database (subscriptions changed by another process).

        Cheap when nothing changed: a signature query, and a full comparison every few minutes."""
        with self._lock:
            self._apply_changes()
            signature = self._store.subscriptions_signature()
            if signature == self._signature and time.monotonic() < self._full_sync_at:
                return
            stored = self._store.all_subscriptions()
            if self._signature is None:
                self._load(stored)
            else:
                self._reconcile(stored)
            self._signature = signature
            self._full_sync_at = time.monotonic() + FULL_SYNC_SECONDS

    def match_items(self, items: Iterable[Item]) -> list[MatchRecord]:
        """Every (item, subscription) pair that matches."""
        with self._lock:
            self._apply_changes()
            return [
                MatchRecord(item.id, sub_id, self._chat_of[sub_id])
                for item in items
                for sub_id in self._index.match(document_for(item))
            ]

    def run_once(self, now: datetime | None = None) -> int:
        """Match every unmatched item, batch by batch; returns how many deliveries were enqueued."""
        if self._signature is None:
            self.sync()
        enqueued = 0
        while not self._stop.is_set() and (items := self._store.unmatched_items(self._batch_size)):
            enqueued += self._record(items, now or datetime.now(UTC))
            if len(items) < self._batch_size:
                break
        if enqueued:
            logger.info("match_done enqueued=%s", enqueued)
        return enqueued

    def stop(self) -> None:
        """End a match pass in flight after its current write (shutdown; safe from any thread)."""
        self._stop.set()

    def _record(self, items: list[Item], now: datetime) -> int:
        """Match ``items`` and write their outbox rows, a group of items at a time: a group's matches stay
        near ``max_matches`` (one item with more is a group of its own), so memory follows that bound, not
        the batch of items times the subscriptions they match. An item's matches and its ``matched_at``
        are written together."""
        created = 0
        group: list[int] = []
        matches: list[MatchRecord] = []
        for item in items:
            found = self.match_items([item])
            if group and len(matches) + len(found) > self._max_matches:
                created += self._write(group, matches, now)
                group, matches = [], []
                if self._stop.is_set():  # shutting down: the rest stays unmatched for the next start
                    return created
            group.append(item.id)
            matches.extend(found)
        if group:
            created += self._write(group, matches, now)
        return created

    def _write(self, item_ids: list[int], matches: list[MatchRecord], now: datetime) -> int:
        """One group's outbox rows; then its rows and records go back to the system, not to the heap's
        high-water mark (a big backlog is many groups in one pass)."""
        created = self._store.record_matches(item_ids, matches, now)
        release_free_memory()
        return created

    def _load(self, subscriptions: list[Subscription]) -> None:
        """The first load: every text parsed once, then the long-lived index frozen out of the GC's way."""
        refused = self._index.load_texts(((s.id, s.query) for s in subscriptions), freeze=True)
        for subscription in subscriptions:
            if subscription.id not in refused:
                self._chat_of[subscription.id] = subscription.chat_id
        for sub_id, error in refused.items():
            logger.warning("subscription_unparseable id=%s error=%s", sub_id, error)
        logger.info("subscriptions_loaded count=%s refused=%s", len(self._index), len(refused))

    def _reconcile(self, stored_subscriptions: list[Subscription]) -> None:
        stored = {s.id: s for s in stored_subscriptions}
        for gone in set(self._chat_of) - set(stored):
            self._remove(gone)
        for sub_id, subscription in stored.items():
            if self._chat_of.get(sub_id) != subscription.chat_id:
                self._add(subscription, None)

    def _apply_changes(self) -> None:
        while self._changes:
            change = self._changes.popleft()
            if isinstance(change, int):
                self._remove(change)
            else:
                self._add(*change)

    def _add(self, subscription: Subscription, query: Query | None) -> None:
        try:
            compiled = query or parse_query(subscription.query)
        except QueryError as exc:
            logger.warning("subscription_unparseable id=%s error=%s", subscription.id, exc)
            return
        self._index.add(subscription.id, compiled)
        self._chat_of[subscription.id] = subscription.chat_id

    def _remove(self, subscription_id: int) -> None:
        self._index.remove(subscription_id)
        self._chat_of.pop(subscription_id, None)

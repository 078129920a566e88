"""The match stage: new items against the compiled subscription index, deliveries written to the outbox.

The chat service changes subscriptions from the event loop while the match stage runs in a worker thread, so
changes are queued (``add``/``remove`` never block) and applied under a lock by the thread that matches.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from bot.ops.memory import release_free_memory
from bot.ops.metrics import Metrics, process_metrics
from bot.pipeline.ports import MatchStore
from bot.pipeline.spikes import SpikeWatch
from feeds.documents import document_for
from feeds.models import Item, Subscription
from feeds.query import Query, QueryError, SubscriptionIndex, parse_query
from feeds.values import MatchRecord

logger = logging.getLogger(__name__)

FULL_SYNC_SECONDS = 300.0
CATCH_UP_LIMIT = 10_000  # items re-checked for new subscriptions in one pass

_Change = tuple[Subscription, Query | None] | int  # an addition, or the id of a removal


class MatchService:
    """Holds the in-memory index of every subscription and runs the match stage over unmatched items."""

    def __init__(
        self,
        store: MatchStore,
        batch_size: int = 500,
        spikes: SpikeWatch | None = None,
        metrics: Metrics | None = None,
        max_matches: int = 5_000,
    ) -> None:
        self._store = store
        self._spikes = spikes
        self._metrics = metrics or process_metrics()
        self._batch_size = batch_size
        self._max_matches = max(1, max_matches)
        self._stop = threading.Event()
        self._index = SubscriptionIndex()
        self._chat_of: dict[int, int] = {}
        self._signature: tuple[int, int, int, int] | None = None
        self._full_sync_at = 0.0
        self._lock = threading.Lock()
        self._changes: deque[_Change] = deque()
        self._fresh: list[tuple[Subscription, Query]] = []  # added since the last pass: to catch up

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
            if self._signature is None:
                self._load(self._store.all_subscriptions())
            else:
                self._reconcile(self._store.subscription_chats())
                if signature[3] != self._signature[3]:
                    self._reread_rewritten(self._store.subscription_sizes())
            self._signature = signature
            self._full_sync_at = time.monotonic() + FULL_SYNC_SECONDS
        release_free_memory()

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
        """Match every unmatched item, batch by batch (each batch claimed, matched and recorded in one
        transaction); returns how many deliveries were enqueued."""
        if self._signature is None:
            self.sync()
        now = now or datetime.now(UTC)
        enqueued = self._catch_up(now)
        while not self._stop.is_set():
            matched_subscriptions: set[int] = set()
            claimed, created = self._store.match_batch(
                self._batch_size, functools.partial(self._groups, seen=matched_subscriptions), now
            )
            release_free_memory()
            enqueued += created
            if self._spikes is not None and matched_subscriptions:
                self._spikes.check(matched_subscriptions, now)
            if claimed < self._batch_size:
                break
        self._metrics.alerts_enqueued(enqueued)
        if enqueued:
            logger.info("match_done enqueued=%s", enqueued)
        return enqueued

    def _catch_up(self, now: datetime) -> int:
        """New subscriptions against items first seen after they were made but matched without them.

        A subscription made in another process reaches this index at the next sync; a batch matched in
        between missed it. Those items are matched again against the new subscriptions alone (the
        outbox's unique key keeps anything from being sent twice)."""
        with self._lock:
            self._apply_changes()
            fresh, self._fresh = self._fresh, []
        if not fresh:
            return 0
        since = min(subscription.created_at for subscription, _ in fresh)
        items = self._store.matched_items_since(since, CATCH_UP_LIMIT)
        matches = [
            MatchRecord(item.id, subscription.id, subscription.chat_id)
            for subscription, query in fresh
            for item in items
            if item.first_seen_at > subscription.created_at and query.matches(document_for(item))
        ]
        return self._store.record_matches([], matches, now) if matches else 0

    def stop(self) -> None:
        """End a match pass in flight after its current write (shutdown; safe from any thread)."""
        self._stop.set()

    def _groups(self, items: list[Item], seen: set[int]) -> Iterator[tuple[list[int], list[MatchRecord]]]:
        """The batch's matches in groups of items whose matches stay near ``max_matches`` (one item with
        more is a group of its own): memory follows that bound, not the batch times the subscriptions it
        matches. On stop, the rest of the batch stays unmatched for the next start."""
        group: list[int] = []
        matches: list[MatchRecord] = []
        for item in items:
            found = self.match_items([item])
            if group and len(matches) + len(found) > self._max_matches:
                yield group, matches
                group, matches = [], []
                release_free_memory()
                if self._stop.is_set():
                    return
            group.append(item.id)
            matches.extend(found)
            seen.update(record.subscription_id for record in found)
        if group:
            yield group, matches

    def _load(self, subscriptions: list[Subscription]) -> None:
        """The first load: every text parsed once, then the long-lived index frozen out of the GC's way."""
        refused = self._index.load_texts(((s.id, s.query) for s in subscriptions), freeze=True)
        for subscription in subscriptions:
            if subscription.id not in refused:
                self._chat_of[subscription.id] = subscription.chat_id
        for sub_id, error in refused.items():
            logger.warning("subscription_unparseable id=%s error=%s", sub_id, error)
        logger.info("subscriptions_loaded count=%s refused=%s", len(self._index), len(refused))

    def _reconcile(self, stored_chats: dict[int, int]) -> None:
        """Apply what changed elsewhere, from (subscription id -> chat id) of every stored subscription:
        only added or moved subscriptions are read in full (a full read of 100,000 every few minutes
        would leave the heap tens of MB larger each time)."""
        for gone in set(self._chat_of) - set(stored_chats):
            self._remove(gone)
        changed = [sub_id for sub_id, chat_id in stored_chats.items() if self._chat_of.get(sub_id) != chat_id]
        for subscription in self._store.subscriptions_by_ids(changed) if changed else ():
            self._add(subscription, None)

    def _reread_rewritten(self, stored_sizes: dict[int, int]) -> None:
        """Re-read the subscriptions whose stored text is not as long as the one indexed (given an alias
        in another process: same id, longer text)."""
        changed = [
            sub_id
            for sub_id, size in stored_sizes.items()
            if (query := self._index.get(sub_id)) is not None and len(" ".join(query.text.split())) != size
        ]
        for subscription in self._store.subscriptions_by_ids(changed) if changed else ():
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
        rewritten = subscription.id in self._index  # an alias added: it matches from now on, not since made
        self._index.add(subscription.id, compiled)
        self._chat_of[subscription.id] = subscription.chat_id
        if not rewritten:
            self._fresh.append((subscription, compiled))

    def _remove(self, subscription_id: int) -> None:
        self._index.remove(subscription_id)
        self._chat_of.pop(subscription_id, None)

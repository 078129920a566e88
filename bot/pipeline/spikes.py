"""The spike check, run by the match stage right after it records a batch's matches.

For each subscription with spike alerts on that matched in the batch: its stories today (the chat's local
day) against the 7 days before (days before the first stored item count as zero), each on its day of
publication when plausible; a new feed's backlog is left out, so adding a feed never fires a spike. A spike
(``feeds.trends.is_spike``) is queued in the spike outbox together with the claim of the day, in one
transaction (``Store.enqueue_spike``), so at most one alert a day per subscription, whichever process saw it.
The alert itself is sent by ``SpikeSender``; this check never talks to Telegram.
"""

from __future__ import annotations

import logging
import statistics
from collections.abc import Callable, Collection
from datetime import datetime, timedelta

from bot.pipeline.ports import SpikeCheckStore
from feeds.models import Subscription
from feeds.query import QueryError, parse_query
from feeds.trends import AVERAGE_DAYS, is_spike, local_day

logger = logging.getLogger(__name__)


class SpikeWatch:
    """Checks the subscriptions a batch matched for an unusually busy day and queues their alert."""

    def __init__(self, store: SpikeCheckStore, on_queued: Callable[[], None] | None = None) -> None:
        self._store = store
        self.on_queued = on_queued  # wakes the spike sender; set by the composition root

    def check(self, subscription_ids: Collection[int], now: datetime) -> int:
        """Check these subscriptions (those with spike alerts on); returns how many alerts were queued.

        Never raises: a failed check is logged, and the next match of the subscription checks again."""
        if not subscription_ids:
            return 0
        queued = 0
        try:
            for sub in self._store.spike_subscriptions():
                if sub.id in subscription_ids:
                    queued += self._check_one(sub, now)
        except Exception as exc:  # the matches are recorded already; the spike waits for the next match
            logger.warning("spike_check_failed error=%s", f"{type(exc).__name__}: {exc}"[:200])
        if queued and self.on_queued is not None:
            self.on_queued()
        return queued

    def _check_one(self, sub: Subscription, now: datetime) -> bool:
        zone = self._store.chat_volume(sub.chat_id).zone
        today = local_day(now, zone)
        if sub.last_spike_on is not None and sub.last_spike_on >= today:
            return False  # today's alert is taken
        try:
            query = parse_query(sub.query)
        except QueryError:
            return False
        first = today - timedelta(days=AVERAGE_DAYS)
        counts = self._store.daily_counts(
            query, first_day=first, days=AVERAGE_DAYS + 1, zone=zone, releases=False, backlog=False
        )
        stories = counts.stories
        previous, count = stories[:-1], stories[-1]
        if not is_spike(count, previous):
            return False
        average = statistics.fmean(previous)
        if not self._store.enqueue_spike(sub.id, today, count, average, now):
            return False
        logger.info(
            "spike_queued subscription=%s day=%s stories=%s average=%.1f", sub.id, today, count, average
        )
        return True

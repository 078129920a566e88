"""Spike alerts: the per-subscription switch, the day's claim, and the spike alert outbox."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime

from feeds.models import ChatKind, Subscription
from feeds.values import (
    SpikeAlert,
)
from storage import (
    spikes_repo,
)
from storage.db.engine import transaction
from storage.db.tables import spike_alerts
from storage.facade.base import StoreBase
from storage.outbox import lease, spikes


class Spikes(StoreBase):
    """Spike alert settings and the spike outbox (``storage.outbox.spikes``)."""

    def set_spike_alerts(self, chat_id: int, subscription_id: int, on: bool) -> Subscription | None:
        """Switch a chat's subscription's spike alerts; None when the chat has no such subscription."""
        with transaction(self._engine, write=True) as conn:
            return spikes_repo.set_spike_alerts(conn, chat_id, subscription_id, on)

    def spike_subscriptions(self) -> list[Subscription]:
        """Every subscription with spike alerts on."""
        with transaction(self._engine, write=False) as conn:
            return spikes_repo.spike_subscriptions(conn)

    def enqueue_spike(
        self, subscription_id: int, day: date, stories: int, average: float, now: datetime
    ) -> bool:
        """Take the subscription's one spike alert of ``day`` and queue it, in one transaction; False when
        that day's alert was taken already (by this or another process) or spike alerts are off."""
        with transaction(self._engine, write=True) as conn:
            return spikes.enqueue(conn, subscription_id, day, stories, average, now)

    def claim_spikes(
        self,
        owner: str,
        lease_until: datetime,
        now: datetime,
        limit: int = 20,
        kinds: Collection[ChatKind] | None = None,
    ) -> list[SpikeAlert]:
        """Claim due spike alerts of active, unpaused chats (of ``kinds``) for ``owner``, leased until
        ``lease_until``; alerts whose lease ran out in a dead sender's hands are claimable again."""
        with transaction(self._engine, write=True) as conn:
            return spikes.claim(conn, owner, lease_until, now, limit, kinds)

    def mark_spike_sent(self, alert_id: int, at: datetime, owner: str) -> bool:
        """Telegram acknowledged the alert ``owner`` holds; False when ``owner`` no longer held it."""
        with transaction(self._engine, write=True) as conn:
            return spikes.mark_sent(conn, alert_id, owner, at)

    def mark_spike_retry(self, alert_id: int, *, not_before: datetime, error: str, owner: str) -> bool:
        """Back to pending with one more attempt, no earlier than ``not_before``; False when ``owner`` no
        longer held it."""
        with transaction(self._engine, write=True) as conn:
            return spikes.mark_retry(conn, alert_id, owner, not_before, error)

    def give_up_spike(self, alert_id: int, error: str, owner: str) -> bool:
        """Cancel the alert for good (the chat is gone, or Telegram refused it), the error kept; False when
        ``owner`` no longer held it."""
        with transaction(self._engine, write=True) as conn:
            return spikes.give_up(conn, alert_id, owner, error)

    def release_spike_claims(self, owner: str) -> int:
        """Return every alert ``owner`` holds to pending, untried; returns how many."""
        with transaction(self._engine, write=True) as conn:
            return lease.release(conn, spike_alerts, owner)

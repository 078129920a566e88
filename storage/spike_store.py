"""The spike part of the storage facade (mixed into ``Store``): the spike alert outbox."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime

from sqlalchemy import Engine

from feeds.models import ChatKind
from feeds.values import SpikeAlert
from storage import spike_outbox
from storage.db.engine import transaction


class SpikeStore:
    """Enqueue, claim and settle spike alerts; the host sets ``_engine``."""

    _engine: Engine

    def enqueue_spike(
        self, subscription_id: int, day: date, stories: int, average: float, now: datetime
    ) -> bool:
        """Take the subscription's one spike alert of ``day`` and queue it, in one transaction; False when
        that day's alert was taken already (by this or another process) or spike alerts are off."""
        with transaction(self._engine, write=True) as conn:
            return spike_outbox.enqueue(conn, subscription_id, day, stories, average, now)

    def claim_spikes(
        self,
        owner: str,
        lease_until: datetime,
        now: datetime,
        limit: int = 20,
        kinds: Collection[ChatKind] | None = None,
    ) -> list[SpikeAlert]:
        """Claim due spike alerts of active, unpaused chats (of ``kinds``) for ``owner``, leased until
        ``lease_until``."""
        with transaction(self._engine, write=True) as conn:
            return spike_outbox.claim(conn, owner, lease_until, now, limit, kinds)

    def mark_spike_sent(self, alert_id: int, owner: str, at: datetime) -> bool:
        """Telegram acknowledged the alert; False when ``owner`` no longer held it."""
        with transaction(self._engine, write=True) as conn:
            return spike_outbox.settle(conn, alert_id, owner, status=spike_outbox.SENT, at=at)

    def retry_spike(self, alert_id: int, owner: str, not_before: datetime, error: str) -> bool:
        """Back to pending with one more attempt, no earlier than ``not_before``."""
        with transaction(self._engine, write=True) as conn:
            return spike_outbox.settle(
                conn,
                alert_id,
                owner,
                status=spike_outbox.PENDING,
                at=not_before,
                not_before=not_before,
                error=error,
            )

    def cancel_spike(self, alert_id: int, owner: str, error: str) -> bool:
        """Give the alert up (the chat is gone, or Telegram refused it for good)."""
        with transaction(self._engine, write=True) as conn:
            return spike_outbox.settle(
                conn, alert_id, owner, status=spike_outbox.CANCELLED, at=datetime.min, error=error
            )

    def release_spikes(self, owner: str) -> int:
        """Return every alert ``owner`` holds to pending, untried."""
        with transaction(self._engine, write=True) as conn:
            return spike_outbox.release(conn, owner)

"""What the metrics endpoint and the doctor read: liveness and counts."""

from __future__ import annotations

from datetime import datetime

from feeds.values import (
    OutboxStats,
)
from storage import (
    ops_repo,
)
from storage.db.engine import transaction
from storage.facade.base import StoreBase


class Operations(StoreBase):
    """Liveness and the counts of the metrics endpoint."""

    def ping(self) -> None:
        """Raise when the database does not answer (``SELECT 1``)."""
        with transaction(self._engine, write=False) as conn:
            ops_repo.ping(conn)

    def feed_states(self) -> dict[str, int]:
        """Feeds by state: ok, failing, paused (disabled)."""
        with transaction(self._engine, write=False) as conn:
            return ops_repo.feed_states(conn)

    def outbox_stats(self, now: datetime) -> OutboxStats:
        """Pending alerts of active, unpaused chats and since when the oldest due one is due."""
        with transaction(self._engine, write=False) as conn:
            return ops_repo.outbox_stats(conn, now)

    def chat_counts(self) -> dict[str, int]:
        """Telegram chats by state: active, paused, inactive."""
        with transaction(self._engine, write=False) as conn:
            return ops_repo.chat_counts(conn)

    def subscription_count(self) -> int:
        """Every subscription of every chat."""
        with transaction(self._engine, write=False) as conn:
            return ops_repo.subscription_count(conn)

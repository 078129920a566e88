"""Telegram updates already handled (webhook mode): what makes a re-sent update run once."""

from __future__ import annotations

from datetime import datetime, timedelta

from storage import updates_repo
from storage.db.engine import transaction
from storage.facade.base import StoreBase

KEEP_HANDLED_UPDATES = timedelta(days=1)


class Updates(StoreBase):
    """Claims on Telegram update ids, kept a day."""

    def claim_update(self, update_id: int, now: datetime) -> bool:
        """Take the update for handling: True once; False when any process took it within the day before
        ``now`` (claims older than a day are pruned)."""
        with transaction(self._engine, write=True) as conn:
            return updates_repo.claim_update(conn, update_id, now, now - KEEP_HANDLED_UPDATES)

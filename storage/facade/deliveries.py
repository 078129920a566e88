"""The deliveries outbox as senders and chat commands see it: views, claims with a lease, settlement."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from feeds.models import ChatKind
from feeds.values import (
    Claim,
    DueDigest,
    PendingAlert,
)
from storage.db.engine import transaction
from storage.db.tables import deliveries
from storage.facade.base import StoreBase
from storage.outbox import claims, lease, settle, views


class Deliveries(StoreBase):
    """Read, claim and settle alert deliveries (``storage.outbox``)."""

    def pending_alerts(
        self, now: datetime, limit: int, kinds: Collection[ChatKind] | None = None
    ) -> list[PendingAlert]:
        """Pending deliveries whose ``not_before`` has passed, oldest first, active chats only (a read-only
        view; senders use ``claim_alerts``).

        ``kinds`` limits them to chats of those kinds (Telegram chats vs the console's). Paused chats'
        rows stay pending (not listed) until the chat resumes. Digest rows are not listed: see
        ``due_digests`` and ``digest_alerts``."""
        with transaction(self._engine, write=False) as conn:
            return views.pending_alerts(conn, now, limit, kinds)

    def claim_alerts(self, claim: Claim, now: datetime) -> list[PendingAlert]:
        """Move the due rows of up to ``claim.max_chats`` whole chats to ``sending`` for ``claim.owner``.

        Only chats with no row being sent are taken; expired leases of other owners return to pending
        first. Returns the claimed rows, by chat, oldest first."""
        with transaction(self._engine, write=True) as conn:
            return claims.claim_chats(conn, claim, now)

    def due_digests(
        self, now: datetime, limit: int, kinds: Collection[ChatKind] | None = None
    ) -> list[DueDigest]:
        """Chats with a digest due (slot and retry time passed), oldest slot first, at most ``limit``."""
        with transaction(self._engine, write=False) as conn:
            return views.due_digests(conn, now, limit, kinds)

    def claim_digest(
        self, owner: str, chat_id: int, up_to: datetime, now: datetime, lease_until: datetime
    ) -> list[PendingAlert]:
        """Claim the chat's due digest rows of every slot up to ``up_to`` for ``owner`` (``sending``, with a
        lease): one digest per slot even with several deliver workers."""
        with transaction(self._engine, write=True) as conn:
            return claims.claim_digest(conn, owner, chat_id, up_to, now, lease_until)

    def digest_alerts(self, chat_id: int, up_to: datetime, now: datetime) -> list[PendingAlert]:
        """The chat's due digest rows of every slot up to ``up_to`` (one digest: missed slots go along)."""
        with transaction(self._engine, write=False) as conn:
            return views.digest_rows(conn, chat_id, up_to, now)

    def get_delivery(self, delivery_id: int) -> PendingAlert | None:
        """One outbox row with its item and subscription query (for an alert's Why? button); None: gone."""
        with transaction(self._engine, write=False) as conn:
            return views.delivery(conn, delivery_id)

    def renew_leases(self, owner: str, lease_until: datetime) -> int:
        """Extend the lease of every row ``owner`` is sending."""
        with transaction(self._engine, write=True) as conn:
            return lease.renew(conn, deliveries, owner, lease_until)

    def release_claims(self, owner: str, delivery_ids: Sequence[int] | None = None) -> int:
        """Return ``owner``'s claimed rows (all, or these) to pending, untried."""
        with transaction(self._engine, write=True) as conn:
            return lease.release(conn, deliveries, owner, delivery_ids)

    def mark_sent(self, delivery_ids: Sequence[int], at: datetime, owner: str) -> int:
        """Telegram acknowledged these: settles the rows ``owner`` is sending; returns how many it settled."""
        with transaction(self._engine, write=True) as conn:
            return settle.mark_sent(conn, delivery_ids, at, owner)

    def mark_retry(
        self, delivery_ids: Sequence[int], *, not_before: datetime, error: str, owner: str | None = None
    ) -> int:
        """Back to pending with one more attempt, no earlier than ``not_before`` (from ``owner``'s claim, or
        rows still pending when ``owner`` is None)."""
        with transaction(self._engine, write=True) as conn:
            return settle.mark_retry(conn, delivery_ids, not_before=not_before, error=error, owner=owner)

    def give_up(self, delivery_ids: Sequence[int], error: str, owner: str | None = None) -> None:
        """Cancel rows that failed permanently too often (the error is kept on the row)."""
        with transaction(self._engine, write=True) as conn:
            settle.give_up(conn, delivery_ids, error, owner)

    def count_pending(self, chat_id: int | None = None) -> int:
        """Pending deliveries, for one chat or all."""
        with transaction(self._engine, write=False) as conn:
            return views.count_pending(conn, chat_id)

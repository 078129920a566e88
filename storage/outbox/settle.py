"""Settling claimed deliveries: sent (Telegram acknowledged), retry later, give up; only the lease
holder settles (or, with no owner, rows still pending)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, and_, update

from storage.db.dialect import chunks
from storage.db.tables import deliveries
from storage.outbox.lease import CANCELLED, PENDING, SENT, UNCLAIMED, owned


def _held(part: Sequence[int], owner: str | None) -> ColumnElement[bool]:
    """Rows of ``part`` that ``owner`` is sending; with no owner, those still pending."""
    if owner:
        return owned(deliveries, part, owner)
    return and_(deliveries.c.id.in_(part), deliveries.c.status == PENDING)


def mark_sent(conn: Connection, delivery_ids: Sequence[int], at: datetime, owner: str) -> int:
    """Acknowledged by Telegram: settles only rows ``owner`` is sending; returns how many."""
    settled = 0
    for part in chunks(sorted(set(delivery_ids))):
        stmt = update(deliveries).where(owned(deliveries, part, owner))
        values = {"status": SENT, "sent_at": at, "last_error": None, "lease_until": None}  # sender kept
        settled += conn.execute(stmt.values(**values)).rowcount
    return settled


def mark_retry(
    conn: Connection, delivery_ids: Sequence[int], *, not_before: datetime, error: str, owner: str | None
) -> int:
    """Back to pending (from ``owner``'s claim, or still pending when no owner): one more attempt later."""
    done = 0
    for part in chunks(sorted(set(delivery_ids))):
        where = _held(part, owner)
        values = {
            "status": PENDING,
            "attempts": deliveries.c.attempts + 1,
            "not_before": not_before,
            "last_error": error,
            **UNCLAIMED,
        }
        done += conn.execute(update(deliveries).where(where).values(**values)).rowcount
    return done


def give_up(conn: Connection, delivery_ids: Sequence[int], error: str, owner: str | None) -> None:
    """Rows that can never be sent: cancelled, the reason kept."""
    for part in chunks(sorted(set(delivery_ids))):
        where = _held(part, owner)
        values = {"status": CANCELLED, "last_error": error, **UNCLAIMED}
        conn.execute(update(deliveries).where(where).values(**values))

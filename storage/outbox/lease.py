"""The lease both outboxes use: taking rows for a sender, renewing, releasing, and the holder's condition.

Works on any table with the ``storage.db.tables.LeasedOutbox`` columns (``deliveries``, ``spike_alerts``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Table, Update, and_, update

from feeds.models import DeliveryStatus
from storage.db.dialect import chunks

logger = logging.getLogger(__name__)

PENDING = DeliveryStatus.PENDING.value
SENDING = DeliveryStatus.SENDING.value
SENT = DeliveryStatus.SENT.value
CANCELLED = DeliveryStatus.CANCELLED.value
UNCLAIMED: dict[str, Any] = {"claimed_by": None, "lease_until": None}


def held_by(table: Table, owner: str) -> ColumnElement[bool]:
    """Rows ``owner`` is sending (holds the lease of)."""
    return and_(table.c.status == SENDING, table.c.claimed_by == owner)


def owned(table: Table, ids: Sequence[int], owner: str) -> ColumnElement[bool]:
    """Those of ``ids`` that ``owner`` is sending."""
    return and_(table.c.id.in_(ids), held_by(table, owner))


def take(table: Table, where: ColumnElement[bool], owner: str, lease_until: datetime) -> Update:
    """The UPDATE that moves the rows ``where`` selects to ``sending`` for ``owner`` until ``lease_until``."""
    return update(table).where(where).values(status=SENDING, claimed_by=owner, lease_until=lease_until)


def renew(conn: Connection, table: Table, owner: str, lease_until: datetime) -> int:
    """Extend the lease of every row ``owner`` is sending; returns how many."""
    stmt = update(table).where(held_by(table, owner)).values(lease_until=lease_until)
    return int(conn.execute(stmt).rowcount)


def release(conn: Connection, table: Table, owner: str, ids: Sequence[int] | None = None) -> int:
    """Return rows ``owner`` is sending (all, or those of ``ids``) to pending untouched: they were not
    tried. Returns how many."""
    values = {"status": PENDING, **UNCLAIMED}
    if ids is None:
        return int(conn.execute(update(table).where(held_by(table, owner)).values(**values)).rowcount)
    done = 0
    for part in chunks(sorted(set(ids))):
        done += conn.execute(update(table).where(owned(table, part, owner)).values(**values)).rowcount
    return done


def expire(conn: Connection, table: Table, owner: str, now: datetime) -> int:
    """Rows whose lease ran out in another owner's hands (a dead sender) go back to pending."""
    expired = and_(table.c.status == SENDING, table.c.lease_until < now, table.c.claimed_by != owner)
    result = conn.execute(update(table).where(expired).values(status=PENDING, **UNCLAIMED))
    if result.rowcount:
        logger.warning("outbox_leases_expired table=%s rows=%s", table.name, result.rowcount)
    return int(result.rowcount)

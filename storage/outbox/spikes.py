"""The spike alert outbox: enqueue with the day's claim, claim with a lease, settle (sent, retry, give up).

Like deliveries (``storage.outbox``): the row exists before anything is sent, a row is settled only by the
holder of its lease, and a lease that expires (a dead sender) makes it claimable again.
``UNIQUE(subscription_id, day)`` and the conditional update of ``subscriptions.last_spike_on`` make a
second alert of the same day impossible.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, or_, select, update

from feeds.models import ChatKind
from feeds.values import SpikeAlert
from storage.db.dialect import upsert
from storage.db.tables import chats, spike_alerts, subscriptions
from storage.outbox import lease
from storage.outbox.lease import CANCELLED, PENDING, SENDING, SENT, UNCLAIMED
from storage.spikes_repo import claim_spike_day


def enqueue(
    conn: Connection, subscription_id: int, day: date, stories: int, average: float, now: datetime
) -> bool:
    """Claim ``day`` for the subscription and write its alert row; False when the day was taken already
    (or spikes are off, or the subscription is gone)."""
    if not claim_spike_day(conn, subscription_id, day):
        return False
    chat_id = conn.execute(
        select(subscriptions.c.chat_id).where(subscriptions.c.id == subscription_id)
    ).scalar_one()
    row = {
        "subscription_id": subscription_id,
        "chat_id": chat_id,
        "day": day,
        "stories": stories,
        "average": average,
        "status": PENDING,
        "attempts": 0,
        "created_at": now,
    }
    stmt = upsert(conn, spike_alerts).on_conflict_do_nothing(
        index_elements=[spike_alerts.c.subscription_id, spike_alerts.c.day]
    )
    # RETURNING, not rowcount: PostgreSQL reports rowcount -1 for this INSERT, which read as "not queued".
    return conn.execute(stmt.values(**row).returning(spike_alerts.c.id)).first() is not None


def _claimable(now: datetime) -> ColumnElement[bool]:
    due = and_(
        spike_alerts.c.status == PENDING,
        or_(spike_alerts.c.not_before.is_(None), spike_alerts.c.not_before <= now),
    )
    expired = and_(spike_alerts.c.status == SENDING, spike_alerts.c.lease_until < now)
    return or_(due, expired)


def claim(
    conn: Connection,
    owner: str,
    lease_until: datetime,
    now: datetime,
    limit: int,
    kinds: Collection[ChatKind] | None = None,
) -> list[SpikeAlert]:
    """Take up to ``limit`` due rows (or rows whose lease expired) of active, unpaused chats for ``owner``.

    Each row is taken by a conditional UPDATE, so concurrent claimers never share one."""
    live = and_(chats.c.active.is_(True), chats.c.paused.is_(False))
    if kinds is not None:
        live = and_(live, chats.c.kind.in_([kind.value for kind in kinds]))
    stmt = (
        select(spike_alerts, chats.c.kind.label("chat_kind"), subscriptions.c.query)
        .join(chats, chats.c.id == spike_alerts.c.chat_id)
        .join(subscriptions, subscriptions.c.id == spike_alerts.c.subscription_id)
        .where(_claimable(now), live)
        .order_by(spike_alerts.c.id)
        .limit(limit)
    )
    taken: list[SpikeAlert] = []
    for row in conn.execute(stmt).all():
        still_free = and_(spike_alerts.c.id == row.id, _claimable(now))
        if conn.execute(lease.take(spike_alerts, still_free, owner, lease_until)).rowcount == 1:
            taken.append(_alert(row))
    return taken


def _alert(row: Any) -> SpikeAlert:
    return SpikeAlert(
        id=row.id,
        chat_id=row.chat_id,
        chat_kind=ChatKind(row.chat_kind),
        subscription_id=row.subscription_id,
        query=row.query,
        day=row.day,
        stories=row.stories,
        average=row.average,
        attempts=row.attempts,
    )


def _settle(conn: Connection, alert_id: int, owner: str, values: dict[str, Any]) -> bool:
    stmt = update(spike_alerts).where(lease.owned(spike_alerts, [alert_id], owner))
    return conn.execute(stmt.values(**values, **UNCLAIMED)).rowcount == 1


def mark_sent(conn: Connection, alert_id: int, owner: str, at: datetime) -> bool:
    """Telegram acknowledged the alert ``owner`` holds; False when the claim was lost."""
    return _settle(conn, alert_id, owner, {"status": SENT, "sent_at": at})


def mark_retry(conn: Connection, alert_id: int, owner: str, not_before: datetime, error: str) -> bool:
    """Back to pending, one more attempt, no earlier than ``not_before``; False when the claim was lost."""
    return _settle(conn, alert_id, owner, _failed(PENDING, error, not_before))


def give_up(conn: Connection, alert_id: int, owner: str, error: str) -> bool:
    """Cancelled for good, the reason kept; False when the claim was lost."""
    return _settle(conn, alert_id, owner, _failed(CANCELLED, error, None))


def _failed(status: str, error: str, not_before: datetime | None) -> dict[str, Any]:
    return {
        "status": status,
        "last_error": error[:500],
        "attempts": spike_alerts.c.attempts + 1,
        "not_before": not_before,
    }

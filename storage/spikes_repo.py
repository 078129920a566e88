"""Spike alert settings per subscription: on/off, and claiming the one alert a day."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, or_, select, update

from feeds.models import Subscription
from storage.db.convert import to_subscription
from storage.db.tables import subscriptions


def set_spike_alerts(conn: Connection, chat_id: int, subscription_id: int, on: bool) -> Subscription | None:
    """Switch spike alerts of a chat's subscription; None when the chat has no such subscription."""
    owned = (subscriptions.c.chat_id == chat_id) & (subscriptions.c.id == subscription_id)
    conn.execute(update(subscriptions).where(owned).values(spike_alerts=on))
    row = conn.execute(select(subscriptions).where(owned)).first()
    return None if row is None else to_subscription(row)


def spike_subscriptions(conn: Connection) -> list[Subscription]:
    """Every subscription with spike alerts on, by id."""
    stmt = select(subscriptions).where(subscriptions.c.spike_alerts.is_(True)).order_by(subscriptions.c.id)
    return [to_subscription(row) for row in conn.execute(stmt)]


def claim_spike_day(conn: Connection, subscription_id: int, day: date) -> bool:
    """Record a spike alert for ``day``; False if spikes are off or one was already sent that day or later.

    One conditional UPDATE, so two processes seeing the same spike send one alert between them."""
    stmt = (
        update(subscriptions)
        .where(
            subscriptions.c.id == subscription_id,
            subscriptions.c.spike_alerts.is_(True),
            or_(subscriptions.c.last_spike_on.is_(None), subscriptions.c.last_spike_on < day),
        )
        .values(last_spike_on=day)
    )
    return conn.execute(stmt).rowcount == 1

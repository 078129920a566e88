"""Operational counts for the metrics endpoint: feeds by health, the outbox, chats, subscriptions.

Each is one or two aggregate queries over indexed columns, cheap enough for every Prometheus scrape.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, case, func, select

from feeds.models import ChatKind, DeliveryStatus
from feeds.values import OutboxStats
from storage.db.tables import chats, deliveries, feeds, subscriptions

FEED_STATES = ("ok", "failing", "paused")
CHAT_STATES = ("active", "paused", "inactive")
PENDING = DeliveryStatus.PENDING.value


def ping(conn: Connection) -> None:
    """A round trip to the database."""
    conn.execute(select(1)).scalar_one()


def feed_states(conn: Connection) -> dict[str, int]:
    """Feeds by state: ``ok`` (polled, last poll succeeded), ``failing`` (polled, failures since the last
    success), ``paused`` (not polled: disabled, or paused after failing for too long)."""
    state = case(
        (feeds.c.enabled.is_(False) | feeds.c.paused_at.is_not(None), "paused"),
        (feeds.c.consecutive_failures > 0, "failing"),
        else_="ok",
    )
    counts = dict.fromkeys(FEED_STATES, 0)
    for name, count in conn.execute(select(state, func.count()).group_by(state)):
        counts[str(name)] = int(count)
    return counts


def outbox_stats(conn: Connection, now: datetime) -> OutboxStats:
    """Pending deliveries of active, unpaused chats, and since when the oldest due one has been due."""
    waiting = (
        select(func.count())
        .select_from(deliveries)
        .join(chats, chats.c.id == deliveries.c.chat_id)
        .where(deliveries.c.status == PENDING, chats.c.active.is_(True), chats.c.paused.is_(False))
    )
    due_since = func.coalesce(deliveries.c.not_before, deliveries.c.created_at)
    oldest = (
        select(func.min(due_since))
        .select_from(deliveries)
        .join(chats, chats.c.id == deliveries.c.chat_id)
        .where(deliveries.c.status == PENDING, chats.c.active.is_(True), chats.c.paused.is_(False))
        .where(deliveries.c.not_before.is_(None) | (deliveries.c.not_before <= now))
    )
    return OutboxStats(
        pending=int(conn.execute(waiting).scalar_one()), oldest_due_at=conn.execute(oldest).scalar_one()
    )


def chat_counts(conn: Connection) -> dict[str, int]:
    """Telegram chats (not the console's) by state: ``active``, ``paused``, ``inactive`` (blocked, left)."""
    state = case(
        (chats.c.active.is_(False), "inactive"),
        (chats.c.paused.is_(True), "paused"),
        else_="active",
    )
    stmt = select(state, func.count()).where(chats.c.kind != ChatKind.CONSOLE.value).group_by(state)
    counts = dict.fromkeys(CHAT_STATES, 0)
    for name, count in conn.execute(stmt):
        counts[str(name)] = int(count)
    return counts


def subscription_count(conn: Connection) -> int:
    """Every subscription of every chat."""
    return int(conn.execute(select(func.count()).select_from(subscriptions)).scalar_one())

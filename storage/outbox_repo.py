"""The deliveries outbox: enqueue matches, list pending alerts, record sends and retries."""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select, update

from feeds.models import ChatKind, DeliveryStatus
from storage.convert import item_select, to_item
from storage.dialect import chunks, upsert
from storage.tables import chats, deliveries, items, subscriptions
from storage.values import MatchRecord

logger = logging.getLogger(__name__)

PENDING = DeliveryStatus.PENDING.value


def record_matches(
    conn: Connection, item_ids: Sequence[int], matches: Sequence[MatchRecord], now: datetime
) -> int:
    """Enqueue eligible matches (one per chat and story, ever) and mark the items matched; returns created."""
    rows = _eligible(conn, matches, now)
    created = 0
    if rows:
        stmt = (
            upsert(conn, deliveries)
            .on_conflict_do_nothing(index_elements=[deliveries.c.chat_id, deliveries.c.story_id])
            .returning(deliveries.c.id)
        )
        created = len(conn.execute(stmt, rows).all())
    for part in chunks(sorted(set(item_ids))):
        conn.execute(
            update(items).where(items.c.id.in_(part), items.c.matched_at.is_(None)).values(matched_at=now)
        )
    logger.debug("matches_recorded items=%s matches=%s created=%s", len(item_ids), len(matches), created)
    return created


def _eligible(conn: Connection, matches: Sequence[MatchRecord], now: datetime) -> list[dict[str, Any]]:
    """Delivery rows for matches whose subscription predates the item and whose chat is active, unpaused."""
    item_info: dict[int, tuple[int, datetime]] = {}
    for part in chunks(sorted({m.item_id for m in matches})):
        stmt = select(items.c.id, func.coalesce(items.c.story_id, items.c.id), items.c.first_seen_at)
        for item_id, story_id, seen in conn.execute(stmt.where(items.c.id.in_(part))):
            item_info[item_id] = (story_id, seen)
    subs: dict[int, tuple[int, datetime]] = {}
    for part in chunks(sorted({m.subscription_id for m in matches})):
        stmt = (
            select(subscriptions.c.id, subscriptions.c.chat_id, subscriptions.c.created_at)
            .join_from(subscriptions, chats, subscriptions.c.chat_id == chats.c.id)
            .where(subscriptions.c.id.in_(part), chats.c.active.is_(True), chats.c.paused.is_(False))
        )
        for sub_id, chat_id, created in conn.execute(stmt):
            subs[sub_id] = (chat_id, created)
    rows: dict[tuple[int, int], dict[str, Any]] = {}
    for match in sorted(matches, key=lambda m: (m.item_id, m.subscription_id)):
        if match.item_id not in item_info or match.subscription_id not in subs:
            continue
        (story_id, seen), (chat_id, created) = item_info[match.item_id], subs[match.subscription_id]
        if chat_id != match.chat_id or not created < seen:
            continue
        rows.setdefault((chat_id, story_id), _delivery(chat_id, story_id, match, now))
    return list(rows.values())


def _delivery(chat_id: int, story_id: int, match: MatchRecord, now: datetime) -> dict[str, Any]:
    return {
        "chat_id": chat_id,
        "story_id": story_id,
        "item_id": match.item_id,
        "subscription_id": match.subscription_id,
        "status": PENDING,
        "attempts": 0,
        "created_at": now,
    }


def pending_rows(
    conn: Connection, now: datetime, limit: int, kinds: Collection[ChatKind] | None = None
) -> list[tuple[Any, Any]]:
    """(delivery row, item row) of due pending deliveries in active, unpaused chats, oldest first."""
    stmt = (
        item_select()
        .add_columns(
            deliveries.c.id.label("d_id"),
            deliveries.c.chat_id.label("d_chat_id"),
            chats.c.kind.label("d_chat_kind"),
            deliveries.c.story_id.label("d_story_id"),
            deliveries.c.subscription_id.label("d_subscription_id"),
            subscriptions.c.query.label("d_query"),
            deliveries.c.attempts.label("d_attempts"),
            deliveries.c.created_at.label("d_created_at"),
        )
        .join(deliveries, deliveries.c.item_id == items.c.id)
        .join(chats, chats.c.id == deliveries.c.chat_id)
        .outerjoin(subscriptions, subscriptions.c.id == deliveries.c.subscription_id)
        .where(deliveries.c.status == PENDING, chats.c.active.is_(True), chats.c.paused.is_(False))
        .where(deliveries.c.not_before.is_(None) | (deliveries.c.not_before <= now))
        .order_by(deliveries.c.id)
        .limit(limit)
    )
    if kinds is not None:
        stmt = stmt.where(chats.c.kind.in_([kind.value for kind in kinds]))
    return [(row, to_item(row)) for row in conn.execute(stmt)]


def mark_sent(conn: Connection, delivery_ids: Sequence[int], at: datetime) -> None:
    """Acknowledged by Telegram."""
    for part in chunks(sorted(set(delivery_ids))):
        stmt = update(deliveries).where(deliveries.c.id.in_(part))
        conn.execute(stmt.values(status=DeliveryStatus.SENT.value, sent_at=at, last_error=None))


def mark_retry(conn: Connection, delivery_ids: Sequence[int], *, not_before: datetime, error: str) -> None:
    """Still pending: one more attempt, not before the given time."""
    for part in chunks(sorted(set(delivery_ids))):
        stmt = update(deliveries).where(deliveries.c.id.in_(part), deliveries.c.status == PENDING)
        conn.execute(stmt.values(attempts=deliveries.c.attempts + 1, not_before=not_before, last_error=error))


def give_up(conn: Connection, delivery_ids: Sequence[int], error: str) -> None:
    """Pending rows that can never be sent: cancelled, the reason kept."""
    for part in chunks(sorted(set(delivery_ids))):
        stmt = update(deliveries).where(deliveries.c.id.in_(part), deliveries.c.status == PENDING)
        conn.execute(stmt.values(status=DeliveryStatus.CANCELLED.value, last_error=error))


def count_pending(conn: Connection, chat_id: int | None) -> int:
    """Pending deliveries, for one chat or all."""
    stmt = select(func.count()).select_from(deliveries).where(deliveries.c.status == PENDING)
    if chat_id is not None:
        stmt = stmt.where(deliveries.c.chat_id == chat_id)
    return int(conn.execute(stmt).scalar_one())

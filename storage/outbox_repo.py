"""The deliveries outbox: enqueue matches, list pending alerts, record sends and retries."""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, func, select, text, update

from feeds.models import ChatKind, DeliveryStatus
from feeds.volume import ChatVolume, Hold, HoldKind, SubscriptionVolume, decide, earliest
from storage.convert import item_select, to_item
from storage.dialect import chunks, upsert
from storage.tables import chats, deliveries, items, subscriptions
from storage.values import MatchRecord
from storage.volume_repo import chat_volume_of, subscription_volume_of

logger = logging.getLogger(__name__)

PENDING = DeliveryStatus.PENDING.value


def record_matches(
    conn: Connection,
    item_ids: Sequence[int],
    matches: Sequence[MatchRecord],
    now: datetime,
    default_zone: str,
) -> int:
    """Enqueue eligible matches (one per chat and story, ever) and mark the items matched; returns created.

    Each row is held as ``feeds.volume.decide`` says (digest slot, quiet hours end); muted subscriptions'
    matches are not queued."""
    rows = _eligible(conn, matches, now, default_zone)
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


@dataclass(frozen=True, slots=True)
class _Sub:
    chat_id: int
    created: datetime
    chat: ChatVolume
    volume: SubscriptionVolume


def _items(conn: Connection, matches: Sequence[MatchRecord]) -> dict[int, tuple[int, datetime]]:
    """item id -> (story id, first seen)."""
    found: dict[int, tuple[int, datetime]] = {}
    for part in chunks(sorted({m.item_id for m in matches})):
        stmt = select(items.c.id, func.coalesce(items.c.story_id, items.c.id), items.c.first_seen_at)
        for item_id, story_id, seen in conn.execute(stmt.where(items.c.id.in_(part))):
            found[item_id] = (story_id, seen)
    return found


def _subscriptions(conn: Connection, matches: Sequence[MatchRecord], default_zone: str) -> dict[int, _Sub]:
    """Matched subscriptions of active, unpaused chats, with their chat's and their own volume settings."""
    subs: dict[int, _Sub] = {}
    columns = (
        subscriptions.c.id,
        subscriptions.c.chat_id,
        subscriptions.c.created_at,
        subscriptions.c.digest_times,
        subscriptions.c.mute_until,
        chats.c.timezone,
        chats.c.digest_times.label("chat_digest"),
        chats.c.quiet_hours,
    )
    for part in chunks(sorted({m.subscription_id for m in matches})):
        stmt = (
            select(*columns)
            .join_from(subscriptions, chats, subscriptions.c.chat_id == chats.c.id)
            .where(subscriptions.c.id.in_(part), chats.c.active.is_(True), chats.c.paused.is_(False))
        )
        for row in conn.execute(stmt):
            chat = chat_volume_of(row.timezone, row.chat_digest, row.quiet_hours, default_zone)
            volume = subscription_volume_of(row.digest_times, row.mute_until)
            subs[row.id] = _Sub(row.chat_id, row.created_at, chat, volume)
    return subs


def _eligible(
    conn: Connection, matches: Sequence[MatchRecord], now: datetime, default_zone: str
) -> list[dict[str, Any]]:
    """Delivery rows for matches whose subscription predates the item, is not muted, and whose chat is active
    and unpaused; of several subscriptions of a chat matching one story, the one delivering first wins."""
    item_info = _items(conn, matches)
    subs = _subscriptions(conn, matches, default_zone)
    best: dict[tuple[int, int], tuple[Hold, MatchRecord]] = {}
    for match in sorted(matches, key=lambda m: (m.item_id, m.subscription_id)):
        if match.item_id not in item_info or match.subscription_id not in subs:
            continue
        (story_id, seen), sub = item_info[match.item_id], subs[match.subscription_id]
        if sub.chat_id != match.chat_id or not sub.created < seen:
            continue
        hold = decide(now, sub.chat, sub.volume)
        if hold.kind is HoldKind.MUTED:
            continue
        key = (sub.chat_id, story_id)
        if key not in best or earliest([best[key][0], hold]) is not best[key][0]:
            best[key] = (hold, match)
    return [
        _delivery(chat_id, story_id, match, hold, now) for (chat_id, story_id), (hold, match) in best.items()
    ]


def _delivery(chat_id: int, story_id: int, match: MatchRecord, hold: Hold, now: datetime) -> dict[str, Any]:
    return {
        "chat_id": chat_id,
        "story_id": story_id,
        "item_id": match.item_id,
        "subscription_id": match.subscription_id,
        "status": PENDING,
        "attempts": 0,
        "created_at": now,
        "kind": hold.kind.value,
        "not_before": hold.not_before,
        "digest_slot": hold.not_before if hold.kind is HoldKind.DIGEST else None,
    }


def _alert_select() -> Select[Any]:
    """(item columns, delivery columns) of pending rows in active, unpaused chats, oldest first."""
    return (
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
            deliveries.c.kind.label("d_kind"),
            deliveries.c.digest_slot.label("d_digest_slot"),
        )
        .join(deliveries, deliveries.c.item_id == items.c.id)
        .join(chats, chats.c.id == deliveries.c.chat_id)
        .outerjoin(subscriptions, subscriptions.c.id == deliveries.c.subscription_id)
        .where(deliveries.c.status == PENDING, chats.c.active.is_(True), chats.c.paused.is_(False))
        .order_by(deliveries.c.id)
    )


def _due(now: datetime) -> ColumnElement[bool]:
    return deliveries.c.not_before.is_(None) | (deliveries.c.not_before <= now)


def pending_rows(
    conn: Connection, now: datetime, limit: int, kinds: Collection[ChatKind] | None = None
) -> list[tuple[Any, Any]]:
    """(delivery row, item row) of due pending non-digest deliveries in active, unpaused chats, oldest first.

    Digest rows are found with ``due_digests`` and read with ``digest_rows``."""
    stmt = _alert_select().where(_due(now), deliveries.c.kind != HoldKind.DIGEST.value).limit(limit)
    if kinds is not None:
        stmt = stmt.where(chats.c.kind.in_([kind.value for kind in kinds]))
    return [(row, to_item(row)) for row in conn.execute(stmt)]


# Literal, not bound: SQLite uses a partial index only when the query repeats its WHERE terms verbatim.
_WAITING_DIGEST = text("deliveries.status = 'pending' AND deliveries.kind = 'digest'")


def due_digests(
    conn: Connection, now: datetime, limit: int, kinds: Collection[ChatKind] | None = None
) -> list[tuple[int, datetime]]:
    """(chat id, latest due slot) of up to ``limit`` chats with due digest rows, oldest slot first.

    Reads ``ix_deliveries_digest_due`` (waiting digest rows only) in slot order, a page at a time, then
    keeps the chats that are active, unpaused (and of ``kinds``): the cost follows the due rows read, not
    the size of the outbox. (Joining chats in the same statement lets SQLite's planner walk every chat's
    rows instead.)"""
    stmt = (
        select(deliveries.c.digest_slot, deliveries.c.chat_id)
        .where(_WAITING_DIGEST, deliveries.c.digest_slot <= now, _due(now))
        .distinct()
        .order_by(deliveries.c.digest_slot, deliveries.c.chat_id)
    )
    latest: dict[int, datetime] = {}
    page, offset = max(limit, 100), 0
    while len(latest) < limit:
        rows = conn.execute(stmt.limit(page).offset(offset)).all()
        live = _live_chats(conn, sorted({chat for _, chat in rows} - set(latest)), kinds)
        for slot, chat_id in rows:
            if chat_id in latest or (chat_id in live and len(latest) < limit):
                latest[chat_id] = max(slot, latest.get(chat_id, slot))
        if len(rows) < page:
            break
        offset += page
    return list(latest.items())


def _live_chats(conn: Connection, chat_ids: Sequence[int], kinds: Collection[ChatKind] | None) -> set[int]:
    """Those of ``chat_ids`` that are active, unpaused and (when given) of ``kinds``."""
    live: set[int] = set()
    for part in chunks(chat_ids):
        stmt = select(chats.c.id).where(
            chats.c.id.in_(part), chats.c.active.is_(True), chats.c.paused.is_(False)
        )
        if kinds is not None:
            stmt = stmt.where(chats.c.kind.in_([kind.value for kind in kinds]))
        live.update(conn.execute(stmt).scalars())
    return live


def digest_rows(conn: Connection, chat_id: int, up_to: datetime, now: datetime) -> list[tuple[Any, Any]]:
    """(delivery row, item row) of the chat's due pending digest rows of slots up to ``up_to``."""
    stmt = _alert_select().where(
        deliveries.c.chat_id == chat_id,
        deliveries.c.kind == HoldKind.DIGEST.value,
        deliveries.c.digest_slot <= up_to,
        _due(now),
    )
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

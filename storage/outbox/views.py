"""Views of the deliveries outbox: the alert rows (with their item, chat kind and query) that senders
and chat commands read, due digests, and counts."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, func, select, text

from feeds.models import ChatKind, Item
from feeds.values import DueDigest, PendingAlert
from feeds.volume import HoldKind
from storage.db.convert import item_select, story_of, to_item
from storage.db.dialect import chunks
from storage.db.tables import chats, deliveries, feeds, items, subscriptions
from storage.outbox.lease import PENDING, SENDING

ALERT_BODY_CHARS = 4096  # Telegram's message limit: an alert never shows more of a body than this
_ALERT_ITEM_COLUMNS = (
    "id",
    "feed_id",
    "identity",
    "link",
    "title",
    "summary",
    "published_at",
    "first_seen_at",
    "dateline_place",
    "dateline_date",
    "dateline_wire",
    "language",
)


def to_pending_alert(row: Any, item: Item) -> PendingAlert:
    """A row of ``alert_select`` and its item."""
    return PendingAlert(
        delivery_id=row.d_id,
        chat_id=row.d_chat_id,
        chat_kind=ChatKind(row.d_chat_kind),
        story_id=row.d_story_id,
        item=item,
        subscription_id=row.d_subscription_id,
        query=row.d_query,
        attempts=row.d_attempts,
        created_at=row.d_created_at,
        kind=row.d_kind,
        digest_slot=row.d_digest_slot,
    )


def alerts(conn: Connection, stmt: Select[Any]) -> list[PendingAlert]:
    """The alerts a statement built on ``alert_select`` finds, in its order."""
    return [to_pending_alert(row, to_item(row)) for row in conn.execute(stmt)]


def _alert_item_select() -> Select[Any]:
    """The item columns an alert renders: at most ``ALERT_BODY_CHARS`` of the body (its first sentences
    stand in for a missing summary; a term matched further down shows its sentence); no fingerprints. A
    batch of claimed alerts then weighs about a message each, however long the releases are."""
    body = func.substr(items.c.body, 1, ALERT_BODY_CHARS)
    columns = [items.c[name] for name in _ALERT_ITEM_COLUMNS]
    return select(
        *columns, body.label("body"), story_of.label("resolved_story_id"), feeds.c.name.label("feed_name")
    ).join_from(items, feeds, items.c.feed_id == feeds.c.id)


def alert_select() -> Select[Any]:
    """Delivery rows joined with their item (``_alert_item_select``), chat kind and subscription query."""
    return (
        _alert_item_select()
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
            deliveries.c.item_id.label("d_item_id"),
        )
        .join(deliveries, deliveries.c.item_id == items.c.id)
        .join(chats, chats.c.id == deliveries.c.chat_id)
        .outerjoin(subscriptions, subscriptions.c.id == deliveries.c.subscription_id)
    )


def not_before_passed(now: datetime) -> ColumnElement[bool]:
    return deliveries.c.not_before.is_(None) | (deliveries.c.not_before <= now)


def due(now: datetime) -> ColumnElement[bool]:
    """Pending instant (non-digest) rows whose time has come: what senders claim one chat at a time."""
    return and_(
        deliveries.c.status == PENDING,
        deliveries.c.kind != HoldKind.DIGEST.value,
        not_before_passed(now),
    )


def sendable_chat(kinds: Collection[ChatKind] | None) -> ColumnElement[bool]:
    condition = and_(chats.c.active.is_(True), chats.c.paused.is_(False))
    if kinds is not None:
        condition = and_(condition, chats.c.kind.in_([kind.value for kind in kinds]))
    return condition


def pending_alerts(
    conn: Connection, now: datetime, limit: int, kinds: Collection[ChatKind] | None = None
) -> list[PendingAlert]:
    """Due pending deliveries in active, unpaused chats, oldest first."""
    stmt = alert_select().where(due(now), sendable_chat(kinds)).order_by(deliveries.c.id).limit(limit)
    return alerts(conn, stmt)


# Literal, not bound: SQLite uses a partial index only when the query repeats its WHERE terms verbatim.
_WAITING_DIGEST = text("deliveries.status = 'pending' AND deliveries.kind = 'digest'")


def due_digests(
    conn: Connection, now: datetime, limit: int, kinds: Collection[ChatKind] | None = None
) -> list[DueDigest]:
    """The chat and latest due slot of up to ``limit`` chats with due digest rows, oldest slot first.

    Reads ``ix_deliveries_digest_due`` (waiting digest rows only) in slot order, a page at a time, then
    keeps the chats that are active, unpaused (and of ``kinds``): the cost follows the due rows read, not
    the size of the outbox. (Joining chats in the same statement lets SQLite's planner walk every chat's
    rows instead.)"""
    stmt = (
        select(deliveries.c.digest_slot, deliveries.c.chat_id)
        .where(_WAITING_DIGEST, deliveries.c.digest_slot <= now, not_before_passed(now))
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
    return [DueDigest(chat_id, slot) for chat_id, slot in latest.items()]


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


def digest_rows(conn: Connection, chat_id: int, up_to: datetime, now: datetime) -> list[PendingAlert]:
    """The chat's due pending digest rows of slots up to ``up_to``."""
    stmt = alert_select().where(
        deliveries.c.chat_id == chat_id,
        deliveries.c.status == PENDING,
        deliveries.c.kind == HoldKind.DIGEST.value,
        deliveries.c.digest_slot <= up_to,
        not_before_passed(now),
    )
    return alerts(conn, stmt)


def delivery(conn: Connection, delivery_id: int) -> PendingAlert | None:
    """One outbox row, whatever its status, with its whole item; None when it is gone."""
    row = conn.execute(alert_select().where(deliveries.c.id == delivery_id)).first()
    if row is None:
        return None
    full = conn.execute(item_select().where(items.c.id == row.d_item_id)).first()  # Why? needs the body
    return to_pending_alert(row, to_item(full if full is not None else row))


def count_pending(conn: Connection, chat_id: int | None) -> int:
    """Deliveries not yet sent (pending or being sent), for one chat or all."""
    stmt = select(func.count()).select_from(deliveries).where(deliveries.c.status.in_((PENDING, SENDING)))
    if chat_id is not None:
        stmt = stmt.where(deliveries.c.chat_id == chat_id)
    return int(conn.execute(stmt).scalar_one())

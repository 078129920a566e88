"""Chats and subscriptions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Connection, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from feeds.invisible import strip_hidden
from feeds.models import Chat, ChatKind, DeliveryStatus, Subscription
from storage.db.convert import to_chat, to_subscription
from storage.db.dialect import chunks, upsert
from storage.db.tables import chats, deliveries, subscriptions

PENDING = DeliveryStatus.PENDING.value
WAITING = (PENDING, DeliveryStatus.SENDING.value)  # not yet sent: cancelled when the chat or query goes


def query_key(query: str) -> str:
    """What makes two subscriptions of a chat the same: the text without hidden characters (NUL, bidi
    controls, zero-width spaces; ``feeds.invisible``) and with whitespace collapsed."""
    return " ".join(strip_hidden(query).split())


def touch_chat(conn: Connection, chat_id: int, kind: ChatKind) -> Chat:
    """Create the chat, or mark it active again and refresh its kind."""
    now = datetime.now(UTC)
    stmt = (
        upsert(conn, chats)
        .values(id=chat_id, kind=kind.value, active=True, paused=False, created_at=now, updated_at=now)
        .on_conflict_do_update(
            index_elements=[chats.c.id], set_={"kind": kind.value, "active": True, "updated_at": now}
        )
        .returning(*chats.c)
    )
    return to_chat(conn.execute(stmt).one())


def get_chat(conn: Connection, chat_id: int) -> Chat | None:
    """One chat."""
    row = conn.execute(select(chats).where(chats.c.id == chat_id)).first()
    return None if row is None else to_chat(row)


def set_paused(conn: Connection, chat_id: int, paused: bool) -> None:
    """Pause or resume."""
    conn.execute(
        update(chats).where(chats.c.id == chat_id).values(paused=paused, updated_at=datetime.now(UTC))
    )


def set_language(conn: Connection, chat_id: int, language: str | None, *, sender: bool = False) -> None:
    """The chat's own language (None: follow each sender's), or with ``sender`` its last sender's."""
    column = "sender_language" if sender else "language"
    conn.execute(
        update(chats).where(chats.c.id == chat_id).values({column: language, "updated_at": datetime.now(UTC)})
    )


def deactivate_chat(conn: Connection, chat_id: int) -> int:
    """Mark inactive and cancel pending deliveries; returns how many were cancelled."""
    conn.execute(
        update(chats).where(chats.c.id == chat_id).values(active=False, updated_at=datetime.now(UTC))
    )
    return cancel_pending(conn, chat_id)


def cancel_pending(conn: Connection, chat_id: int) -> int:
    """Cancel a chat's pending deliveries."""
    stmt = (
        update(deliveries)
        .where(deliveries.c.chat_id == chat_id, deliveries.c.status.in_(WAITING))
        .values(status=DeliveryStatus.CANCELLED.value, claimed_by=None, lease_until=None)
        .returning(deliveries.c.id)
    )
    return len(conn.execute(stmt).all())


def add_subscription(conn: Connection, chat_id: int, query: str, now: datetime) -> Subscription | None:
    """The new subscription, or None when the chat already has this query (caller reports the existing)."""
    stmt = (
        upsert(conn, subscriptions)
        .values(chat_id=chat_id, query=query, query_key=query_key(query), created_at=now)
        .on_conflict_do_nothing(index_elements=[subscriptions.c.chat_id, subscriptions.c.query_key])
        .returning(*subscriptions.c)
    )
    try:
        row = conn.execute(stmt).first()
    except IntegrityError as error:
        raise LookupError(f"no chat {chat_id}: touch_chat first") from error
    return None if row is None else to_subscription(row)


def find_subscription(conn: Connection, chat_id: int, query: str) -> Subscription | None:
    """A chat's subscription with this query text (whitespace-collapsed)."""
    stmt = select(subscriptions).where(
        subscriptions.c.chat_id == chat_id, subscriptions.c.query_key == query_key(query)
    )
    row = conn.execute(stmt).first()
    return None if row is None else to_subscription(row)


def list_subscriptions(conn: Connection, chat_id: int | None) -> list[Subscription]:
    """A chat's subscriptions (or everyone's) by id."""
    stmt = select(subscriptions).order_by(subscriptions.c.id)
    if chat_id is not None:
        stmt = stmt.where(subscriptions.c.chat_id == chat_id)
    return [to_subscription(row) for row in conn.execute(stmt)]


def subscription_chats(conn: Connection) -> dict[int, int]:
    """Every subscription's chat, by subscription id (two integers a row: a cheap full comparison)."""
    rows = conn.execute(select(subscriptions.c.id, subscriptions.c.chat_id))
    return {sub_id: chat_id for sub_id, chat_id in rows}


def subscriptions_by_ids(conn: Connection, ids: Sequence[int]) -> list[Subscription]:
    """These subscriptions (those that still exist), by id."""
    found: list[Subscription] = []
    for part in chunks(sorted(set(ids))):
        stmt = select(subscriptions).where(subscriptions.c.id.in_(part)).order_by(subscriptions.c.id)
        found.extend(to_subscription(row) for row in conn.execute(stmt))
    return found


def subscriptions_signature(conn: Connection) -> tuple[int, int, int, int]:
    """(count, max id, sum of ids, sum of text lengths): changes whenever a subscription is added or
    removed, or given a longer text (an alias added: ``rewrite_subscription``)."""
    ids = subscriptions.c.id
    sizes = func.coalesce(func.sum(func.length(subscriptions.c.query_key)), 0)
    row = conn.execute(select(func.count(ids), func.max(ids), func.sum(ids), sizes)).one()
    return int(row[0]), int(row[1] or 0), int(row[2] or 0), int(row[3])


def subscription_sizes(conn: Connection) -> dict[int, int]:
    """Every subscription's text length (of ``query_key``), by id: finds the ones rewritten elsewhere."""
    rows = conn.execute(select(subscriptions.c.id, func.length(subscriptions.c.query_key)))
    return {sub_id: int(size) for sub_id, size in rows}


def count_subscriptions(conn: Connection, chat_id: int) -> int:
    """How many subscriptions a chat holds."""
    stmt = select(func.count()).select_from(subscriptions).where(subscriptions.c.chat_id == chat_id)
    return int(conn.execute(stmt).scalar_one())


def remove_subscription(conn: Connection, chat_id: int, subscription_id: int) -> Subscription | None:
    """Delete a subscription of the chat, cancel its pending alerts; sent rows stay (subscription NULL)."""
    owned = (subscriptions.c.chat_id == chat_id) & (subscriptions.c.id == subscription_id)
    row = conn.execute(select(subscriptions).where(owned)).first()
    if row is None:
        return None
    conn.execute(
        update(deliveries)
        .where(deliveries.c.subscription_id == subscription_id, deliveries.c.status.in_(WAITING))
        .values(status=DeliveryStatus.CANCELLED.value, claimed_by=None, lease_until=None)
    )
    conn.execute(delete(subscriptions).where(owned))  # ON DELETE SET NULL keeps the outbox history
    return to_subscription(row)


def rewrite_subscription(
    conn: Connection, chat_id: int, subscription_id: int, expected: str, query: str
) -> Subscription | None:
    """Give the chat's subscription new text (same id, same age), only while its text is still
    ``expected``; None when it is gone or changed meanwhile. The caller checks the chat lacks ``query``."""
    stmt = (
        update(subscriptions)
        .where(
            subscriptions.c.chat_id == chat_id,
            subscriptions.c.id == subscription_id,
            subscriptions.c.query == expected,
        )
        .values(query=query, query_key=query_key(query))
        .returning(*subscriptions.c)
    )
    row = conn.execute(stmt).first()
    return None if row is None else to_subscription(row)

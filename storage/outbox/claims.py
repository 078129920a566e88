"""Claims on the deliveries outbox: a sender takes whole chats' due rows (or a chat's digest) with a lease.

A chat is claimed whole or not at all, and only while none of its rows is ``sending``: one sender per chat
keeps its order.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, exists, func, select

from feeds.values import Claim, PendingAlert
from feeds.volume import HoldKind
from storage.db.tables import chats, deliveries
from storage.outbox import lease
from storage.outbox.lease import PENDING, SENDING, SENT
from storage.outbox.views import alert_select, alerts, digest_rows, due, sendable_chat

HANDOFF = timedelta(seconds=3)  # a group's 20/min spacing; a private chat's 1/s with its burst
CANDIDATE_PAGES = 4  # pages of due rows read per claim pass, at most


def claim_chats(conn: Connection, claim: Claim, now: datetime) -> list[PendingAlert]:
    """Claim the due rows of up to ``claim.max_chats`` chats for ``claim.owner``; returns them with items.

    A chat is claimed whole or not at all, and only while none of its rows is ``sending`` (one sender per
    chat keeps its order). Rows whose lease expired in another owner's hands return to pending first. On
    PostgreSQL the candidate chats are locked ``FOR UPDATE SKIP LOCKED``, so concurrent claimers divide
    the chats between them; SQLite serializes writers anyway."""
    lease.expire(conn, deliveries, claim.owner, now)
    candidates = _candidate_chats(conn, claim, now)
    if not candidates:
        return []
    locked = conn.execute(
        select(chats.c.id).where(chats.c.id.in_(candidates)).with_for_update(skip_locked=True)
    ).scalars()
    taken = _chats_sending(conn, candidates) | _sent_lately_by_others(conn, candidates, claim.owner, now)
    locked_ids = set(locked)
    free = [chat for chat in candidates if chat in locked_ids and chat not in taken][: claim.max_chats]
    if not free:
        return []
    ids = _first_due_rows(conn, free, claim.per_chat, now)
    if not ids:
        return []
    still_pending = deliveries.c.id.in_(ids) & (deliveries.c.status == PENDING)
    conn.execute(lease.take(deliveries, still_pending, claim.owner, claim.lease_until))
    return alerts(conn, alert_select().where(deliveries.c.id.in_(ids)).order_by(deliveries.c.id))


def _candidate_chats(conn: Connection, claim: Claim, now: datetime) -> list[int]:
    """Chats with due rows, none being sent and none waiting before them, the one waiting longest first
    (a few more than wanted: a concurrent claimer may take some).

    Reads the due rows in id order through the pending partial index, a page at a time, collecting chat
    ids until there are enough: the cost follows the chats wanted, not the size of the backlog (no
    ``GROUP BY`` over every pending row). Later pages leave out the chats already found."""
    want = claim.max_chats * 2
    page = max(64, want * 4)
    found: dict[int, None] = {}
    after = 0
    for _ in range(CANDIDATE_PAGES):
        stmt = _candidate_page(claim, now, after, page)
        if found:
            stmt = stmt.where(deliveries.c.chat_id.not_in(list(found)))
        rows = conn.execute(stmt).all()
        for _id, chat_id in rows:
            found.setdefault(chat_id)
            if len(found) >= want:
                return list(found)
        if len(rows) < page:
            break
        after = rows[-1][0]
    return list(found)


def _candidate_page(claim: Claim, now: datetime, after: int, page: int) -> Select[Any]:
    sending = deliveries.alias("busy")
    busy = exists().where(sending.c.chat_id == deliveries.c.chat_id, sending.c.status == SENDING)
    return (
        select(deliveries.c.id, deliveries.c.chat_id)
        .join(chats, chats.c.id == deliveries.c.chat_id)
        .where(due(now), sendable_chat(claim.kinds), deliveries.c.id > after, ~busy, ~_held_before(now))
        .order_by(deliveries.c.id)
        .limit(page)
    )


def _held_before(now: datetime) -> ColumnElement[bool]:
    """An earlier instant row of the same chat waits (a retry's backoff): the chat's order holds, so
    nothing after it goes first."""
    earlier = deliveries.alias("earlier")
    return exists().where(
        earlier.c.chat_id == deliveries.c.chat_id,
        earlier.c.status == PENDING,
        earlier.c.id < deliveries.c.id,
        earlier.c.kind != HoldKind.DIGEST.value,
        earlier.c.attempts > 0,
        earlier.c.not_before > now,
    )


def _sent_lately_by_others(conn: Connection, chat_ids: Sequence[int], owner: str, now: datetime) -> set[int]:
    """Chats another sender wrote to within ``HANDOFF``: that sender's per-chat pacing is not ours, so
    the chat changes hands only once Telegram's per-chat window has passed."""
    stmt = select(deliveries.c.chat_id).where(
        deliveries.c.chat_id.in_(chat_ids),
        deliveries.c.status == SENT,
        deliveries.c.sent_at > now - HANDOFF,
        deliveries.c.claimed_by != owner,
    )
    return set(conn.execute(stmt.distinct()).scalars())


def _chats_sending(conn: Connection, chat_ids: Sequence[int]) -> set[int]:
    stmt = select(deliveries.c.chat_id).where(
        deliveries.c.chat_id.in_(chat_ids), deliveries.c.status == SENDING
    )
    return set(conn.execute(stmt.distinct()).scalars())


def _first_due_rows(conn: Connection, chat_ids: Sequence[int], per_chat: int, now: datetime) -> list[int]:
    """Ids of each chat's first ``per_chat`` due rows, stopping at a row that was tried and waits for its
    retry: the chat's later alerts wait behind it, so they never overtake it."""
    waiting_retry = (
        select(deliveries.c.chat_id, func.min(deliveries.c.id))
        .where(
            deliveries.c.chat_id.in_(chat_ids),
            deliveries.c.status == PENDING,
            deliveries.c.attempts > 0,
            deliveries.c.not_before > now,
        )
        .group_by(deliveries.c.chat_id)
    )
    blocked_at = {chat: first for chat, first in conn.execute(waiting_retry)}
    ranked = (
        select(
            deliveries.c.id,
            deliveries.c.chat_id,
            func.row_number().over(partition_by=deliveries.c.chat_id, order_by=deliveries.c.id).label("rn"),
        )
        .where(deliveries.c.chat_id.in_(chat_ids), due(now), ~_held_before(now))
        .subquery()
    )
    rows = conn.execute(select(ranked.c.id, ranked.c.chat_id).where(ranked.c.rn <= per_chat))
    return [row_id for row_id, chat in rows if row_id < blocked_at.get(chat, row_id + 1)]


def claim_digest(
    conn: Connection, owner: str, chat_id: int, up_to: datetime, now: datetime, lease_until: datetime
) -> list[PendingAlert]:
    """Claim the chat's due digest rows of every slot up to ``up_to`` for ``owner`` (one digest: missed
    slots go along); nothing when the chat is locked by another claimer or has rows being sent."""
    locked = conn.execute(
        select(chats.c.id).where(chats.c.id == chat_id).with_for_update(skip_locked=True)
    ).scalar_one_or_none()
    if locked is None or _chats_sending(conn, [chat_id]):
        return []
    rows = digest_rows(conn, chat_id, up_to, now)
    ids = [alert.delivery_id for alert in rows]
    if ids:
        still_pending = deliveries.c.id.in_(ids) & (deliveries.c.status == PENDING)
        conn.execute(lease.take(deliveries, still_pending, owner, lease_until))
    return rows

"""The deliveries outbox: enqueue matches, list pending alerts, record sends and retries."""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, case, exists, func, select, text, update

from feeds.eligibility import Eligible, ItemFacts, SubscriptionFacts, eligible_alerts
from feeds.models import ChatKind, DeliveryStatus
from feeds.values import Claim, MatchRecord
from feeds.volume import HoldKind
from storage import items_repo
from storage.db.convert import item_select, story_of, to_item
from storage.db.dialect import chunks, upsert
from storage.db.tables import chats, deliveries, feeds, items, subscriptions
from storage.volume_repo import chat_volume_of, subscription_volume_of

logger = logging.getLogger(__name__)

PENDING = DeliveryStatus.PENDING.value
SENDING = DeliveryStatus.SENDING.value
SENT = DeliveryStatus.SENT.value
CANCELLED = DeliveryStatus.CANCELLED.value
HANDOFF = timedelta(seconds=3)  # a group's 20/min spacing; a private chat's 1/s with its burst

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
)
ROWS_PER_INSERT = 100  # outbox rows per INSERT statement (see record_matches)
CANDIDATE_PAGES = 4  # pages of due rows read per claim pass, at most


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
        created = len(
            conn.execute(stmt.execution_options(insertmanyvalues_page_size=ROWS_PER_INSERT), rows).all()
        )
    items_repo.dequeue(conn, item_ids)
    logger.debug("matches_recorded items=%s matches=%s created=%s", len(item_ids), len(matches), created)
    return created


def _items(conn: Connection, matches: Sequence[MatchRecord]) -> dict[int, ItemFacts]:
    """The matched items' story and first sighting, by item id."""
    found: dict[int, ItemFacts] = {}
    for part in chunks(sorted({m.item_id for m in matches})):
        stmt = select(items.c.id, func.coalesce(items.c.story_id, items.c.id), items.c.first_seen_at)
        for item_id, story_id, seen in conn.execute(stmt.where(items.c.id.in_(part))):
            found[item_id] = ItemFacts(story_id, seen)
    return found


def _subscriptions(
    conn: Connection, matches: Sequence[MatchRecord], default_zone: str
) -> dict[int, SubscriptionFacts]:
    """Matched subscriptions of active, unpaused chats, with their chat's and their own volume settings."""
    subs: dict[int, SubscriptionFacts] = {}
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
            subs[row.id] = SubscriptionFacts(row.chat_id, row.created_at, chat, volume)
    return subs


def _eligible(
    conn: Connection, matches: Sequence[MatchRecord], now: datetime, default_zone: str
) -> list[dict[str, Any]]:
    """Delivery rows of the matches ``feeds.eligibility.eligible_alerts`` lets through."""
    chosen = eligible_alerts(matches, _items(conn, matches), _subscriptions(conn, matches, default_zone), now)
    return [_delivery(alert, now) for alert in chosen]


def _delivery(alert: Eligible, now: datetime) -> dict[str, Any]:
    hold = alert.hold
    return {
        "chat_id": alert.chat_id,
        "story_id": alert.story_id,
        "item_id": alert.match.item_id,
        "subscription_id": alert.match.subscription_id,
        "status": PENDING,
        "attempts": 0,
        "created_at": now,
        "kind": hold.kind.value,
        "not_before": hold.not_before,
        "digest_slot": hold.not_before if hold.kind is HoldKind.DIGEST else None,
    }


def _alert_item_select() -> Select[Any]:
    """The item columns an alert renders: the body only when there is no summary (the alert shows the
    body's first sentences then), and at most ``ALERT_BODY_CHARS`` of it; no fingerprints. A batch of
    claimed alerts then weighs about a message each, however long the releases are."""
    body = case((func.trim(items.c.summary) == "", func.substr(items.c.body, 1, ALERT_BODY_CHARS)), else_="")
    columns = [items.c[name] for name in _ALERT_ITEM_COLUMNS]
    return select(
        *columns, body.label("body"), story_of.label("resolved_story_id"), feeds.c.name.label("feed_name")
    ).join_from(items, feeds, items.c.feed_id == feeds.c.id)


def _alert_select() -> Select[Any]:
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


def _not_before_passed(now: datetime) -> ColumnElement[bool]:
    return deliveries.c.not_before.is_(None) | (deliveries.c.not_before <= now)


def _due(now: datetime) -> ColumnElement[bool]:
    """Pending instant (non-digest) rows whose time has come: what senders claim one chat at a time."""
    return and_(
        deliveries.c.status == PENDING,
        deliveries.c.kind != HoldKind.DIGEST.value,
        _not_before_passed(now),
    )


def _sendable_chat(kinds: Collection[ChatKind] | None) -> ColumnElement[bool]:
    condition = and_(chats.c.active.is_(True), chats.c.paused.is_(False))
    if kinds is not None:
        condition = and_(condition, chats.c.kind.in_([kind.value for kind in kinds]))
    return condition


def pending_rows(
    conn: Connection, now: datetime, limit: int, kinds: Collection[ChatKind] | None = None
) -> list[tuple[Any, Any]]:
    """(delivery row, item row) of due pending deliveries in active, unpaused chats, oldest first."""
    stmt = _alert_select().where(_due(now), _sendable_chat(kinds)).order_by(deliveries.c.id).limit(limit)
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
        .where(_WAITING_DIGEST, deliveries.c.digest_slot <= now, _not_before_passed(now))
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
        deliveries.c.status == PENDING,
        deliveries.c.kind == HoldKind.DIGEST.value,
        deliveries.c.digest_slot <= up_to,
        _not_before_passed(now),
    )
    return [(row, to_item(row)) for row in conn.execute(stmt)]


def delivery_row(conn: Connection, delivery_id: int) -> tuple[Any, Any] | None:
    """(delivery row, item row) of one outbox row, whatever its status; None when it is gone."""
    row = conn.execute(_alert_select().where(deliveries.c.id == delivery_id)).first()
    if row is None:
        return None
    full = conn.execute(item_select().where(items.c.id == row.d_item_id)).first()  # Why? needs the body
    return row, to_item(full if full is not None else row)


def claim_chats(conn: Connection, claim: Claim, now: datetime) -> list[tuple[Any, Any]]:
    """Claim the due rows of up to ``claim.max_chats`` chats for ``claim.owner``; returns them with items.

    A chat is claimed whole or not at all, and only while none of its rows is ``sending`` (one sender per
    chat keeps its order). Rows whose lease expired in another owner's hands return to pending first. On
    PostgreSQL the candidate chats are locked ``FOR UPDATE SKIP LOCKED``, so concurrent claimers divide
    the chats between them; SQLite serializes writers anyway."""
    _expire_leases(conn, claim.owner, now)
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
    conn.execute(
        update(deliveries)
        .where(deliveries.c.id.in_(ids), deliveries.c.status == PENDING)
        .values(status=SENDING, claimed_by=claim.owner, lease_until=claim.lease_until)
    )
    stmt = _alert_select().where(deliveries.c.id.in_(ids)).order_by(deliveries.c.id)
    return [(row, to_item(row)) for row in conn.execute(stmt)]


def _expire_leases(conn: Connection, owner: str, now: datetime) -> None:
    expired = and_(
        deliveries.c.status == SENDING, deliveries.c.lease_until < now, deliveries.c.claimed_by != owner
    )
    result = conn.execute(
        update(deliveries).where(expired).values(status=PENDING, claimed_by=None, lease_until=None)
    )
    if result.rowcount:
        logger.warning("outbox_leases_expired rows=%s", result.rowcount)


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
        .where(_due(now), _sendable_chat(claim.kinds), deliveries.c.id > after, ~busy, ~_held_before(now))
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
        .where(deliveries.c.chat_id.in_(chat_ids), _due(now), ~_held_before(now))
        .subquery()
    )
    rows = conn.execute(select(ranked.c.id, ranked.c.chat_id).where(ranked.c.rn <= per_chat))
    return [row_id for row_id, chat in rows if row_id < blocked_at.get(chat, row_id + 1)]


def claim_digest(
    conn: Connection, owner: str, chat_id: int, up_to: datetime, now: datetime, lease_until: datetime
) -> list[tuple[Any, Any]]:
    """Claim the chat's due digest rows of every slot up to ``up_to`` for ``owner`` (one digest: missed
    slots go along); nothing when the chat is locked by another claimer or has rows being sent."""
    locked = conn.execute(
        select(chats.c.id).where(chats.c.id == chat_id).with_for_update(skip_locked=True)
    ).scalar_one_or_none()
    if locked is None or _chats_sending(conn, [chat_id]):
        return []
    rows = digest_rows(conn, chat_id, up_to, now)
    ids = [row.d_id for row, _ in rows]
    if ids:
        conn.execute(
            update(deliveries)
            .where(deliveries.c.id.in_(ids), deliveries.c.status == PENDING)
            .values(status=SENDING, claimed_by=owner, lease_until=lease_until)
        )
    return rows


def renew_leases(conn: Connection, owner: str, lease_until: datetime) -> int:
    """Extend the lease of every row ``owner`` is sending; returns how many."""
    stmt = update(deliveries).where(deliveries.c.status == SENDING, deliveries.c.claimed_by == owner)
    return int(conn.execute(stmt.values(lease_until=lease_until)).rowcount)


def _owned(delivery_ids: Sequence[int], owner: str) -> ColumnElement[bool]:
    return and_(
        deliveries.c.id.in_(delivery_ids), deliveries.c.status == SENDING, deliveries.c.claimed_by == owner
    )


def mark_sent(conn: Connection, delivery_ids: Sequence[int], at: datetime, owner: str) -> int:
    """Acknowledged by Telegram: settles only rows ``owner`` is sending; returns how many."""
    settled = 0
    for part in chunks(sorted(set(delivery_ids))):
        stmt = update(deliveries).where(_owned(part, owner))
        values = {"status": SENT, "sent_at": at, "last_error": None, "lease_until": None}  # sender kept
        settled += conn.execute(stmt.values(**values)).rowcount
    return settled


def mark_retry(
    conn: Connection, delivery_ids: Sequence[int], *, not_before: datetime, error: str, owner: str | None
) -> int:
    """Back to pending (from ``owner``'s claim, or still pending when no owner): one more attempt later."""
    done = 0
    for part in chunks(sorted(set(delivery_ids))):
        where = (
            _owned(part, owner) if owner else and_(deliveries.c.id.in_(part), deliveries.c.status == PENDING)
        )
        values = {
            "status": PENDING,
            "attempts": deliveries.c.attempts + 1,
            "not_before": not_before,
            "last_error": error,
            "claimed_by": None,
            "lease_until": None,
        }
        done += conn.execute(update(deliveries).where(where).values(**values)).rowcount
    return done


def release(conn: Connection, owner: str, delivery_ids: Sequence[int] | None = None) -> int:
    """Return claimed rows (all of ``owner``'s, or these) to pending untouched: they were not tried."""
    values = {"status": PENDING, "claimed_by": None, "lease_until": None}
    if delivery_ids is None:
        stmt = update(deliveries).where(deliveries.c.status == SENDING, deliveries.c.claimed_by == owner)
        return int(conn.execute(stmt.values(**values)).rowcount)
    done = 0
    for part in chunks(sorted(set(delivery_ids))):
        done += conn.execute(update(deliveries).where(_owned(part, owner)).values(**values)).rowcount
    return done


def give_up(conn: Connection, delivery_ids: Sequence[int], error: str, owner: str | None) -> None:
    """Rows that can never be sent: cancelled, the reason kept."""
    for part in chunks(sorted(set(delivery_ids))):
        where = (
            _owned(part, owner) if owner else and_(deliveries.c.id.in_(part), deliveries.c.status == PENDING)
        )
        values = {"status": CANCELLED, "last_error": error, "claimed_by": None, "lease_until": None}
        conn.execute(update(deliveries).where(where).values(**values))


def count_pending(conn: Connection, chat_id: int | None) -> int:
    """Deliveries not yet sent (pending or being sent), for one chat or all."""
    stmt = select(func.count()).select_from(deliveries).where(deliveries.c.status.in_((PENDING, SENDING)))
    if chat_id is not None:
        stmt = stmt.where(deliveries.c.chat_id == chat_id)
    return int(conn.execute(stmt).scalar_one())

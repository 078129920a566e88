"""Enqueue: matches become delivery rows as ``feeds.eligibility.eligible_alerts`` decides, in the match
stage's transaction."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select, text

from feeds.eligibility import Eligible, ItemFacts, SubscriptionFacts, eligible_alerts
from feeds.values import MatchRecord
from feeds.volume import HoldKind
from storage import items_repo
from storage.db.dialect import chunks, pg_unnest, upsert
from storage.db.tables import chats, deliveries, items, subscriptions
from storage.db.types import as_utc
from storage.outbox.lease import PENDING
from storage.volume_repo import chat_volume_of, subscription_volume_of

logger = logging.getLogger(__name__)

ROWS_PER_INSERT = 100  # SQLite: outbox rows per INSERT statement (see _insert)


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
    created = _insert(conn, rows) if rows else 0
    items_repo.dequeue(conn, item_ids)
    logger.debug("matches_recorded items=%s matches=%s created=%s", len(item_ids), len(matches), created)
    return created


def _insert(conn: Connection, rows: list[dict[str, Any]]) -> int:
    """Insert the outbox rows in order, skipping (chat, story) pairs already there; returns how many went in.

    PostgreSQL: one statement of arrays whose text never changes (prepared once), where a multi-row VALUES
    had a text, so a parse and a plan, for every number of rows the match stage happened to find."""
    if conn.dialect.name == "postgresql":
        params = {name: [row[name] for row in rows] for name in _PG_COLUMNS}
        for name in ("created_at", "not_before", "digest_slot"):
            params[name] = [None if value is None else as_utc(value) for value in params[name]]
        return len(conn.execute(_PG_INSERT, params).all())
    stmt = (
        upsert(conn, deliveries)
        .on_conflict_do_nothing(index_elements=[deliveries.c.chat_id, deliveries.c.story_id])
        .returning(deliveries.c.id)
    )
    return len(conn.execute(stmt.execution_options(insertmanyvalues_page_size=ROWS_PER_INSERT), rows).all())


_PG_COLUMNS = {
    "chat_id": "BIGINT",
    "story_id": "BIGINT",
    "item_id": "BIGINT",
    "subscription_id": "BIGINT",
    "status": "TEXT",
    "attempts": "INTEGER",
    "created_at": "TIMESTAMPTZ",
    "kind": "TEXT",
    "not_before": "TIMESTAMPTZ",
    "digest_slot": "TIMESTAMPTZ",
}
_PG_INSERT = text(
    f"INSERT INTO deliveries ({', '.join(_PG_COLUMNS)}) SELECT * FROM {pg_unnest(_PG_COLUMNS)}"
    " ON CONFLICT (chat_id, story_id) DO NOTHING RETURNING id"
)


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

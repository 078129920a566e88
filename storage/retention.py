"""Retention: delete releases first seen before a cutoff, in small batches, each its own transaction.

Stories are pruned whole. An item older than the cutoff is kept while its story still has an item first
seen after the cutoff, or a pending outbox row: story ids are the id of the story's first item, and newer
items (``items.story_id``) and the outbox's one-alert-per-story key (``UNIQUE(chat_id, story_id)``) refer
to it. Deleting the first item of a live story would free that key and let a late copy alert again.

For every pruned item: its ``(feed_id, identity)`` is remembered in ``pruned_identities`` (so the feed
listing it again stores nothing), its search-index entry, its sent or cancelled outbox rows and its match
queue row (an item pruned before it was matched) are deleted. On PostgreSQL no foreign key does the last
two (migration 20), so this is the one place that deletes items it has not just inserted.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, select, tuple_

from feeds.models import DeliveryStatus
from feeds.retention import PruneResult
from storage import search_index
from storage.db.convert import story_of
from storage.db.dialect import chunks, upsert
from storage.db.tables import deliveries, items, match_queue, pruned_identities

logger = logging.getLogger(__name__)

Cursor = tuple[datetime, int]


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    """One batch: its counts, where the next batch starts (None: done), and the stories it decided."""

    result: PruneResult
    cursor: Cursor | None
    stories: frozenset[int]


def prune_batch(
    conn: Connection,
    before: datetime,
    *,
    after: Cursor | None,
    limit: int,
    dry_run: bool,
    done: Collection[int] = frozenset(),
) -> BatchOutcome:
    """Prune the stories of the next ``limit`` items first seen before ``before`` (ordered by first seen, id).

    ``done``: stories decided by earlier batches of this run (kept ones, and in a dry run all: skip them)."""
    candidates = _candidates(conn, before, after, limit)
    if not candidates:
        return BatchOutcome(PruneResult(), None, frozenset())
    stories = {story for _, _, story in candidates if story not in done}
    members = _members(conn, stories)
    alive = {story for _, story, seen, _, _ in members if seen >= before} | _pending(conn, members)
    doomed = [m for m in members if m[1] not in alive]
    kept = sum(1 for m in members if m[1] in alive and m[2] < before)
    cursor = (candidates[-1][1], candidates[-1][0])
    if dry_run:
        result = PruneResult(len(doomed), len(doomed), _count_deliveries(conn, doomed), len(doomed), kept, 1)
    else:
        result = _delete(conn, doomed, kept)
    return BatchOutcome(result, cursor, frozenset(stories))


def _candidates(conn: Connection, before: datetime, after: Cursor | None, limit: int) -> list[Any]:
    stmt = select(items.c.id, items.c.first_seen_at, story_of).where(items.c.first_seen_at < before)
    if after is not None:
        stmt = stmt.where(tuple_(items.c.first_seen_at, items.c.id) > tuple_(*after))
    return list(conn.execute(stmt.order_by(items.c.first_seen_at, items.c.id).limit(limit)))


Member = tuple[int, int, datetime, int, str]  # id, story, first seen, feed id, identity


def _members(conn: Connection, stories: set[int]) -> list[Member]:
    """Every item of these stories (the first item, and those pointing at it)."""
    found: dict[int, Member] = {}
    cols = (items.c.id, story_of, items.c.first_seen_at, items.c.feed_id, items.c.identity)
    for part in chunks(sorted(stories)):
        for where in (items.c.id.in_(part), items.c.story_id.in_(part)):
            for row in conn.execute(select(*cols).where(where)):
                found[row[0]] = (row[0], row[1], row[2], row[3], row[4])
    return list(found.values())


def _pending(conn: Connection, members: Sequence[Member]) -> set[int]:
    """Stories with a pending outbox row for one of their items."""
    story_by_item = {m[0]: m[1] for m in members}
    pending: set[int] = set()
    for part in chunks(sorted(story_by_item)):
        stmt = select(deliveries.c.item_id).where(
            deliveries.c.item_id.in_(part), deliveries.c.status == DeliveryStatus.PENDING.value
        )
        pending.update(story_by_item[item_id] for item_id in conn.execute(stmt).scalars())
    return pending


def _count_deliveries(conn: Connection, doomed: Sequence[Member]) -> int:
    total = 0
    for part in chunks(sorted(m[0] for m in doomed)):
        stmt = select(deliveries.c.id).where(deliveries.c.item_id.in_(part))
        total += len(conn.execute(stmt).all())
    return total


def _delete(conn: Connection, doomed: Sequence[Member], kept: int) -> PruneResult:
    """Remember the identities, then delete index entries, outbox rows, the items and their queue rows
    (after the items, as a cascade would: a match worker holding a queue row skipped or locked its item)."""
    ids = sorted(m[0] for m in doomed)
    identities = [{"feed_id": m[3], "identity": m[4]} for m in doomed]
    for rows in chunks(identities):
        conn.execute(upsert(conn, pruned_identities).on_conflict_do_nothing(), list(rows))
    entries = search_index.remove(conn, ids)
    removed_deliveries = removed_items = 0
    for part in chunks(ids):
        removed_deliveries += conn.execute(delete(deliveries).where(deliveries.c.item_id.in_(part))).rowcount
        removed_items += conn.execute(delete(items).where(items.c.id.in_(part))).rowcount
        conn.execute(delete(match_queue).where(match_queue.c.item_id.in_(part)))
    return PruneResult(removed_items, entries, removed_deliveries, len(identities), kept, 1)

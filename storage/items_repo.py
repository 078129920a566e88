"""Items: idempotent batch insert with story assignment and search tokens; reads."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    Select,
    bindparam,
    column,
    delete,
    exists,
    func,
    insert,
    select,
    table,
    text,
    update,
)
from sqlalchemy.dialects import sqlite

from feeds.clustering import Known, pick_story
from feeds.eligibility import new_on_first_poll
from feeds.models import Item, NewItem
from feeds.search import index_tokens
from feeds.trends import count_moment
from storage import search_index
from storage.db.convert import item_select, story_of, to_item
from storage.db.dialect import chunks, pg_unnest
from storage.db.tables import feeds, items, match_queue, pruned_identities
from storage.db.types import as_utc
from storage.stories import lock_story_keys, stored_candidates

logger = logging.getLogger(__name__)
KEEP_ITEMS = timedelta(days=365)
"""``[storage] keep_items`` unless the store is told otherwise."""
_ANY_PRUNED = (
    select(pruned_identities.c.identity).where(pruned_identities.c.feed_id == bindparam("feed_id")).limit(1)
)
_PG_COLUMNS = {
    "identity": "TEXT",
    "story_id": "BIGINT",
    "link": "TEXT",
    "title": "TEXT",
    "body": "TEXT",
    "summary": "TEXT",
    "published_at": "TIMESTAMPTZ",
    "first_seen_at": "TIMESTAMPTZ",
    "counted_at": "TIMESTAMPTZ",
    "backlog": "BOOLEAN",
    "dateline_place": "TEXT",
    "dateline_date": "TEXT",
    "dateline_wire": "TEXT",
    "title_fingerprint": "TEXT",
    "body_fingerprint": "TEXT",
    "language": "TEXT",
}
_PG_INSERT = text(
    f"INSERT INTO items (feed_id, {', '.join(_PG_COLUMNS)}) SELECT :feed_id, * FROM {pg_unnest(_PG_COLUMNS)}"
    " ON CONFLICT (feed_id, identity) DO NOTHING RETURNING id, identity"
)
_TIMES = [name for name, kind in _PG_COLUMNS.items() if kind == "TIMESTAMPTZ"]
_SQLITE_ITEMS = table("items", *map(column, ["id", "feed_id", *_PG_COLUMNS]))
_SQLITE_INSERT = (
    sqlite.insert(_SQLITE_ITEMS)
    .on_conflict_do_nothing(index_elements=["feed_id", "identity"])
    .returning(_SQLITE_ITEMS.c.id, _SQLITE_ITEMS.c.identity)
)
"""SQLite: the items INSERT built once, over untyped columns, its times given as stored (``_sqlite_time``):
SQLAlchemy's per-value type processing of three times a row cost more than SQLite's insert itself."""
_PG_QUEUE = text("INSERT INTO match_queue (item_id) SELECT unnest(CAST(:ids AS BIGINT[]))")


def add_items(
    conn: Connection,
    feed_id: int,
    batch: Sequence[NewItem],
    window: timedelta,
    first_poll: bool = False,
    keep_items: timedelta = KEEP_ITEMS,
) -> list[Item]:
    """Insert ``ON CONFLICT (feed_id, identity) DO NOTHING``; assign stories; index; return the new items.

    ``first_poll``: the items are a new feed's backlog and are not queued for matching (never alerted),
    except those ``feeds.eligibility.new_on_first_poll`` finds published after the feed was added. Each
    item counts on ``feeds.trends.count_moment`` (``keep_items``: ``[storage] keep_items``)."""
    unique = list({item.identity: item for item in reversed(batch)}.values())[::-1]  # first one wins
    if not first_poll:  # a first poll finds nothing stored; a later one mostly finds its items there
        unique = _not_stored(conn, feed_id, unique)
    if not unique:
        return []
    feed = conn.execute(select(feeds.c.name, feeds.c.created_at).where(feeds.c.id == feed_id)).one()
    news = {item.identity: not first_poll or new_on_first_poll(item, feed.created_at) for item in unique}
    lock_story_keys(conn, unique)
    candidates = stored_candidates(conn, unique, window)
    stories = [pick_story(item, candidates, window) for item in unique]
    rows = [
        _row(feed_id, item, story, keep_items, backlog=not news[item.identity])
        for item, story in zip(unique, stories, strict=True)
    ]
    ids = _forget_pruned(conn, feed_id, _insert(conn, feed_id, rows))
    new = [
        (ids[item.identity], item, story)
        for item, story in zip(unique, stories, strict=True)
        if item.identity in ids
    ]
    new = _cluster_within_batch(conn, new, window)
    _queue(conn, [i for i, item, _ in new if news[item.identity]])
    counted = {row["identity"]: row["counted_at"] for row in rows}
    search_index.add(
        conn,
        [
            search_index.IndexRow(
                i,
                item.first_seen_at,
                counted[item.identity],
                not news[item.identity],
                item.search_tokens or index_tokens(item.title, item.body),
                item.search_lexemes if item.search_tokens else "",
            )
            for i, item, _ in new
        ],
    )
    logger.debug("items_added feed_id=%s offered=%s new=%s", feed_id, len(batch), len(new))
    return [_item(item_id, feed_id, feed.name, item, story) for item_id, item, story in new]


def _not_stored(conn: Connection, feed_id: int, batch: list[NewItem]) -> list[NewItem]:
    """The items whose identity the feed does not have yet: a feed answering 200 with what it served before
    costs one index probe, not story locks, candidate lookups and a conflicting insert of every item."""
    stored: set[str] = set()
    for part in chunks([item.identity for item in batch]):
        stmt = select(items.c.identity).where(items.c.feed_id == feed_id, items.c.identity.in_(part))
        stored.update(conn.execute(stmt).scalars())
    return [item for item in batch if item.identity not in stored] if stored else batch


def _insert(conn: Connection, feed_id: int, rows: list[dict[str, Any]]) -> dict[str, int]:
    """Insert the rows, skipping identities the feed already has; returns {identity: id} of the new ones.

    PostgreSQL: one statement of arrays (``unnest``), whose text never changes: the driver parses it once
    and the server prepares it once, where a multi-row VALUES of ~700 parameters was parsed and planned
    anew for every feed. SQLite: ``_SQLITE_INSERT``, times as stored."""
    if conn.dialect.name == "postgresql":
        params: dict[str, Any] = {"feed_id": feed_id}
        for name, kind in _PG_COLUMNS.items():
            values = [row[name] for row in rows]
            params[name] = [as_utc(value) for value in values] if kind == "TIMESTAMPTZ" else values
        return {row.identity: row.id for row in conn.execute(_PG_INSERT, params)}
    stored = [{**row, **{name: _sqlite_time(row[name]) for name in _TIMES}} for row in rows]
    return {row.identity: row.id for row in conn.execute(_SQLITE_INSERT, stored)}


def _sqlite_time(value: datetime) -> str:
    """A UTC time as SQLAlchemy's SQLite ``DateTime`` stores it (``2026-01-27 09:00:00.000000``); naive times
    are refused (``as_utc``)."""
    if value.tzinfo is not UTC:
        value = as_utc(value)
    return value.isoformat(" ", "microseconds")[:26]  # without the "+00:00"


def _queue(conn: Connection, item_ids: list[int]) -> None:
    """Queue the items for the match stage: a statement per chunk (PostgreSQL: one array), not one a row."""
    if not item_ids:
        return
    if conn.dialect.name == "postgresql":
        conn.execute(_PG_QUEUE, {"ids": item_ids})
        return
    for part in chunks(item_ids):
        conn.execute(insert(match_queue).values([{"item_id": item_id} for item_id in part]))


def _forget_pruned(conn: Connection, feed_id: int, ids: dict[str, int]) -> dict[str, int]:
    """Delete again the just-inserted items whose identity retention remembers; return the others.

    Checked after the insert, not before: it costs nothing when nothing is new, and on PostgreSQL it also
    sees a prune that committed while this insert waited on the row it deleted. A feed retention never
    pruned (every feed until its items age out) costs one primary-key probe, not a lookup per identity."""
    if not ids or conn.execute(_ANY_PRUNED, {"feed_id": feed_id}).first() is None:
        return ids
    pruned: set[str] = set()
    for part in chunks(sorted(ids)):
        stmt = select(pruned_identities.c.identity).where(
            pruned_identities.c.feed_id == feed_id, pruned_identities.c.identity.in_(part)
        )
        pruned.update(conn.execute(stmt).scalars())
    if not pruned:
        return ids
    for doomed in chunks(sorted(ids[identity] for identity in pruned)):
        conn.execute(delete(items).where(items.c.id.in_(doomed)))
    logger.debug("items_pruned_before feed_id=%s skipped=%s", feed_id, len(pruned))
    return {identity: item_id for identity, item_id in ids.items() if identity not in pruned}


def _row(
    feed_id: int, item: NewItem, story: int | None, keep_items: timedelta, backlog: bool
) -> dict[str, Any]:
    return {
        "feed_id": feed_id,
        "identity": item.identity,
        "story_id": story,
        "link": item.link,
        "title": item.title,
        "body": item.body,
        "summary": item.summary,
        "published_at": item.published_at,
        "first_seen_at": item.first_seen_at,
        "counted_at": count_moment(item.published_at, item.first_seen_at, keep_items),
        "backlog": backlog,
        "dateline_place": item.dateline.place,
        "dateline_date": item.dateline.date,
        "dateline_wire": item.dateline.wire,
        "title_fingerprint": item.title_fingerprint,
        "body_fingerprint": item.body_fingerprint,
        "language": item.language,
    }


NewRow = tuple[int, NewItem, int | None]


def _cluster_within_batch(conn: Connection, new: list[NewRow], window: timedelta) -> list[NewRow]:
    """A new item with no stored story may join an earlier new item of the same batch."""
    done: list[NewRow] = []
    moved: list[dict[str, int]] = []
    seen: dict[str, list[Known]] = {}  # earlier new items by link and by title fingerprint
    for item_id, item, story in new:
        if story is None:
            earlier = seen.get(f"l:{item.link}", []) + seen.get(f"t:{item.title_fingerprint}", [])
            story = pick_story(item, earlier, window)
            if story is not None:
                moved.append({"b_id": item_id, "b_story": story})
        known = Known(
            story if story is not None else item_id,
            item.link,
            item.title_fingerprint,
            item.body_fingerprint,
            item.first_seen_at,
        )
        if item.link:
            seen.setdefault(f"l:{item.link}", []).append(known)
        if item.title_fingerprint:
            seen.setdefault(f"t:{item.title_fingerprint}", []).append(known)
        done.append((item_id, item, story))
    if moved:
        stmt = update(items).where(items.c.id == bindparam("b_id")).values(story_id=bindparam("b_story"))
        conn.execute(stmt, moved)
    return done


def _item(item_id: int, feed_id: int, feed_name: str, item: NewItem, story: int | None) -> Item:
    return Item(
        id=item_id,
        feed_id=feed_id,
        feed_name=feed_name,
        story_id=story if story is not None else item_id,
        identity=item.identity,
        link=item.link,
        title=item.title,
        body=item.body,
        summary=item.summary,
        published_at=item.published_at,
        first_seen_at=item.first_seen_at,
        dateline=item.dateline,
        language=item.language,
    )


def unmatched_items(conn: Connection, limit: int) -> list[Item]:
    """Items not yet matched, oldest first."""
    return [to_item(row) for row in conn.execute(_queued(conn, limit, lock=False))]


def claim_unmatched(conn: Connection, limit: int) -> list[Item]:
    """Unmatched items, oldest first, locked for this transaction (PostgreSQL): their ``match_queue`` rows,
    so concurrent match workers take different batches, and the items themselves, so a story merge waits
    until they are recorded. Both with ``SKIP LOCKED``: an item another transaction holds (retention
    deleting it, which then deletes its queue row and waits for ours) stays queued for a later batch, and
    no two transactions wait for each other. The locks end with the transaction, also when the worker dies."""
    return [to_item(row) for row in conn.execute(_queued(conn, limit, lock=True))]


def _queued(conn: Connection, limit: int, *, lock: bool) -> Select[Any]:
    # Only rows whose item exists: on PostgreSQL no foreign key removes the row of an item deleted by hand
    # (migration 20), and such a row must not stay at the head of every claim.
    stored = exists().where(items.c.id == match_queue.c.item_id)
    head = select(match_queue.c.item_id).where(stored).order_by(match_queue.c.item_id).limit(limit)
    if lock:
        head = head.with_for_update(skip_locked=True)
    stmt = item_select().where(items.c.id.in_(head)).order_by(items.c.id)
    postgres = lock and conn.dialect.name == "postgresql"
    return stmt.with_for_update(of=items, skip_locked=True) if postgres else stmt


def dequeue(conn: Connection, item_ids: Sequence[int]) -> None:
    """The items are matched: out of the queue (their wide rows are not touched)."""
    for part in chunks(sorted(set(item_ids))):
        conn.execute(delete(match_queue).where(match_queue.c.item_id.in_(part)))


def matched_since(conn: Connection, since: datetime, limit: int) -> list[Item]:
    """Items already through the matcher and first seen after ``since``, oldest first (for a subscription
    that another process made while they were being matched)."""
    stmt = (
        item_select()
        .where(items.c.first_seen_at > since, ~exists().where(match_queue.c.item_id == items.c.id))
        .order_by(items.c.id)
        .limit(limit)
    )
    return [to_item(row) for row in conn.execute(stmt)]


def get_item(conn: Connection, item_id: int) -> Item | None:
    """One item."""
    row = conn.execute(item_select().where(items.c.id == item_id)).first()
    return None if row is None else to_item(row)


def story_sources(conn: Connection, story_id: int) -> list[tuple[str, str | None]]:
    """(feed name, link) of every item of the story, first seen first."""
    stmt = (
        select(feeds.c.name, items.c.link)
        .join_from(items, feeds, items.c.feed_id == feeds.c.id)
        .where((items.c.id == story_id) | (items.c.story_id == story_id))
        .where(story_of == story_id)
        .order_by(items.c.first_seen_at, items.c.id)
    )
    return [(row.name, row.link) for row in conn.execute(stmt)]


def count_items(conn: Connection) -> int:
    """How many items."""
    return int(conn.execute(select(func.count()).select_from(items)).scalar_one())

"""Feeds added from chat, the CLI or OPML: add, remove (items kept), look up, pause after days of failure."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, func, select, update

from feeds.models import FeedOrigin, FeedState
from feeds.sources import canonical_feed_url, clean_feed_name
from feeds.values import DuplicateFeedError
from storage.db.convert import to_feed
from storage.db.tables import feeds


def add_feed(
    conn: Connection,
    name: str,
    url: str,
    interval_seconds: int,
    *,
    origin: FeedOrigin,
    now: datetime,
    added_by_chat: int | None = None,
) -> FeedState:
    """Insert an enabled feed, due now; ``DuplicateFeedError`` for a taken name or the same canonical URL.

    A removed (disabled) feed that did not come from the config gives its name back: it is revived with the
    new URL and treated as new (its next successful poll is a first one)."""
    name = clean_feed_name(name)
    if origin is FeedOrigin.CONFIG:
        raise ValueError("config feeds are managed by sync_feeds")
    same_url = find_by_url(conn, url)
    if same_url is not None:
        raise DuplicateFeedError(same_url, "url")
    values = {
        "url": url.strip(),
        "interval_seconds": interval_seconds,
        "enabled": True,
        "origin": origin.value,
        "added_by_chat": added_by_chat,
        "etag": None,
        "last_modified": None,
        "last_success_at": None,
        "last_error_at": None,
        "last_error": None,
        "consecutive_failures": 0,
        "failing_since": None,
        "paused_at": None,
        "owner_told_at": None,
        "next_poll_at": now,
        "updated_at": now,
    }
    taken = conn.execute(select(feeds).where(func.lower(feeds.c.name) == name.lower())).first()
    if taken is not None:
        if taken.enabled or taken.origin == FeedOrigin.CONFIG.value:
            raise DuplicateFeedError(to_feed(taken), "name")
        conn.execute(update(feeds).where(feeds.c.id == taken.id).values(name=name, **values))
        feed_id = int(taken.id)
    else:
        result = conn.execute(
            feeds.insert().values(name=name, created_at=now, **values).returning(feeds.c.id)
        )
        feed_id = int(result.scalar_one())
    found = get_feed(conn, feed_id)
    assert found is not None
    return found


def remove_feed(conn: Connection, feed_id: int, now: datetime) -> FeedState | None:
    """Disable a feed that is not from the config (its items stay); returns it, or None if there is none.

    ``ValueError`` for a config feed: those are managed in ``config.toml``."""
    feed = get_feed(conn, feed_id)
    if feed is None or not _enabled(conn, feed_id):
        return None
    if feed.origin is FeedOrigin.CONFIG:
        raise ValueError(f"feed {feed.name!r} comes from the config file; remove it there")
    conn.execute(update(feeds).where(feeds.c.id == feed_id).values(enabled=False, updated_at=now))
    return feed


def _enabled(conn: Connection, feed_id: int) -> bool:
    return bool(conn.execute(select(feeds.c.enabled).where(feeds.c.id == feed_id)).scalar_one_or_none())


def get_feed(conn: Connection, feed_id: int) -> FeedState | None:
    """One feed by id (enabled or not)."""
    row = conn.execute(select(feeds).where(feeds.c.id == feed_id)).first()
    return None if row is None else to_feed(row)


def find_by_name(conn: Connection, name: str) -> FeedState | None:
    """An enabled feed by name (case-insensitive)."""
    key = " ".join(name.split()).casefold()
    rows = conn.execute(select(feeds).where(feeds.c.enabled.is_(True)))
    return next((to_feed(row) for row in rows if row.name.casefold() == key), None)


def find_by_url(conn: Connection, url: str) -> FeedState | None:
    """An enabled feed whose URL has the same canonical form as ``url``."""
    key = canonical_feed_url(url)
    rows = conn.execute(select(feeds).where(feeds.c.enabled.is_(True)).order_by(feeds.c.id))
    return next((to_feed(row) for row in rows if canonical_feed_url(row.url) == key), None)


def count_added_by(conn: Connection, chat_id: int) -> int:
    """Enabled feeds that this chat added."""
    stmt = select(func.count()).where(feeds.c.enabled.is_(True), feeds.c.added_by_chat == chat_id)
    return int(conn.execute(stmt).scalar_one())


def pause_failing(conn: Connection, now: datetime, after: timedelta) -> list[FeedState]:
    """Pause chat feeds failing without a success for ``after``; returns the feeds paused now."""
    stmt = (
        update(feeds)
        .where(
            feeds.c.enabled.is_(True),
            feeds.c.origin == FeedOrigin.CHAT.value,
            feeds.c.paused_at.is_(None),
            feeds.c.failing_since <= now - after,
        )
        .values(paused_at=now, owner_told_at=None, updated_at=now)
        .returning(feeds.c.id)
    )
    ids = [int(i) for i in conn.execute(stmt).scalars()]
    return [f for f in (get_feed(conn, i) for i in sorted(ids)) if f is not None]


def untold_pauses(conn: Connection) -> list[FeedState]:
    """Paused feeds whose adding chat has not been told yet."""
    stmt = select(feeds).where(
        feeds.c.enabled.is_(True), feeds.c.paused_at.is_not(None), feeds.c.owner_told_at.is_(None)
    )
    return [to_feed(row) for row in conn.execute(stmt.order_by(feeds.c.id))]


def mark_owner_told(conn: Connection, feed_id: int, at: datetime) -> bool:
    """Record that the adding chat was told about the pause; False if it was told already."""
    stmt = (
        update(feeds)
        .where(feeds.c.id == feed_id, feeds.c.owner_told_at.is_(None))
        .values(owner_told_at=at)
        .returning(feeds.c.id)
    )
    return conn.execute(stmt).first() is not None


def resume_feed(conn: Connection, feed_id: int, now: datetime) -> bool:
    """Unpause a feed and poll it now (its failure streak starts afresh); False if it was not paused."""
    stmt = (
        update(feeds)
        .where(feeds.c.id == feed_id, feeds.c.paused_at.is_not(None))
        .values(paused_at=None, owner_told_at=None, failing_since=None, next_poll_at=now, updated_at=now)
        .returning(feeds.c.id)
    )
    return conn.execute(stmt).first() is not None

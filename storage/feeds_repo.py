"""Feeds: configuration sync, due feeds, fetch bookkeeping (adding and removing: ``feed_sources_repo``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, case, func, select, update

from feeds.models import FeedOrigin, FeedSpec, FeedState
from storage.convert import to_feed
from storage.dialect import upsert
from storage.tables import feeds


def sync_feeds(conn: Connection, specs: Sequence[FeedSpec], now: datetime) -> list[FeedState]:
    """Upsert by name; a changed URL forgets validators and polls now; unlisted config feeds are disabled.

    Feeds from chat, the CLI or OPML are never disabled here; a config feed named like one of them takes
    it over (the file wins: the feed becomes a config feed)."""
    names = [spec.name for spec in specs]
    if len(set(names)) != len(names):
        raise ValueError("feed names must be unique")
    if specs:
        stmt = upsert(conn, feeds)
        url_changed = feeds.c.url != stmt.excluded.url
        stmt = stmt.on_conflict_do_update(
            index_elements=[feeds.c.name],
            set_={
                "url": stmt.excluded.url,
                "interval_seconds": stmt.excluded.interval_seconds,
                "enabled": True,
                "origin": FeedOrigin.CONFIG.value,
                "paused_at": None,
                "etag": case((url_changed, None), else_=feeds.c.etag),
                "last_modified": case((url_changed, None), else_=feeds.c.last_modified),
                "next_poll_at": case((url_changed, stmt.excluded.next_poll_at), else_=feeds.c.next_poll_at),
                "updated_at": stmt.excluded.updated_at,
            },
        )
        rows = [_new_feed(spec, now) for spec in specs]
        conn.execute(stmt, rows)
    disable = (
        update(feeds)
        .where(feeds.c.enabled.is_(True), feeds.c.origin == FeedOrigin.CONFIG.value)
        .values(enabled=False, updated_at=now)
    )
    if names:
        disable = disable.where(feeds.c.name.not_in(names))
    conn.execute(disable)
    return list_feeds(conn)


def _new_feed(spec: FeedSpec, now: datetime) -> dict[str, object]:
    return {
        "name": spec.name,
        "url": spec.url,
        "interval_seconds": spec.interval_seconds,
        "enabled": True,
        "consecutive_failures": 0,
        "next_poll_at": now,
        "created_at": now,
        "updated_at": now,
        "origin": FeedOrigin.CONFIG.value,
    }


def list_feeds(conn: Connection) -> list[FeedState]:
    """Enabled feeds by name."""
    rows = conn.execute(select(feeds).where(feeds.c.enabled.is_(True)).order_by(feeds.c.name))
    return [to_feed(row) for row in rows]


def due_feeds(conn: Connection, now: datetime, limit: int | None) -> list[FeedState]:
    """Enabled, unpaused feeds with ``next_poll_at <= now``, most overdue first."""
    stmt = (
        select(feeds)
        .where(feeds.c.enabled.is_(True), feeds.c.paused_at.is_(None), feeds.c.next_poll_at <= now)
        .order_by(feeds.c.next_poll_at, feeds.c.id)
        .limit(limit)
    )
    return [to_feed(row) for row in conn.execute(stmt)]


def claim_due_feeds(conn: Connection, now: datetime, lease_until: datetime, limit: int) -> list[FeedState]:
    """Take up to ``limit`` due feeds for one fetch worker: their ``next_poll_at`` moves to ``lease_until``.

    That is the lease: a worker that dies mid-poll leaves the feed due again when the lease ends, and no
    other worker takes it before. Recording the poll's outcome sets the real next poll. PostgreSQL skips
    rows another worker is claiming (``FOR UPDATE SKIP LOCKED``); SQLite has one writer at a time."""
    due = (
        select(feeds.c.id)
        .where(feeds.c.enabled.is_(True), feeds.c.paused_at.is_(None), feeds.c.next_poll_at <= now)
        .order_by(feeds.c.next_poll_at, feeds.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list(conn.execute(due).scalars())
    if not ids:
        return []
    claimed = [to_feed(row) for row in conn.execute(select(feeds).where(feeds.c.id.in_(ids)))]
    conn.execute(update(feeds).where(feeds.c.id.in_(ids)).values(next_poll_at=lease_until))
    return sorted(claimed, key=lambda feed: (feed.next_poll_at, feed.id))


def next_due_at(conn: Connection) -> datetime | None:
    """When the next enabled, unpaused feed is due (or its claim's lease ends); None without feeds."""
    stmt = select(func.min(feeds.c.next_poll_at)).where(
        feeds.c.enabled.is_(True), feeds.c.paused_at.is_(None)
    )
    value: datetime | None = conn.execute(stmt).scalar_one_or_none()
    return value


def record_fetch_success(
    conn: Connection,
    feed_id: int,
    *,
    at: datetime,
    next_poll_at: datetime,
    etag: str | None,
    last_modified: str | None,
    new_url: str | None,
) -> None:
    """Validators stored, failures reset, next poll scheduled; the URL replaced after a permanent redirect."""
    values: dict[str, object] = {
        "etag": etag,
        "last_modified": last_modified,
        "last_success_at": at,
        "consecutive_failures": 0,
        "failing_since": None,
        "next_poll_at": next_poll_at,
        "updated_at": at,
    }
    if new_url is not None:
        values["url"] = new_url
    result = conn.execute(update(feeds).where(feeds.c.id == feed_id).values(**values).returning(feeds.c.id))
    if result.first() is None:
        raise LookupError(f"no feed {feed_id}")


def record_fetch_failure(
    conn: Connection, feed_id: int, *, at: datetime, error: str, next_poll_at: datetime
) -> int:
    """Error stored, failures bumped (returned), retry scheduled."""
    stmt = (
        update(feeds)
        .where(feeds.c.id == feed_id)
        .values(
            last_error=error,
            last_error_at=at,
            consecutive_failures=feeds.c.consecutive_failures + 1,
            failing_since=func.coalesce(feeds.c.failing_since, at),
            next_poll_at=next_poll_at,
            updated_at=at,
        )
        .returning(feeds.c.consecutive_failures)
    )
    failures = conn.execute(stmt).scalar_one_or_none()
    if failures is None:
        raise LookupError(f"no feed {feed_id}")
    return int(failures)

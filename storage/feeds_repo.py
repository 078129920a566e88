"""Feeds: config sync, claims of due feeds, fetch bookkeeping (adding and removing: ``feed_sources_repo``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Connection, case, delete, func, select, update

from feeds.models import DeliveryStatus, FeedOrigin, FeedSpec, FeedState
from feeds.values import FetchSuccess
from storage.db.convert import to_feed
from storage.db.dialect import upsert
from storage.db.tables import deliveries, feeds, worker_heartbeats


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


def claim_due_feeds(
    conn: Connection, now: datetime, lease_until: datetime, limit: int, owner: str | None = None
) -> list[FeedState]:
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
    claim = update(feeds).where(feeds.c.id.in_(ids))
    conn.execute(claim.values(next_poll_at=lease_until, claimed_by=owner))
    return sorted(claimed, key=lambda feed: (feed.next_poll_at, feed.id))


def next_due_at(conn: Connection) -> datetime | None:
    """When the next enabled, unpaused feed is due (or its claim's lease ends); None without feeds."""
    stmt = select(func.min(feeds.c.next_poll_at)).where(
        feeds.c.enabled.is_(True), feeds.c.paused_at.is_(None)
    )
    value: datetime | None = conn.execute(stmt).scalar_one_or_none()
    return value


def record_success(conn: Connection, feed_id: int, success: FetchSuccess) -> None:
    """Validators stored, failures reset, next poll scheduled; the URL replaced after a permanent redirect;
    the body digest replaced when the success carries one."""
    values: dict[str, object] = {
        "etag": success.etag,
        "last_modified": success.last_modified,
        "last_success_at": success.at,
        "consecutive_failures": 0,
        "failing_since": None,
        "next_poll_at": success.next_poll_at,
        "updated_at": success.at,
        "claimed_by": None,
    }
    if success.new_url is not None:
        values["url"] = success.new_url
    if success.body_digest is not None:
        values["body_digest"] = success.body_digest
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
            claimed_by=None,
        )
        .returning(feeds.c.consecutive_failures)
    )
    failures = conn.execute(stmt).scalar_one_or_none()
    if failures is None:
        raise LookupError(f"no feed {feed_id}")
    return int(failures)


def renew_feed_claims(conn: Connection, owner: str, lease_until: datetime) -> int:
    """Extend the lease of every feed ``owner`` is polling (a slow feed stays its own)."""
    stmt = update(feeds).where(feeds.c.claimed_by == owner).values(next_poll_at=lease_until)
    return int(conn.execute(stmt).rowcount)


def release_feed_claims(conn: Connection, owner: str, now: datetime) -> int:
    """``owner`` stops: the feeds it was polling are due now for any other claimer. Returns how many."""
    stmt = update(feeds).where(feeds.c.claimed_by == owner).values(next_poll_at=now, claimed_by=None)
    return int(conn.execute(stmt).rowcount)


def release_dead_claims(conn: Connection, now: datetime) -> tuple[int, int]:
    """After a crash of the only process (SQLite): feeds it was polling are due now, alerts it was
    sending are pending again. Returns (feeds, alerts)."""
    polled = update(feeds).where(feeds.c.claimed_by.is_not(None))
    feeds_back = conn.execute(polled.values(next_poll_at=now, claimed_by=None)).rowcount
    sending = update(deliveries).where(deliveries.c.status == DeliveryStatus.SENDING.value)
    alerts_back = conn.execute(
        sending.values(status=DeliveryStatus.PENDING.value, claimed_by=None, lease_until=None)
    ).rowcount
    return int(feeds_back), int(alerts_back)


def worker_heartbeat(conn: Connection, owner: str, role: str, now: datetime, alive_within: timedelta) -> int:
    """Upsert ``owner``'s heartbeat; count the ``role`` workers alive within ``alive_within``."""
    stmt = upsert(conn, worker_heartbeats).values(owner=owner, role=role, beat_at=now)
    conn.execute(stmt.on_conflict_do_update(index_elements=["owner"], set_={"beat_at": now, "role": role}))
    alive = select(func.count()).where(
        worker_heartbeats.c.role == role, worker_heartbeats.c.beat_at >= now - alive_within
    )
    return int(conn.execute(alive).scalar_one())


def forget_worker(conn: Connection, owner: str) -> None:
    """Remove ``owner``'s heartbeat."""
    conn.execute(delete(worker_heartbeats).where(worker_heartbeats.c.owner == owner))

"""The fetch stage's side of feeds: claims of due feeds, fetch outcomes, worker heartbeats."""

from __future__ import annotations

from datetime import datetime, timedelta

from feeds.models import FeedState
from feeds.values import (
    FetchSuccess,
)
from storage import (
    feeds_repo,
)
from storage.db.engine import transaction
from storage.facade.base import StoreBase


class Fetching(StoreBase):
    """Due feeds, their claims (leases) and fetch outcomes; worker heartbeats."""

    def claim_due_feeds(
        self, now: datetime, lease_until: datetime, limit: int, owner: str | None = None
    ) -> list[FeedState]:
        """Take up to ``limit`` due feeds for fetch worker ``owner`` until ``lease_until`` (their next poll
        time moves there until the poll's outcome is recorded)."""
        with transaction(self._engine, write=True) as conn:
            return feeds_repo.claim_due_feeds(conn, now, lease_until, limit, owner)

    def renew_feed_claims(self, owner: str, lease_until: datetime) -> int:
        """Extend the leases of the feeds ``owner`` is polling."""
        with transaction(self._engine, write=True) as conn:
            return feeds_repo.renew_feed_claims(conn, owner, lease_until)

    def next_feed_due_at(self) -> datetime | None:
        """The earliest next poll (or lease end) of any enabled, unpaused feed."""
        with transaction(self._engine, write=False) as conn:
            return feeds_repo.next_due_at(conn)

    def record_fetch_success(
        self,
        feed_id: int,
        *,
        at: datetime,
        next_poll_at: datetime,
        etag: str | None,
        last_modified: str | None,
        new_url: str | None = None,
    ) -> None:
        """A 200 or 304: store validators, reset failures, schedule next poll; ``new_url`` after a 301/308."""
        with transaction(self._engine, write=True) as conn:
            success = FetchSuccess(at, next_poll_at, etag, last_modified, new_url)
            feeds_repo.record_success(conn, feed_id, success)

    def record_fetch_failure(self, feed_id: int, *, at: datetime, error: str, next_poll_at: datetime) -> int:
        """Store the error, bump and return ``consecutive_failures``, schedule the retry."""
        with transaction(self._engine, write=True) as conn:
            return feeds_repo.record_fetch_failure(
                conn, feed_id, at=at, error=error, next_poll_at=next_poll_at
            )

    def release_feed_claims(self, owner: str, now: datetime) -> int:
        """``owner`` stops: the feeds it polls are due at ``now`` for other claimers; returns how many."""
        with transaction(self._engine, write=True) as conn:
            return feeds_repo.release_feed_claims(conn, owner, now)

    def release_dead_claims(self, now: datetime) -> tuple[int, int]:
        """Only for a database no other process uses (SQLite, under the instance lock): whatever a
        crashed predecessor was polling or sending is free again. Returns (feeds, alerts)."""
        with transaction(self._engine, write=True) as conn:
            return feeds_repo.release_dead_claims(conn, now)

    def worker_heartbeat(self, owner: str, role: str, now: datetime, alive_within: timedelta) -> int:
        """Record that ``owner`` (a ``role`` worker) is alive; returns how many ``role`` workers beat
        within ``alive_within`` (this one included)."""
        with transaction(self._engine, write=True) as conn:
            return feeds_repo.worker_heartbeat(conn, owner, role, now, alive_within)

    def forget_worker(self, owner: str) -> None:
        """A worker stops: its heartbeat goes."""
        with transaction(self._engine, write=True) as conn:
            feeds_repo.forget_worker(conn, owner)

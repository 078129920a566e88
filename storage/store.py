"""The storage facade: one method per unit of work, each its own transaction; returns ``feeds`` models.

CONTRACT STUB — the storage implementation fills these bodies (it may split the work into modules under
``storage/`` and keep this class as the facade). Signatures are the interface the rest of the code uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from feeds.models import Chat, ChatKind, FeedSpec, FeedState, Item, NewItem, Subscription
from feeds.search import SearchExpr


class DuplicateSubscriptionError(Exception):
    """The chat already has a subscription with this query text (after whitespace normalization)."""

    def __init__(self, existing: Subscription) -> None:
        super().__init__(f"duplicate of subscription {existing.id}")
        self.existing = existing


@dataclass(frozen=True, slots=True)
class MatchRecord:
    """One match found by the matcher: this subscription (of this chat) matched this item."""

    item_id: int
    subscription_id: int
    chat_id: int


@dataclass(frozen=True, slots=True)
class PendingAlert:
    """A pending outbox row with everything needed to render and send it."""

    delivery_id: int
    chat_id: int
    chat_kind: ChatKind
    story_id: int
    item: Item
    subscription_id: int | None
    query: str | None
    attempts: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class StorySource:
    """One wire that carried a story."""

    feed_name: str
    link: str | None


class Store:
    """Typed access to the Wirewatch database (SQLite or PostgreSQL)."""

    @classmethod
    def open(cls, url: str) -> Store:
        """Connect, configure (SQLite: WAL, busy timeout, foreign keys) and migrate the schema."""
        raise NotImplementedError

    def close(self) -> None:
        """Dispose of the engine."""
        raise NotImplementedError

    # --- feeds -------------------------------------------------------------------------------------
    def sync_feeds(self, specs: Sequence[FeedSpec], now: datetime) -> list[FeedState]:
        """Upsert configured feeds by name (url/interval updated); feeds no longer configured are disabled.

        New feeds are due immediately (``next_poll_at = now``)."""
        raise NotImplementedError

    def list_feeds(self) -> list[FeedState]:
        """Every enabled feed, ordered by name."""
        raise NotImplementedError

    def due_feeds(self, now: datetime, limit: int | None = None) -> list[FeedState]:
        """Enabled feeds whose ``next_poll_at <= now``, most overdue first."""
        raise NotImplementedError

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
        raise NotImplementedError

    def record_fetch_failure(self, feed_id: int, *, at: datetime, error: str, next_poll_at: datetime) -> int:
        """Store the error, bump and return ``consecutive_failures``, schedule the retry."""
        raise NotImplementedError

    # --- items and stories -------------------------------------------------------------------------
    def add_items(self, feed_id: int, items: Sequence[NewItem], story_window: timedelta) -> list[Item]:
        """Insert items ``ON CONFLICT (feed_id, identity) DO NOTHING``; return only the newly inserted ones.

        Each new item gets a story id: that of an existing item (any feed) with the same canonical link, or
        with the same ``title_fingerprint`` and a near-identical ``body_fingerprint``
        (``feeds.clustering.same_story``) first seen within ``story_window``; else a new story.
        Also writes the item's search tokens (``feeds.search`` / query package) to the full-text index."""
        raise NotImplementedError

    def unmatched_items(self, limit: int) -> list[Item]:
        """Items not yet run through the matcher, oldest first."""
        raise NotImplementedError

    def record_matches(self, item_ids: Sequence[int], matches: Sequence[MatchRecord], now: datetime) -> int:
        """One transaction: enqueue deliveries and mark ``item_ids`` matched. Returns deliveries created.

        A delivery is created only when the subscription still exists and was created before the item was
        first seen, and the chat is active and not paused. ``UNIQUE(chat_id, story_id)``: conflicts are
        ignored (one alert per story per chat, ever)."""
        raise NotImplementedError

    def get_item(self, item_id: int) -> Item | None:
        """One item by id."""
        raise NotImplementedError

    def story_sources(self, story_id: int) -> list[StorySource]:
        """Every (feed name, link) that carried the story, first seen first."""
        raise NotImplementedError

    def recent_items(
        self,
        *,
        since: datetime,
        limit: int,
        candidates: SearchExpr | None = None,
        before_id: int | None = None,
    ) -> list[Item]:
        """Items first seen at or after ``since``, newest first (by id), at most ``limit``.

        With ``candidates``, only items whose search tokens satisfy the expression (FTS5 on SQLite, tsquery
        on PostgreSQL). ``before_id`` pages: only ids below it."""
        raise NotImplementedError

    def count_items(self) -> int:
        """How many items are stored."""
        raise NotImplementedError

    # --- chats and subscriptions -------------------------------------------------------------------
    def touch_chat(self, chat_id: int, kind: ChatKind) -> Chat:
        """Create the chat or mark it active again (it talked to us); returns it."""
        raise NotImplementedError

    def get_chat(self, chat_id: int) -> Chat | None:
        """One chat."""
        raise NotImplementedError

    def set_paused(self, chat_id: int, paused: bool) -> None:
        """Pause or resume alerts for a chat."""
        raise NotImplementedError

    def deactivate_chat(self, chat_id: int) -> int:
        """Mark a chat inactive (blocked, kicked, not found) and cancel its pending alerts; returns count."""
        raise NotImplementedError

    def migrate_chat(self, old_chat_id: int, new_chat_id: int, kind: ChatKind) -> None:
        """A group became a supergroup: move subscriptions and pending deliveries to the new id."""
        raise NotImplementedError

    def add_subscription(self, chat_id: int, query: str, now: datetime) -> Subscription:
        """Store a subscription; raises ``DuplicateSubscriptionError`` for the same query text in the chat."""
        raise NotImplementedError

    def list_subscriptions(self, chat_id: int) -> list[Subscription]:
        """A chat's subscriptions by id."""
        raise NotImplementedError

    def count_subscriptions(self, chat_id: int) -> int:
        """How many subscriptions a chat holds."""
        raise NotImplementedError

    def remove_subscription(self, chat_id: int, subscription_id: int) -> Subscription | None:
        """Delete by id within the chat; returns what was deleted, or None."""
        raise NotImplementedError

    def remove_subscription_by_query(self, chat_id: int, query: str) -> Subscription | None:
        """Delete by exact query text (whitespace-normalized) within the chat."""
        raise NotImplementedError

    def all_subscriptions(self) -> list[Subscription]:
        """Every subscription (for building the match index)."""
        raise NotImplementedError

    # --- deliveries (outbox) -----------------------------------------------------------------------
    def pending_alerts(self, now: datetime, limit: int) -> list[PendingAlert]:
        """Pending deliveries whose ``not_before`` has passed, oldest first, active chats only."""
        raise NotImplementedError

    def mark_sent(self, delivery_ids: Sequence[int], at: datetime) -> None:
        """Telegram acknowledged these."""
        raise NotImplementedError

    def mark_retry(self, delivery_ids: Sequence[int], *, not_before: datetime, error: str) -> None:
        """Keep the rows pending, bump attempts, try again no earlier than ``not_before``."""
        raise NotImplementedError

    def count_pending(self, chat_id: int | None = None) -> int:
        """Pending deliveries, for one chat or all."""
        raise NotImplementedError

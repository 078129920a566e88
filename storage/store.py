"""The storage facade: one method per unit of work, each its own transaction; returns ``feeds`` models.

The work itself lives in the repository modules (``feeds_repo``, ``items_repo``, ``search_index``,
``chats_repo``, ``chat_migration``, ``outbox_repo``); this class opens the transactions.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

from sqlalchemy import Engine

from feeds.models import Chat, ChatKind, FeedSpec, FeedState, Item, NewItem, Subscription
from feeds.search import SearchExpr
from storage import chat_migration, chats_repo, feeds_repo, items_repo, outbox_repo, search_index
from storage.engine import make_engine, transaction
from storage.migrations import migrate
from storage.values import (
    DueDigest,
    DuplicateSubscriptionError,
    MatchRecord,
    PendingAlert,
    StorySource,
    VolumeCounts,
)
from storage.volume_store import VolumeStore, to_pending_alert

__all__ = [
    "DueDigest",
    "DuplicateSubscriptionError",
    "MatchRecord",
    "PendingAlert",
    "Store",
    "StorySource",
    "VolumeCounts",
]


class Store(VolumeStore):
    """Typed access to the Wirewatch database (SQLite or PostgreSQL).

    ``default_zone`` (IANA name) is the zone of chats that have not chosen one (``[chat]
    default_timezone``): digest slots and quiet hours are decided in it."""

    def __init__(self, engine: Engine, *, default_zone: str = "UTC") -> None:
        self._engine = engine
        self._default_zone = default_zone

    @classmethod
    def open(cls, url: str, *, schema: str | None = None, default_zone: str = "UTC") -> Store:
        """Connect, configure (SQLite: WAL, busy timeout, foreign keys) and migrate the schema.

        ``schema`` (PostgreSQL only): use, and create if needed, this schema via ``search_path``."""
        engine = make_engine(url, schema=schema)
        try:
            migrate(engine)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, default_zone=default_zone)

    def close(self) -> None:
        """Dispose of the engine."""
        self._engine.dispose()

    # --- feeds -------------------------------------------------------------------------------------
    def sync_feeds(self, specs: Sequence[FeedSpec], now: datetime) -> list[FeedState]:
        """Upsert configured feeds by name (url/interval updated); feeds no longer configured are disabled.

        New feeds are due immediately (``next_poll_at = now``)."""
        with transaction(self._engine, write=True) as conn:
            return feeds_repo.sync_feeds(conn, specs, now)

    def list_feeds(self) -> list[FeedState]:
        """Every enabled feed, ordered by name."""
        with transaction(self._engine, write=False) as conn:
            return feeds_repo.list_feeds(conn)

    def due_feeds(self, now: datetime, limit: int | None = None) -> list[FeedState]:
        """Enabled feeds whose ``next_poll_at <= now``, most overdue first."""
        with transaction(self._engine, write=False) as conn:
            return feeds_repo.due_feeds(conn, now, limit)

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
            feeds_repo.record_fetch_success(
                conn,
                feed_id,
                at=at,
                next_poll_at=next_poll_at,
                etag=etag,
                last_modified=last_modified,
                new_url=new_url,
            )

    def record_fetch_failure(self, feed_id: int, *, at: datetime, error: str, next_poll_at: datetime) -> int:
        """Store the error, bump and return ``consecutive_failures``, schedule the retry."""
        with transaction(self._engine, write=True) as conn:
            return feeds_repo.record_fetch_failure(
                conn, feed_id, at=at, error=error, next_poll_at=next_poll_at
            )

    # --- items and stories -------------------------------------------------------------------------
    def add_items(self, feed_id: int, items: Sequence[NewItem], story_window: timedelta) -> list[Item]:
        """Insert items ``ON CONFLICT (feed_id, identity) DO NOTHING``; return only the newly inserted ones.

        Each new item gets a story id: that of an existing item (any feed) with the same canonical link, or
        with the same ``title_fingerprint`` and a near-identical ``body_fingerprint``
        (``feeds.clustering.same_story``) first seen within ``story_window``; else a new story.
        Also writes the item's search tokens (``feeds.search`` / query package) to the full-text index."""
        with transaction(self._engine, write=True) as conn:
            return items_repo.add_items(conn, feed_id, items, story_window)

    def unmatched_items(self, limit: int) -> list[Item]:
        """Items not yet run through the matcher, oldest first."""
        with transaction(self._engine, write=False) as conn:
            return items_repo.unmatched_items(conn, limit)

    def record_matches(self, item_ids: Sequence[int], matches: Sequence[MatchRecord], now: datetime) -> int:
        """One transaction: enqueue deliveries and mark ``item_ids`` matched. Returns deliveries created.

        A delivery is created only when the subscription still exists, is not muted and was created before
        the item was first seen, and the chat is active and not paused. It is held (``not_before``) until
        its digest slot or the end of quiet hours (``feeds.volume.decide``). ``UNIQUE(chat_id, story_id)``:
        conflicts are ignored (one alert per story per chat, ever)."""
        with transaction(self._engine, write=True) as conn:
            return outbox_repo.record_matches(conn, item_ids, matches, now, self._default_zone)

    def get_item(self, item_id: int) -> Item | None:
        """One item by id."""
        with transaction(self._engine, write=False) as conn:
            return items_repo.get_item(conn, item_id)

    def story_sources(self, story_id: int) -> list[StorySource]:
        """Every (feed name, link) that carried the story, first seen first."""
        with transaction(self._engine, write=False) as conn:
            return [StorySource(name, link) for name, link in items_repo.story_sources(conn, story_id)]

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
        with transaction(self._engine, write=False) as conn:
            return search_index.recent(
                conn, since=since, limit=limit, candidates=candidates, before_id=before_id
            )

    def count_items(self) -> int:
        """How many items are stored."""
        with transaction(self._engine, write=False) as conn:
            return items_repo.count_items(conn)

    # --- chats and subscriptions -------------------------------------------------------------------
    def touch_chat(self, chat_id: int, kind: ChatKind) -> Chat:
        """Create the chat or mark it active again (it talked to us); returns it."""
        with transaction(self._engine, write=True) as conn:
            return chats_repo.touch_chat(conn, chat_id, kind)

    def get_chat(self, chat_id: int) -> Chat | None:
        """One chat."""
        with transaction(self._engine, write=False) as conn:
            return chats_repo.get_chat(conn, chat_id)

    def set_paused(self, chat_id: int, paused: bool) -> None:
        """Pause or resume alerts for a chat."""
        with transaction(self._engine, write=True) as conn:
            chats_repo.set_paused(conn, chat_id, paused)

    def deactivate_chat(self, chat_id: int) -> int:
        """Mark a chat inactive (blocked, kicked, not found) and cancel its pending alerts; returns count."""
        with transaction(self._engine, write=True) as conn:
            return chats_repo.deactivate_chat(conn, chat_id)

    def migrate_chat(self, old_chat_id: int, new_chat_id: int, kind: ChatKind) -> None:
        """A group became a supergroup: move subscriptions and pending deliveries to the new id."""
        with transaction(self._engine, write=True) as conn:
            chat_migration.migrate_chat(conn, old_chat_id, new_chat_id, kind)

    def add_subscription(self, chat_id: int, query: str, now: datetime) -> Subscription:
        """Store a subscription; raises ``DuplicateSubscriptionError`` for the same query text in the chat.

        The chat must exist (``touch_chat``); else ``LookupError``."""
        with transaction(self._engine, write=True) as conn:
            created = chats_repo.add_subscription(conn, chat_id, query, now)
            existing = None if created else chats_repo.find_subscription(conn, chat_id, query)
        if created is None:
            assert existing is not None
            raise DuplicateSubscriptionError(existing)
        return created

    def list_subscriptions(self, chat_id: int) -> list[Subscription]:
        """A chat's subscriptions by id."""
        with transaction(self._engine, write=False) as conn:
            return chats_repo.list_subscriptions(conn, chat_id)

    def count_subscriptions(self, chat_id: int) -> int:
        """How many subscriptions a chat holds."""
        with transaction(self._engine, write=False) as conn:
            return chats_repo.count_subscriptions(conn, chat_id)

    def remove_subscription(self, chat_id: int, subscription_id: int) -> Subscription | None:
        """Delete by id within the chat; returns what was deleted, or None."""
        with transaction(self._engine, write=True) as conn:
            return chats_repo.remove_subscription(conn, chat_id, subscription_id)

    def remove_subscription_by_query(self, chat_id: int, query: str) -> Subscription | None:
        """Delete by exact query text (whitespace-normalized) within the chat."""
        with transaction(self._engine, write=True) as conn:
            found = chats_repo.find_subscription(conn, chat_id, query)
            return None if found is None else chats_repo.remove_subscription(conn, chat_id, found.id)

    def all_subscriptions(self) -> list[Subscription]:
        """Every subscription (for building the match index)."""
        with transaction(self._engine, write=False) as conn:
            return chats_repo.list_subscriptions(conn, None)

    def subscriptions_signature(self) -> tuple[int, int, int]:
        """A cheap fingerprint of the subscription set: (count, max id, sum of ids)."""
        with transaction(self._engine, write=False) as conn:
            return chats_repo.subscriptions_signature(conn)

    # --- deliveries (outbox) -----------------------------------------------------------------------
    def pending_alerts(
        self, now: datetime, limit: int, kinds: Collection[ChatKind] | None = None
    ) -> list[PendingAlert]:
        """Pending deliveries whose ``not_before`` has passed, oldest first, active chats only.

        ``kinds`` limits them to chats of those kinds (Telegram chats vs the console's). Paused chats'
        rows stay pending (not listed) until the chat resumes. Digest rows are not listed: see
        ``due_digests`` and ``digest_alerts``."""
        with transaction(self._engine, write=False) as conn:
            rows = outbox_repo.pending_rows(conn, now, limit, kinds)
        return [to_pending_alert(row, item) for row, item in rows]

    def mark_sent(self, delivery_ids: Sequence[int], at: datetime) -> None:
        """Telegram acknowledged these."""
        with transaction(self._engine, write=True) as conn:
            outbox_repo.mark_sent(conn, delivery_ids, at)

    def mark_retry(self, delivery_ids: Sequence[int], *, not_before: datetime, error: str) -> None:
        """Keep the rows pending, bump attempts, try again no earlier than ``not_before``."""
        with transaction(self._engine, write=True) as conn:
            outbox_repo.mark_retry(conn, delivery_ids, not_before=not_before, error=error)

    def give_up(self, delivery_ids: Sequence[int], error: str) -> None:
        """Cancel pending rows that failed permanently too often (the error is kept on the row)."""
        with transaction(self._engine, write=True) as conn:
            outbox_repo.give_up(conn, delivery_ids, error)

    def count_pending(self, chat_id: int | None = None) -> int:
        """Pending deliveries, for one chat or all."""
        with transaction(self._engine, write=False) as conn:
            return outbox_repo.count_pending(conn, chat_id)

"""Items and stories: the ingest insert, the match stage's batches, reads, retention."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta

from feeds.models import Item, NewItem
from feeds.retention import PruneResult
from feeds.search import SearchExpr
from feeds.values import (
    FetchSuccess,
    MatchRecord,
    StorySource,
)
from storage import (
    feeds_repo,
    items_repo,
    retention,
    search_index,
)
from storage.db.engine import transaction
from storage.facade.base import StoreBase
from storage.outbox import enqueue


class Items(StoreBase):
    """Store items (with their story), run them through the matcher, read them, prune them."""

    def add_items(
        self,
        feed_id: int,
        items: Sequence[NewItem],
        story_window: timedelta,
        *,
        first_poll: bool = False,
        success: FetchSuccess | None = None,
    ) -> list[Item]:
        """Insert items ``ON CONFLICT (feed_id, identity) DO NOTHING``; return only the newly inserted ones.

        ``first_poll`` (a feed's first successful poll): the items are not queued for matching, so a new
        feed's backlog alerts no one. ``success``: the poll that carried them, recorded in the same
        transaction (as ``record_fetch_success``; one commit per poll, not two).

        Each new item gets a story id: that of an existing item (any feed) with the same canonical link, or
        with the same ``title_fingerprint`` and a near-identical ``body_fingerprint``
        (``feeds.clustering.pick_story`` decides) first seen within ``story_window``; else a new story.
        Also writes the item's search tokens (``feeds.search`` / query package) to the full-text index."""
        with transaction(self._engine, write=True) as conn:
            added = items_repo.add_items(conn, feed_id, items, story_window, first_poll, self._keep_items)
            if success is not None:
                feeds_repo.record_success(conn, feed_id, success)
            return added

    def unmatched_items(self, limit: int) -> list[Item]:
        """Items not yet run through the matcher, oldest first."""
        with transaction(self._engine, write=False) as conn:
            return items_repo.unmatched_items(conn, limit)

    def match_batch(
        self,
        limit: int,
        match: Callable[[list[Item]], Iterable[tuple[Sequence[int], Sequence[MatchRecord]]]],
        now: datetime,
    ) -> tuple[int, int]:
        """One unit of the match stage: claim up to ``limit`` unmatched items (locked: concurrent workers
        take different ones) and hand them to ``match``, which yields groups of (item ids, their matches);
        each group's alerts are enqueued and its items marked matched, all in this one transaction. Items
        of no group stay unmatched. Returns (items claimed, deliveries created)."""
        with transaction(self._engine, write=True) as conn:
            batch = items_repo.claim_unmatched(conn, limit)
            created = 0
            for item_ids, matches in match(batch) if batch else ():
                created += enqueue.record_matches(conn, item_ids, matches, now, self._default_zone)
            return len(batch), created

    def record_matches(self, item_ids: Sequence[int], matches: Sequence[MatchRecord], now: datetime) -> int:
        """One transaction: enqueue deliveries and mark ``item_ids`` matched. Returns deliveries created.

        A delivery is created only when the subscription still exists, is not muted and was created before
        the item was first seen, and the chat is active and not paused. It is held (``not_before``) until
        its digest slot or the end of quiet hours (``feeds.volume.decide``). ``UNIQUE(chat_id, story_id)``:
        conflicts are ignored (one alert per story per chat, ever)."""
        with transaction(self._engine, write=True) as conn:
            return enqueue.record_matches(conn, item_ids, matches, now, self._default_zone)

    def matched_items_since(self, since: datetime, limit: int) -> list[Item]:
        """Matched items first seen after ``since``, oldest first."""
        with transaction(self._engine, write=False) as conn:
            return items_repo.matched_since(conn, since, limit)

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

    def prune(
        self, before: datetime, batch_size: int = 500, dry_run: bool = False, *, pause: float = 0.0
    ) -> PruneResult:
        """Delete items first seen before ``before`` (whole stories, see ``storage.retention``) with their
        search entries and sent/cancelled outbox rows, remembering their identities; returns the counts.

        Works in batches of about ``batch_size`` items, each its own short transaction, sleeping ``pause``
        seconds between them so other writers get the database. ``dry_run`` counts without deleting."""
        total, cursor, done = PruneResult(), None, set[int]()
        while True:
            with transaction(self._engine, write=not dry_run) as conn:
                outcome = retention.prune_batch(
                    conn, before, after=cursor, limit=batch_size, dry_run=dry_run, done=done
                )
            if outcome.cursor is None:
                return total
            total, cursor = total + outcome.result, outcome.cursor
            done.update(outcome.stories)
            if pause:
                time.sleep(pause)

"""The storage facade: one method per unit of work, each its own transaction; returns ``feeds`` models.

The work itself lives in the repository modules (``feeds_repo``, ``items_repo``, ``search_index``,
``chats_repo``, ``chat_migration``, ``outbox_repo``); this class opens the transactions.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from feeds.aliases import Alias, AliasTerm
from feeds.models import Chat, ChatKind, FeedOrigin, FeedSpec, FeedState, Item, NewItem, Subscription
from feeds.query import Query
from feeds.search import SearchExpr
from feeds.trends import Activity, DailyCounts
from feeds.values import (
    Claim,
    DueDigest,
    DuplicateFeedError,
    DuplicateSubscriptionError,
    FeedOffer,
    FetchSuccess,
    MatchRecord,
    OutboxStats,
    PendingAlert,
    StoreUnavailableError,
    StorySource,
    VolumeCounts,
)
from storage import (
    aliases_repo,
    chat_migration,
    chats_repo,
    feed_offers_repo,
    feed_sources_repo,
    feeds_repo,
    items_repo,
    ops_repo,
    outbox_repo,
    retention,
    search_index,
    spikes_repo,
    trend_counts,
)
from storage.engine import make_engine, transaction
from storage.instance import InstanceLock, InstanceLockedError
from storage.migrations import migrate
from storage.retention import PruneResult
from storage.spike_store import SpikeStore
from storage.volume_store import VolumeStore, to_pending_alert

__all__ = [
    "Claim",
    "DueDigest",
    "DuplicateFeedError",
    "DuplicateSubscriptionError",
    "FeedOffer",
    "InstanceLock",
    "InstanceLockedError",
    "MatchRecord",
    "OutboxStats",
    "PendingAlert",
    "PruneResult",
    "Store",
    "StoreUnavailableError",
    "StorySource",
    "VolumeCounts",
]

OFFER_LIFETIME = timedelta(days=1)


class Store(VolumeStore, SpikeStore):
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

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return str(self._engine.dialect.name)

    def lock_instance(self, role: str = "instance") -> InstanceLock:
        """Hold this database's lock for ``role`` (``InstanceLockedError`` if another process holds it)."""
        return InstanceLock.acquire(self._engine, role)

    def close(self) -> None:
        """Dispose of the engine."""
        self._engine.dispose()

    # --- feeds -------------------------------------------------------------------------------------
    def sync_feeds(self, specs: Sequence[FeedSpec], now: datetime) -> list[FeedState]:
        """Upsert configured feeds by name (url/interval updated); config feeds no longer configured are
        disabled. Feeds from chat, the CLI or OPML are left alone (a config feed of the same name takes one
        over). New feeds are due immediately (``next_poll_at = now``)."""
        with transaction(self._engine, write=True) as conn:
            return feeds_repo.sync_feeds(conn, specs, now)

    def add_feed(
        self,
        name: str,
        url: str,
        interval_seconds: int,
        *,
        origin: FeedOrigin,
        now: datetime,
        added_by_chat: int | None = None,
    ) -> FeedState:
        """Add a feed from chat, the CLI or OPML, due now. The name is cleaned (``feeds.sources``; at most 64
        characters, else ``ValueError``); ``DuplicateFeedError`` names the feed that already has this name or
        the same canonical URL."""
        with transaction(self._engine, write=True) as conn:
            return feed_sources_repo.add_feed(
                conn, name, url, interval_seconds, origin=origin, now=now, added_by_chat=added_by_chat
            )

    def remove_feed(self, feed_id: int, now: datetime) -> FeedState | None:
        """Stop polling a feed that is not from the config; its items stay. None if there is no such feed;
        ``ValueError`` for a config feed."""
        with transaction(self._engine, write=True) as conn:
            return feed_sources_repo.remove_feed(conn, feed_id, now)

    def get_feed(self, feed_id: int) -> FeedState | None:
        """One feed by id, enabled or not."""
        with transaction(self._engine, write=False) as conn:
            return feed_sources_repo.get_feed(conn, feed_id)

    def find_feed_by_name(self, name: str) -> FeedState | None:
        """An enabled feed by name (case-insensitive)."""
        with transaction(self._engine, write=False) as conn:
            return feed_sources_repo.find_by_name(conn, name)

    def find_feed_by_url(self, url: str) -> FeedState | None:
        """An enabled feed with the same canonical URL."""
        with transaction(self._engine, write=False) as conn:
            return feed_sources_repo.find_by_url(conn, url)

    def count_feeds_added_by(self, chat_id: int) -> int:
        """Enabled feeds this chat added (for ``telegram.max_feeds_per_chat``)."""
        with transaction(self._engine, write=False) as conn:
            return feed_sources_repo.count_added_by(conn, chat_id)

    def pause_failing_feeds(self, now: datetime, after: timedelta) -> list[FeedState]:
        """Pause chat feeds that have failed without a success for ``after``; returns the newly paused."""
        with transaction(self._engine, write=True) as conn:
            return feed_sources_repo.pause_failing(conn, now, after)

    def untold_paused_feeds(self) -> list[FeedState]:
        """Paused feeds whose adding chat has not been told yet."""
        with transaction(self._engine, write=False) as conn:
            return feed_sources_repo.untold_pauses(conn)

    def mark_feed_owner_told(self, feed_id: int, at: datetime) -> bool:
        """Record that the adding chat was told of the pause (once); False if it was told already."""
        with transaction(self._engine, write=True) as conn:
            return feed_sources_repo.mark_owner_told(conn, feed_id, at)

    def resume_feed(self, feed_id: int, now: datetime) -> bool:
        """Unpause a paused feed and poll it now; False if it was not paused."""
        with transaction(self._engine, write=True) as conn:
            return feed_sources_repo.resume_feed(conn, feed_id, now)

    def offer_feeds(
        self, chat_id: int, found: Sequence[tuple[str, str]], name: str | None, now: datetime
    ) -> list[FeedOffer]:
        """Remember feeds (url, title) offered to a chat as buttons; offers older than a day are dropped."""
        with transaction(self._engine, write=True) as conn:
            return feed_offers_repo.save_offers(conn, chat_id, found, name, now, OFFER_LIFETIME)

    def feed_offer(self, chat_id: int, offer_id: int, now: datetime) -> FeedOffer | None:
        """An offer made to this chat within the last day; None for another chat's or an old one."""
        with transaction(self._engine, write=False) as conn:
            return feed_offers_repo.get_offer(conn, chat_id, offer_id, now - OFFER_LIFETIME)

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
            success = FetchSuccess(at, next_poll_at, etag, last_modified, new_url)
            feeds_repo.record_success(conn, feed_id, success)

    def record_fetch_failure(self, feed_id: int, *, at: datetime, error: str, next_poll_at: datetime) -> int:
        """Store the error, bump and return ``consecutive_failures``, schedule the retry."""
        with transaction(self._engine, write=True) as conn:
            return feeds_repo.record_fetch_failure(
                conn, feed_id, at=at, error=error, next_poll_at=next_poll_at
            )

    # --- items and stories -------------------------------------------------------------------------
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
        (``feeds.clustering.same_story``) first seen within ``story_window``; else a new story.
        Also writes the item's search tokens (``feeds.search`` / query package) to the full-text index."""
        with transaction(self._engine, write=True) as conn:
            added = items_repo.add_items(conn, feed_id, items, story_window, first_poll)
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
                created += outbox_repo.record_matches(conn, item_ids, matches, now, self._default_zone)
            return len(batch), created

    def matched_items_since(self, since: datetime, limit: int) -> list[Item]:
        """Matched items first seen after ``since``, oldest first."""
        with transaction(self._engine, write=False) as conn:
            return items_repo.matched_since(conn, since, limit)

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

    def next_feed_due_at(self) -> datetime | None:
        """The earliest next poll (or lease end) of any enabled, unpaused feed."""
        with transaction(self._engine, write=False) as conn:
            return feeds_repo.next_due_at(conn)

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

    def aliases(self, term: AliasTerm, *, since: datetime) -> list[Alias]:
        """Candidates for ``term`` in the other script, with releases since ``since`` holding each."""
        with transaction(self._engine, write=False) as conn:
            return aliases_repo.find_aliases(conn, term, since=since)

    def count_items(self) -> int:
        """How many items are stored."""
        with transaction(self._engine, write=False) as conn:
            return items_repo.count_items(conn)

    # --- trends and spikes ---------------------------------------------------------------------------
    def daily_counts(
        self, query: Query, *, first_day: date, days: int, zone: ZoneInfo, releases: bool = True
    ) -> DailyCounts:
        """Stories (wire copies once) and releases matching ``query`` per local day in ``zone``.

        Candidates come from the full-text index; the matcher checks them unless the index is exact, and
        then the database counts. ``releases=False``: only stories are needed (releases may be left 0)."""
        with transaction(self._engine, write=False) as conn:
            return trend_counts.daily_counts(
                conn, query, first_day=first_day, days=days, zone=zone, releases=releases
            )

    def last_match(self, query: Query, since: datetime) -> datetime | None:
        """When the newest release first seen since ``since`` that matches ``query`` was first seen."""
        with transaction(self._engine, write=False) as conn:
            return trend_counts.newest_match(conn, query, since=since)

    def activity(
        self, queries: Mapping[int, Query], *, now: datetime, zone: ZoneInfo, days: int = 7
    ) -> dict[int, Activity]:
        """Per key (e.g. subscription id): stories per day of the last ``days`` days and the last match."""
        with transaction(self._engine, write=False) as conn:
            return trend_counts.activity(conn, queries, now=now, zone=zone, days=days)

    def set_spike_alerts(self, chat_id: int, subscription_id: int, on: bool) -> Subscription | None:
        """Switch a chat's subscription's spike alerts; None when the chat has no such subscription."""
        with transaction(self._engine, write=True) as conn:
            return spikes_repo.set_spike_alerts(conn, chat_id, subscription_id, on)

    def spike_subscriptions(self) -> list[Subscription]:
        """Every subscription with spike alerts on."""
        with transaction(self._engine, write=False) as conn:
            return spikes_repo.spike_subscriptions(conn)

    def claim_spike_day(self, subscription_id: int, day: date) -> bool:
        """Take the one spike alert of ``day`` (a local date); False when off or already taken."""
        with transaction(self._engine, write=True) as conn:
            return spikes_repo.claim_spike_day(conn, subscription_id, day)

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

    def set_chat_language(self, chat_id: int, language: str | None) -> None:
        """Set (or with None, clear) a chat's language; ``get_chat(...).language`` reads it back."""
        with transaction(self._engine, write=True) as conn:
            chats_repo.set_language(conn, chat_id, language)

    def set_sender_language(self, chat_id: int, language: str | None) -> None:
        """Remember the language of the chat's last sender (alerts use it while the chat chose none)."""
        with transaction(self._engine, write=True) as conn:
            chats_repo.set_language(conn, chat_id, language, sender=True)

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

    def subscription_chats(self) -> dict[int, int]:
        """Every subscription's chat id, by subscription id (the match stage's periodic full comparison)."""
        with transaction(self._engine, write=False) as conn:
            return chats_repo.subscription_chats(conn)

    def subscriptions_by_ids(self, ids: Sequence[int]) -> list[Subscription]:
        """These subscriptions, those that still exist, by id."""
        with transaction(self._engine, write=False) as conn:
            return chats_repo.subscriptions_by_ids(conn, ids)

    def subscriptions_signature(self) -> tuple[int, int, int]:
        """A cheap fingerprint of the subscription set: (count, max id, sum of ids)."""
        with transaction(self._engine, write=False) as conn:
            return chats_repo.subscriptions_signature(conn)

    # --- deliveries (outbox) -----------------------------------------------------------------------
    def pending_alerts(
        self, now: datetime, limit: int, kinds: Collection[ChatKind] | None = None
    ) -> list[PendingAlert]:
        """Pending deliveries whose ``not_before`` has passed, oldest first, active chats only (a read-only
        view; senders use ``claim_alerts``).

        ``kinds`` limits them to chats of those kinds (Telegram chats vs the console's). Paused chats'
        rows stay pending (not listed) until the chat resumes. Digest rows are not listed: see
        ``due_digests`` and ``digest_alerts``."""
        with transaction(self._engine, write=False) as conn:
            rows = outbox_repo.pending_rows(conn, now, limit, kinds)
        return [to_pending_alert(row, item) for row, item in rows]

    def claim_alerts(self, claim: Claim, now: datetime) -> list[PendingAlert]:
        """Move the due rows of up to ``claim.max_chats`` whole chats to ``sending`` for ``claim.owner``.

        Only chats with no row being sent are taken; expired leases of other owners return to pending
        first. Returns the claimed rows, by chat, oldest first."""
        with transaction(self._engine, write=True) as conn:
            rows = outbox_repo.claim_chats(conn, claim, now)
        return [to_pending_alert(row, item) for row, item in rows]

    def renew_leases(self, owner: str, lease_until: datetime) -> int:
        """Extend the lease of every row ``owner`` is sending."""
        with transaction(self._engine, write=True) as conn:
            return outbox_repo.renew_leases(conn, owner, lease_until)

    def release_claims(self, owner: str, delivery_ids: Sequence[int] | None = None) -> int:
        """Return ``owner``'s claimed rows (all, or these) to pending, untried."""
        with transaction(self._engine, write=True) as conn:
            return outbox_repo.release(conn, owner, delivery_ids)

    def mark_sent(self, delivery_ids: Sequence[int], at: datetime, owner: str) -> int:
        """Telegram acknowledged these: settles the rows ``owner`` is sending; returns how many it settled."""
        with transaction(self._engine, write=True) as conn:
            return outbox_repo.mark_sent(conn, delivery_ids, at, owner)

    def mark_retry(
        self, delivery_ids: Sequence[int], *, not_before: datetime, error: str, owner: str | None = None
    ) -> int:
        """Back to pending with one more attempt, no earlier than ``not_before`` (from ``owner``'s claim, or
        rows still pending when ``owner`` is None)."""
        with transaction(self._engine, write=True) as conn:
            return outbox_repo.mark_retry(conn, delivery_ids, not_before=not_before, error=error, owner=owner)

    def give_up(self, delivery_ids: Sequence[int], error: str, owner: str | None = None) -> None:
        """Cancel rows that failed permanently too often (the error is kept on the row)."""
        with transaction(self._engine, write=True) as conn:
            outbox_repo.give_up(conn, delivery_ids, error, owner)

    def count_pending(self, chat_id: int | None = None) -> int:
        """Pending deliveries, for one chat or all."""
        with transaction(self._engine, write=False) as conn:
            return outbox_repo.count_pending(conn, chat_id)

    # --- operations (metrics) ----------------------------------------------------------------------
    def ping(self) -> None:
        """Raise when the database does not answer (``SELECT 1``)."""
        with transaction(self._engine, write=False) as conn:
            ops_repo.ping(conn)

    def feed_states(self) -> dict[str, int]:
        """Feeds by state: ok, failing, paused (disabled)."""
        with transaction(self._engine, write=False) as conn:
            return ops_repo.feed_states(conn)

    def outbox_stats(self, now: datetime) -> OutboxStats:
        """Pending alerts of active, unpaused chats and since when the oldest due one is due."""
        with transaction(self._engine, write=False) as conn:
            return ops_repo.outbox_stats(conn, now)

    def chat_counts(self) -> dict[str, int]:
        """Telegram chats by state: active, paused, inactive."""
        with transaction(self._engine, write=False) as conn:
            return ops_repo.chat_counts(conn)

    def subscription_count(self) -> int:
        """Every subscription of every chat."""
        with transaction(self._engine, write=False) as conn:
            return ops_repo.subscription_count(conn)

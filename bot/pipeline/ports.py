"""What each stage needs from storage, as small typed Protocols, each method with its contract.

A stage depends on its port, never on ``storage``: the composition root wires the real store in, and a
test (or a fake) can hand a stage anything that keeps the same contract. Common to every method: it is one
unit of work (all or nothing); a lost or refused database raises ``feeds.values.StoreUnavailableError``
(retryable); times are UTC ``datetime`` values; ids the store did not hand out are ignored, not errors.
``tests/contracts`` checks ``MatchStore`` and ``OutboxStore`` against the real store and the in-memory fake
alike.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Protocol, runtime_checkable
from zoneinfo import ZoneInfo

from feeds.models import Chat, ChatKind, FeedState, Item, NewItem, Subscription
from feeds.query import Query
from feeds.retention import PruneResult
from feeds.trends import DailyCounts
from feeds.values import Claim, DueDigest, FetchSuccess, MatchRecord, PendingAlert, SpikeAlert, StorySource
from feeds.volume import ChatVolume


@runtime_checkable
class IngestStore(Protocol):
    """Feeds due for polling, their fetch results, and the items they carried."""

    def list_feeds(self) -> list[FeedState]:
        """Every enabled feed, by name."""
        ...

    def claim_due_feeds(
        self, now: datetime, lease_until: datetime, limit: int, owner: str | None = None
    ) -> list[FeedState]:
        """Take up to ``limit`` due feeds for ``owner`` until ``lease_until``: no other claimer gets them
        before the lease ends or their outcome is recorded (their next poll moves to ``lease_until``)."""
        ...

    def renew_feed_claims(self, owner: str, lease_until: datetime) -> int:
        """Extend the lease of every feed ``owner`` is polling; returns how many."""
        ...

    def release_feed_claims(self, owner: str, now: datetime) -> int:
        """``owner`` stops: the feeds it holds are due at ``now`` for any claimer; returns how many."""
        ...

    def next_feed_due_at(self) -> datetime | None:
        """The earliest next poll (or lease end) of any enabled, unpaused feed; None without feeds."""
        ...

    def add_items(
        self,
        feed_id: int,
        items: Sequence[NewItem],
        story_window: timedelta,
        *,
        first_poll: bool = False,
        success: FetchSuccess | None = None,
    ) -> list[Item]:
        """Store the items the feed does not know yet (by identity, pruned ones included) and return only
        those, each with its story (``feeds.clustering.pick_story`` within ``story_window``). New items
        wait for the match stage unless ``first_poll``; ``success`` is recorded in the same unit."""
        ...

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
        """A 200 or 304: keep the validators, clear the failure streak and the claim, schedule the next
        poll; ``new_url`` replaces the feed's URL (a permanent redirect)."""
        ...

    def record_fetch_failure(self, feed_id: int, *, at: datetime, error: str, next_poll_at: datetime) -> int:
        """Keep the error, clear the claim, schedule the retry; returns the failures in a row (this one
        included)."""
        ...


@runtime_checkable
class MatchStore(Protocol):
    """Unmatched items in, outbox rows out; the subscriptions the index is built from."""

    def match_batch(
        self,
        limit: int,
        match: Callable[[list[Item]], Iterable[tuple[Sequence[int], Sequence[MatchRecord]]]],
        now: datetime,
    ) -> tuple[int, int]:
        """Take up to ``limit`` unmatched items (concurrent callers get different ones), hand them to
        ``match`` and, in the same unit, enqueue each yielded group's alerts as ``record_matches`` does.
        Items of no group stay unmatched. Returns (items taken, alerts created)."""
        ...

    def matched_items_since(self, since: datetime, limit: int) -> list[Item]:
        """Matched items first seen after ``since``, oldest first, at most ``limit``."""
        ...

    def record_matches(self, item_ids: Sequence[int], matches: Sequence[MatchRecord], now: datetime) -> int:
        """Mark ``item_ids`` matched and enqueue the alerts ``feeds.eligibility.eligible_alerts`` lets
        through (held as it decides): subscriptions still there, of active unpaused chats, made before the
        item was first seen, not muted. A chat never gets a second alert of a story (enqueueing the same
        matches again creates nothing). Returns alerts created."""
        ...

    def all_subscriptions(self) -> list[Subscription]:
        """Every subscription of every chat, by id."""
        ...

    def subscription_chats(self) -> dict[int, int]:
        """Every subscription's chat id, by subscription id."""
        ...

    def subscriptions_by_ids(self, ids: Sequence[int]) -> list[Subscription]:
        """Those of ``ids`` that still exist, by id."""
        ...

    def subscription_sizes(self) -> dict[int, int]:
        """Every subscription's text length (whitespace collapsed), by id."""
        ...

    def subscriptions_signature(self) -> tuple[int, int, int, int]:
        """(count, max id, sum of ids, sum of text lengths) of the subscriptions: equal while the set is
        unchanged (a rewrite adding an alias makes a text longer)."""
        ...


@runtime_checkable
class OutboxStore(Protocol):
    """Claims on the deliveries outbox, their settlement, and what a sender learns about chats.

    A claimed row is ``sending`` and belongs to its owner until its lease ends; only the owner settles it
    (``mark_sent``, ``mark_retry``, ``give_up``) or releases it; a settle of rows the owner no longer holds
    changes nothing. A row whose lease ran out returns to pending for the next claimer."""

    def claim_alerts(self, claim: Claim, now: datetime) -> list[PendingAlert]:
        """Take the due rows of up to ``claim.max_chats`` whole chats (at most ``claim.per_chat`` each) for
        ``claim.owner`` until ``claim.lease_until``: only active, unpaused chats (of ``claim.kinds``) with
        no row being sent, and none another claimer sent to in the last few seconds (its per-chat pacing).
        Rows whose lease ran out in another claimer's hands are pending again first. Returns them by chat,
        oldest first; a retry waiting holds its chat's later rows. An alert's item carries at most one
        message (4096 characters) of its body; ``AlertStore.get_delivery`` has it whole."""
        ...

    def due_digests(
        self, now: datetime, limit: int, kinds: Collection[ChatKind] | None = None
    ) -> list[DueDigest]:
        """Active, unpaused chats (of ``kinds``) with a digest due, oldest slot first, at most ``limit``."""
        ...

    def claim_digest(
        self, owner: str, chat_id: int, up_to: datetime, now: datetime, lease_until: datetime
    ) -> list[PendingAlert]:
        """Take the chat's due digest rows of every slot up to ``up_to`` for ``owner``; empty when another
        claimer holds the chat or any of its rows is being sent."""
        ...

    def chat_volume(self, chat_id: int) -> ChatVolume:
        """The chat's zone, digest times and quiet hours (the defaults for an unknown chat)."""
        ...

    def renew_leases(self, owner: str, lease_until: datetime) -> int:
        """Extend the lease of every row ``owner`` is sending; returns how many."""
        ...

    def worker_heartbeat(self, owner: str, role: str, now: datetime, alive_within: timedelta) -> int:
        """Record ``owner`` (a ``role`` worker) alive at ``now``; returns the ``role`` workers alive within
        ``alive_within``, this one included."""
        ...

    def forget_worker(self, owner: str) -> None:
        """``owner`` stops: its heartbeat goes."""
        ...

    def release_claims(self, owner: str, delivery_ids: Sequence[int] | None = None) -> int:
        """Return rows ``owner`` is sending (all, or these) to pending, untried; returns how many."""
        ...

    def mark_sent(self, delivery_ids: Sequence[int], at: datetime, owner: str) -> int:
        """Telegram acknowledged these: rows ``owner`` is sending become sent at ``at``; returns how many."""
        ...

    def mark_retry(
        self, delivery_ids: Sequence[int], *, not_before: datetime, error: str, owner: str | None = None
    ) -> int:
        """Back to pending with one more attempt, not before ``not_before``, the error kept: rows ``owner``
        is sending (with no owner: rows still pending). Returns how many."""
        ...

    def give_up(self, delivery_ids: Sequence[int], error: str, owner: str | None = None) -> None:
        """Cancel for good, the error kept: rows ``owner`` is sending (with no owner: rows still pending)."""
        ...

    def story_sources(self, story_id: int) -> list[StorySource]:
        """Every (feed name, link) that carried the story, first seen first."""
        ...

    def get_chat(self, chat_id: int) -> Chat | None:
        """The chat; None when unknown."""
        ...

    def deactivate_chat(self, chat_id: int) -> int:
        """The chat is gone (blocked, kicked): inactive, its waiting alerts cancelled; returns how many."""
        ...

    def migrate_chat(self, old_chat_id: int, new_chat_id: int, kind: ChatKind) -> None:
        """A group became a supergroup: its subscriptions and waiting alerts move to the new id."""
        ...


@runtime_checkable
class PauseStore(Protocol):
    """Pausing chat feeds that keep failing, and telling the chats that added them (once)."""

    def pause_failing_feeds(self, now: datetime, after: timedelta) -> list[FeedState]:
        """Pause chat-added feeds failing without a success for ``after``; returns those newly paused."""
        ...

    def untold_paused_feeds(self) -> list[FeedState]:
        """Paused feeds whose adding chat was not told yet."""
        ...

    def mark_feed_owner_told(self, feed_id: int, at: datetime) -> bool:
        """Record that the adding chat was told; False when it was told already (tell once)."""
        ...

    def get_chat(self, chat_id: int) -> Chat | None:
        """The chat; None when unknown."""
        ...


@runtime_checkable
class SpikeCheckStore(Protocol):
    """What the spike check reads (subscriptions with alerts on, counts in the chat's zone) and writes."""

    def spike_subscriptions(self) -> list[Subscription]:
        """Every subscription with spike alerts on, by id."""
        ...

    def chat_volume(self, chat_id: int) -> ChatVolume:
        """The chat's zone, digest times and quiet hours (the defaults for an unknown chat)."""
        ...

    def daily_counts(
        self,
        query: Query,
        *,
        first_day: date,
        days: int,
        zone: ZoneInfo,
        releases: bool = True,
        backlog: bool = True,
    ) -> DailyCounts:
        """Stories (and, with ``releases``, releases) matching ``query`` per local day in ``zone``, on
        their day of publication when plausible; ``backlog=False``: without a first poll's backlog."""
        ...

    def enqueue_spike(
        self, subscription_id: int, day: date, stories: int, average: float, now: datetime
    ) -> bool:
        """Take the subscription's one spike alert of ``day`` and queue it; False when that day was taken
        (by any process), spike alerts are off, or the subscription is gone."""
        ...


@runtime_checkable
class SpikeOutboxStore(Protocol):
    """The spike alert outbox as its sender sees it: the verbs of ``OutboxStore``, one alert at a time."""

    def claim_spikes(
        self,
        owner: str,
        lease_until: datetime,
        now: datetime,
        limit: int = 20,
        kinds: Collection[ChatKind] | None = None,
    ) -> list[SpikeAlert]:
        """Take up to ``limit`` due alerts of active, unpaused chats (of ``kinds``) for ``owner`` until
        ``lease_until``; an alert whose lease ran out is due again. Concurrent claimers never share one."""
        ...

    def mark_spike_sent(self, alert_id: int, at: datetime, owner: str) -> bool:
        """Telegram acknowledged it: sent at ``at``; False when ``owner`` no longer held it."""
        ...

    def mark_spike_retry(self, alert_id: int, *, not_before: datetime, error: str, owner: str) -> bool:
        """Back to pending with one more attempt, not before ``not_before``; False when ``owner`` no longer
        held it."""
        ...

    def give_up_spike(self, alert_id: int, error: str, owner: str) -> bool:
        """Cancel for good, the error kept; False when ``owner`` no longer held it."""
        ...

    def release_spike_claims(self, owner: str) -> int:
        """Return every alert ``owner`` holds to pending, untried; returns how many."""
        ...

    def deactivate_chat(self, chat_id: int) -> int:
        """The chat is gone (blocked, kicked): inactive, its waiting alerts cancelled; returns how many."""
        ...


@runtime_checkable
class RetentionStore(Protocol):
    """Deleting old releases."""

    def prune(
        self, before: datetime, batch_size: int = 500, dry_run: bool = False, *, pause: float = 0.0
    ) -> PruneResult:
        """Delete items first seen before ``before`` (whole stories only: a story with a newer item or a
        waiting alert is kept), with their search entries and settled alerts, remembering their identities;
        in short units of about ``batch_size`` items, ``pause`` seconds apart. ``dry_run`` only counts."""
        ...

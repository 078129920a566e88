"""What each stage needs from storage, as small typed Protocols (``storage.Store`` implements them all).

A stage depends on its port, not on the store class: the composition root wires the real store in, and a
test can hand a stage anything that keeps the same contract.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Protocol, runtime_checkable
from zoneinfo import ZoneInfo

from feeds.models import Chat, ChatKind, FeedState, Item, NewItem, Subscription
from feeds.query import Query
from feeds.trends import DailyCounts
from feeds.values import Claim, DueDigest, FetchSuccess, MatchRecord, PendingAlert, SpikeAlert, StorySource
from feeds.volume import ChatVolume


@runtime_checkable
class IngestStore(Protocol):
    """Feeds due for polling, their fetch results, and the items they carried."""

    def due_feeds(self, now: datetime, limit: int | None = None) -> list[FeedState]: ...

    def list_feeds(self) -> list[FeedState]: ...

    def claim_due_feeds(
        self, now: datetime, lease_until: datetime, limit: int, owner: str | None = None
    ) -> list[FeedState]: ...

    def renew_feed_claims(self, owner: str, lease_until: datetime) -> int: ...

    def next_feed_due_at(self) -> datetime | None: ...

    def add_items(
        self,
        feed_id: int,
        items: Sequence[NewItem],
        story_window: timedelta,
        *,
        first_poll: bool = False,
        success: FetchSuccess | None = None,
    ) -> list[Item]: ...

    def record_fetch_success(
        self,
        feed_id: int,
        *,
        at: datetime,
        next_poll_at: datetime,
        etag: str | None,
        last_modified: str | None,
        new_url: str | None = None,
    ) -> None: ...

    def record_fetch_failure(
        self, feed_id: int, *, at: datetime, error: str, next_poll_at: datetime
    ) -> int: ...


@runtime_checkable
class MatchStore(Protocol):
    """Unmatched items in, outbox rows out; the subscriptions the index is built from."""

    def match_batch(
        self,
        limit: int,
        match: Callable[[list[Item]], Iterable[tuple[Sequence[int], Sequence[MatchRecord]]]],
        now: datetime,
    ) -> tuple[int, int]: ...

    def matched_items_since(self, since: datetime, limit: int) -> list[Item]: ...

    def record_matches(
        self, item_ids: Sequence[int], matches: Sequence[MatchRecord], now: datetime
    ) -> int: ...

    def all_subscriptions(self) -> list[Subscription]: ...

    def subscription_chats(self) -> dict[int, int]: ...

    def subscriptions_by_ids(self, ids: Sequence[int]) -> list[Subscription]: ...

    def subscriptions_signature(self) -> tuple[int, int, int]: ...


@runtime_checkable
class OutboxStore(Protocol):
    """Claims on the outbox, their settlement, and what a sender learns about chats."""

    def claim_alerts(self, claim: Claim, now: datetime) -> list[PendingAlert]: ...

    def due_digests(
        self, now: datetime, limit: int, kinds: Collection[ChatKind] | None = None
    ) -> list[DueDigest]: ...

    def claim_digest(
        self, owner: str, chat_id: int, up_to: datetime, now: datetime, lease_until: datetime
    ) -> list[PendingAlert]: ...

    def chat_volume(self, chat_id: int) -> ChatVolume: ...

    def renew_leases(self, owner: str, lease_until: datetime) -> int: ...

    def worker_heartbeat(self, owner: str, role: str, now: datetime, alive_within: timedelta) -> int: ...

    def forget_worker(self, owner: str) -> None: ...

    def release_claims(self, owner: str, delivery_ids: Sequence[int] | None = None) -> int: ...

    def mark_sent(self, delivery_ids: Sequence[int], at: datetime, owner: str) -> int: ...

    def mark_retry(
        self, delivery_ids: Sequence[int], *, not_before: datetime, error: str, owner: str | None = None
    ) -> int: ...

    def give_up(self, delivery_ids: Sequence[int], error: str, owner: str | None = None) -> None: ...

    def story_sources(self, story_id: int) -> list[StorySource]: ...

    def get_chat(self, chat_id: int) -> Chat | None: ...

    def deactivate_chat(self, chat_id: int) -> int: ...

    def migrate_chat(self, old_chat_id: int, new_chat_id: int, kind: ChatKind) -> None: ...


@runtime_checkable
class PauseStore(Protocol):
    """Pausing chat feeds that keep failing, and telling the chats that added them (once)."""

    def pause_failing_feeds(self, now: datetime, after: timedelta) -> list[FeedState]: ...

    def untold_paused_feeds(self) -> list[FeedState]: ...

    def mark_feed_owner_told(self, feed_id: int, at: datetime) -> bool: ...

    def get_chat(self, chat_id: int) -> Chat | None: ...


class SpikeCheckStore(Protocol):
    """What the spike check reads (subscriptions with alerts on, counts in the chat's zone) and writes."""

    def spike_subscriptions(self) -> list[Subscription]: ...

    def chat_volume(self, chat_id: int) -> ChatVolume: ...

    def daily_counts(
        self, query: Query, *, first_day: date, days: int, zone: ZoneInfo, releases: bool = True
    ) -> DailyCounts: ...

    def enqueue_spike(
        self, subscription_id: int, day: date, stories: int, average: float, now: datetime
    ) -> bool: ...


@runtime_checkable
class SpikeOutboxStore(Protocol):
    """The spike alert outbox as its sender sees it."""

    def claim_spikes(
        self,
        owner: str,
        lease_until: datetime,
        now: datetime,
        limit: int = 20,
        kinds: Collection[ChatKind] | None = None,
    ) -> list[SpikeAlert]: ...

    def mark_spike_sent(self, alert_id: int, owner: str, at: datetime) -> bool: ...

    def retry_spike(self, alert_id: int, owner: str, not_before: datetime, error: str) -> bool: ...

    def cancel_spike(self, alert_id: int, owner: str, error: str) -> bool: ...

    def release_spikes(self, owner: str) -> int: ...

    def deactivate_chat(self, chat_id: int) -> int: ...

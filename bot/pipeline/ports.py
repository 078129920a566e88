"""What each stage needs from storage, as small typed Protocols (``storage.Store`` implements them all).

A stage depends on its port, not on the store class: the composition root wires the real store in, and a
test can hand a stage anything that keeps the same contract.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from feeds.models import Chat, ChatKind, FeedState, Item, NewItem, Subscription
from feeds.values import Claim, MatchRecord, PendingAlert, StorySource


@runtime_checkable
class IngestStore(Protocol):
    """Feeds due for polling, their fetch results, and the items they carried."""

    def due_feeds(self, now: datetime, limit: int | None = None) -> list[FeedState]: ...

    def list_feeds(self) -> list[FeedState]: ...

    def claim_due_feeds(self, now: datetime, lease_until: datetime, limit: int) -> list[FeedState]: ...

    def next_feed_due_at(self) -> datetime | None: ...

    def add_items(
        self, feed_id: int, items: Sequence[NewItem], story_window: timedelta, *, first_poll: bool = False
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
        self, limit: int, match: Callable[[list[Item]], list[MatchRecord]], now: datetime
    ) -> tuple[int, int]: ...

    def matched_items_since(self, since: datetime, limit: int) -> list[Item]: ...

    def record_matches(
        self, item_ids: Sequence[int], matches: Sequence[MatchRecord], now: datetime
    ) -> int: ...

    def all_subscriptions(self) -> list[Subscription]: ...

    def subscriptions_signature(self) -> tuple[int, int, int]: ...


@runtime_checkable
class OutboxStore(Protocol):
    """Claims on the outbox, their settlement, and what a sender learns about chats."""

    def claim_alerts(self, claim: Claim, now: datetime) -> list[PendingAlert]: ...

    def renew_leases(self, owner: str, lease_until: datetime) -> int: ...

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

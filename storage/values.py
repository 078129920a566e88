"""Values and errors of the storage contract (re-exported by ``storage.store``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from feeds.models import ChatKind, Item, Subscription


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
    kind: str = "instant"  # feeds.volume.HoldKind of the row: instant, quiet or digest
    digest_slot: datetime | None = None


@dataclass(frozen=True, slots=True)
class StorySource:
    """One wire that carried a story."""

    feed_name: str
    link: str | None


@dataclass(frozen=True, slots=True)
class DueDigest:
    """A chat with digest rows due: ``slot`` is the latest due slot (earlier missed slots go along)."""

    chat_id: int
    slot: datetime


@dataclass(frozen=True, slots=True)
class VolumeCounts:
    """For /status: alerts sent to the chat in the last 24 hours and alerts waiting (held or due)."""

    sent_24h: int
    waiting: int

"""Values and errors of the storage contract (re-exported by ``storage.store``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from feeds.models import ChatKind, FeedState, Item, Subscription


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


class DuplicateFeedError(Exception):
    """A feed with this name, or with the same canonical URL, exists already (``existing``)."""

    def __init__(self, existing: FeedState, reason: str) -> None:
        super().__init__(f"{reason} already used by feed {existing.name!r}")
        self.existing = existing
        self.reason = reason  # "name" or "url"

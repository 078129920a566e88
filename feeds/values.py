"""The values the stages exchange with storage and with each other (re-exported by ``storage.store``)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from feeds.models import ChatKind, FeedState, Item, Subscription


class StoreUnavailableError(Exception):
    """The database did not answer (down, restarting, unreachable, locked too long); worth retrying."""


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
class FetchSuccess:
    """A poll answered 200 or 304, to record: validators kept, failures reset, the next poll scheduled, and
    the URL replaced after a permanent redirect (``new_url``), and the digest of a 200's body whose items
    are stored with it (``body_digest``; None keeps the last one)."""

    at: datetime
    next_poll_at: datetime
    etag: str | None
    last_modified: str | None
    new_url: str | None = None
    body_digest: str | None = None


@dataclass(frozen=True, slots=True)
class StorySource:
    """One wire that carried a story."""

    feed_name: str
    link: str | None


@dataclass(frozen=True, slots=True)
class Claim:
    """Who claims outbox rows and until when; at most ``max_chats`` chats, ``per_chat`` rows each."""

    owner: str
    lease_until: datetime
    max_chats: int
    per_chat: int
    kinds: Collection[ChatKind] | None = None


@dataclass(frozen=True, slots=True)
class OutboxStats:
    """The outbox at a glance: rows waiting (active, unpaused chats), since when the oldest due one is due."""

    pending: int
    oldest_due_at: datetime | None


class DuplicateFeedError(Exception):
    """A feed with this name, or with the same canonical URL, exists already (``existing``)."""

    def __init__(self, existing: FeedState, reason: str) -> None:
        super().__init__(f"{reason} already used by feed {existing.name!r}")
        self.existing = existing
        self.reason = reason  # "name" or "url"


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


@dataclass(frozen=True, slots=True)
class FeedOffer:
    """A feed found on a page and offered to one chat as a button; ``name`` is the NAME given, if any."""

    id: int
    chat_id: int
    url: str
    title: str
    name: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SpikeAlert:
    """A claimed spike alert: ``stories`` matched the subscription on the local ``day``, against a mean of
    ``average`` over the 7 days before (the numbers when it was detected)."""

    id: int
    chat_id: int
    chat_kind: ChatKind
    subscription_id: int
    query: str
    day: date
    stories: int
    average: float
    attempts: int

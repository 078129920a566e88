"""The in-memory store's rows: one mutable record per table row, one dict per table, ids handed out in
order from 1 (as the real tables do), and one lock that makes every call one unit of work."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time
from functools import wraps
from typing import Concatenate, ParamSpec, TypeVar

from feeds.models import Chat, ChatKind, DeliveryStatus, FeedState, Item, Subscription
from feeds.volume import HoldKind, QuietWindow, SubscriptionVolume

P = ParamSpec("P")
R = TypeVar("R")
WAITING = (DeliveryStatus.PENDING, DeliveryStatus.SENDING)  # not yet sent: cancelled when chat or query goes


@dataclass
class ChatRow:
    chat: Chat
    zone: str | None = None
    digest: tuple[time, ...] = ()
    quiet: QuietWindow | None = None


@dataclass
class SubscriptionRow:
    subscription: Subscription
    key: str  # storage.chats_repo.query_key of the query: what makes two of a chat the same
    digest: tuple[time, ...] | None = None
    mute_until: datetime | None = None

    @property
    def volume(self) -> SubscriptionVolume:
        return SubscriptionVolume(self.digest, self.mute_until)


@dataclass
class FeedRow:
    state: FeedState
    enabled: bool = True


@dataclass
class ItemRow:
    item: Item
    title_fingerprint: str
    body_fingerprint: str
    queued: bool  # waits for the match stage


@dataclass
class DeliveryRow:
    id: int
    chat_id: int
    story_id: int
    item_id: int
    subscription_id: int | None
    created_at: datetime
    kind: HoldKind
    not_before: datetime | None
    status: DeliveryStatus = DeliveryStatus.PENDING
    attempts: int = 0
    claimed_by: str | None = None
    lease_until: datetime | None = None
    sent_at: datetime | None = None
    last_error: str | None = None

    @property
    def digest_slot(self) -> datetime | None:
        return self.not_before if self.kind is HoldKind.DIGEST else None

    def unclaim(self, status: DeliveryStatus) -> None:
        self.status, self.claimed_by, self.lease_until = status, None, None


@dataclass
class Tables:
    """Every row of the fake, by table."""

    chats: dict[int, ChatRow] = field(default_factory=dict)
    subscriptions: dict[int, SubscriptionRow] = field(default_factory=dict)
    feeds: dict[int, FeedRow] = field(default_factory=dict)
    items: dict[int, ItemRow] = field(default_factory=dict)
    deliveries: dict[int, DeliveryRow] = field(default_factory=dict)
    heartbeats: dict[str, tuple[str, datetime]] = field(default_factory=dict)  # owner -> (role, beat)
    last_ids: dict[str, int] = field(default_factory=dict)

    def next_id(self, table: str) -> int:
        self.last_ids[table] = self.last_ids.get(table, 0) + 1
        return self.last_ids[table]


class MemoryBase:
    """The tables, the default zone of chats that chose none, and the lock of one unit of work."""

    def __init__(self, *, default_zone: str = "UTC") -> None:
        self._tables = Tables()
        self._default_zone = default_zone
        self._lock = threading.RLock()

    def _chat_row(self, chat_id: int) -> ChatRow | None:
        return self._tables.chats.get(chat_id)

    def _sendable(self, chat_id: int, kinds: frozenset[ChatKind] | None) -> bool:
        """The chat is active, unpaused and (when given) of ``kinds``."""
        row = self._tables.chats.get(chat_id)
        if row is None or not row.chat.active or row.chat.paused:
            return False
        return kinds is None or row.chat.kind in kinds

    def _cancel_waiting(self, chat_id: int | None = None, subscription_id: int | None = None) -> int:
        """Cancel the not yet sent rows of a chat or a subscription; returns how many."""
        done = 0
        for row in self._tables.deliveries.values():
            mine = row.chat_id == chat_id if chat_id is not None else row.subscription_id == subscription_id
            if mine and row.status in WAITING:
                row.unclaim(DeliveryStatus.CANCELLED)
                done += 1
        return done


S = TypeVar("S", bound=MemoryBase)


def unit(method: Callable[Concatenate[S, P], R]) -> Callable[Concatenate[S, P], R]:
    """The call is one unit of work: no other call sees it half done."""

    @wraps(method)
    def locked(store: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with store._lock:
            return method(store, *args, **kwargs)

    return locked

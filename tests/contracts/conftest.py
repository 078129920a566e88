"""The contract suite's store: every test runs against the real store on SQLite and on PostgreSQL and
against the in-memory fake (``tests/fakes/memory_store.py``), so the fake cannot drift from the real one.

``ports`` is typed as ``Ports``: the ports the fake implements plus the seeding calls both offer
(``tests/unit/test_fake_ports.py`` checks that both stores have each of their calls, with their parameters).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Protocol

import pytest

from bot.chat.ports import (
    AlertStore,
    ChatStore,
    MembershipStore,
    SettingsStore,
    SubscriptionStore,
    VolumeStore,
)
from bot.pipeline.ports import MatchStore, OutboxStore
from feeds.models import ChatKind, FeedSpec, FeedState, Item, NewItem
from feeds.values import PendingAlert
from storage.store import Store
from tests.fakes.memory_store import MemoryStore

T0 = datetime(2026, 1, 27, 9, 0, tzinfo=UTC)
WINDOW = timedelta(hours=48)


class Ports(
    ChatStore,
    MembershipStore,
    SubscriptionStore,
    SettingsStore,
    VolumeStore,
    AlertStore,
    MatchStore,
    OutboxStore,
    Protocol,
):
    """What the contract suite checks: the ports ``MemoryStore`` implements, and the calls tests seed with."""

    def sync_feeds(self, specs: Sequence[FeedSpec], now: datetime) -> list[FeedState]: ...

    def list_feeds(self) -> list[FeedState]: ...

    def add_items(
        self, feed_id: int, items: Sequence[NewItem], story_window: timedelta, *, first_poll: bool = False
    ) -> list[Item]: ...

    def unmatched_items(self, limit: int) -> list[Item]: ...

    def pending_alerts(self, now: datetime, limit: int) -> list[PendingAlert]: ...

    def count_pending(self, chat_id: int | None = None) -> int: ...


@pytest.fixture(params=["sqlite", "postgresql", "memory"])
def backend_kind(request: pytest.FixtureRequest) -> str:
    """The two real databases and the fake (overrides ``tests/fixtures_db.py``'s two)."""
    return str(request.param)


@pytest.fixture
def ports(backend_kind: str, request: pytest.FixtureRequest) -> Iterator[Ports]:
    """An empty store: the real one, migrated, on each database; or the in-memory fake."""
    if backend_kind == "memory":
        yield MemoryStore()
        return
    url, schema = request.getfixturevalue("migrated_backend")
    store = Store.open(url, schema=schema)
    try:
        yield store
    finally:
        store.close()


def release(
    identity: str, *, title: str | None = None, link: str | None = None, seen: datetime = T0
) -> NewItem:
    """A release with a title of its own (its own story) unless ``title`` or ``link`` joins it to another."""
    title = title or f"Harbor city opens ferry terminal {identity}"
    return NewItem(
        identity=identity,
        link=link,
        title=title,
        body=f"{title}. The port authority said so on Tuesday.",
        summary=title,
        published_at=seen - timedelta(minutes=5),
        first_seen_at=seen,
        title_fingerprint=title,
        body_fingerprint="",
    )


def feed(ports: Ports, name: str = "alpha") -> int:
    """A config feed; returns its id."""
    states = ports.sync_feeds([FeedSpec(name, f"http://127.0.0.1/{name}.xml", 300)], T0)
    return next(state.id for state in states if state.name == name)


def chat_with_subscription(
    ports: Ports, chat_id: int, query: str = "ferry", kind: ChatKind = ChatKind.PRIVATE
) -> int:
    """A chat subscribed (an hour before ``T0``) to ``query``; returns the subscription id."""
    ports.touch_chat(chat_id, kind)
    return ports.add_subscription(chat_id, query, T0 - timedelta(hours=1)).id

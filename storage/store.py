"""The storage facade: one method per unit of work, each its own transaction; returns ``feeds`` models.

``Store`` composes one part per domain (``storage.facade``); the parts open the transactions and the
repositories (``storage.*_repo``, ``storage.outbox``) do the work over the tables of ``storage.db``.
"""

from __future__ import annotations

from datetime import timedelta

from feeds.retention import PruneResult
from feeds.values import (
    Claim,
    DueDigest,
    DuplicateFeedError,
    DuplicateSubscriptionError,
    FeedOffer,
    MatchRecord,
    OutboxStats,
    PendingAlert,
    StoreUnavailableError,
    StorySource,
    VolumeCounts,
)
from storage.db.engine import make_engine
from storage.db.instance import InstanceLock, InstanceLockedError
from storage.facade.aliases import Aliases
from storage.facade.chats import Chats
from storage.facade.deliveries import Deliveries
from storage.facade.feed_sources import FeedSources
from storage.facade.fetching import Fetching
from storage.facade.items import Items
from storage.facade.ops import Operations
from storage.facade.spikes import Spikes
from storage.facade.translations import Translations
from storage.facade.trends import Trends
from storage.facade.updates import Updates
from storage.facade.volume import Volume
from storage.items_repo import KEEP_ITEMS
from storage.migrations import migrate

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


class Store(
    FeedSources,
    Fetching,
    Items,
    Chats,
    Deliveries,
    Volume,
    Spikes,
    Trends,
    Aliases,
    Translations,
    Updates,
    Operations,
):
    """Typed access to the Wirewatch database (SQLite or PostgreSQL): every part's methods on one object,
    which implements every port of ``bot.pipeline.ports``."""

    @classmethod
    def open(
        cls,
        url: str,
        *,
        schema: str | None = None,
        default_zone: str = "UTC",
        keep_items: timedelta = KEEP_ITEMS,
    ) -> Store:
        """Connect, configure (SQLite: WAL, busy timeout, foreign keys) and migrate the schema.

        ``schema`` (PostgreSQL only): use, and create if needed, this schema via ``search_path``."""
        engine = make_engine(url, schema=schema)
        try:
            migrate(engine)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, default_zone=default_zone, keep_items=keep_items)

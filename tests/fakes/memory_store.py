"""``MemoryStore``: an in-memory fake of the store ports that chat and stage tests use as a prop.

It implements, with the real store's rules (the pure ones in ``feeds`` called, not copied):
``bot.chat.ports`` ``ChatStore``, ``MembershipStore``, ``SubscriptionStore``, ``SettingsStore``,
``ZoneStore``, ``VolumeStore`` and ``AlertStore``; ``bot.pipeline.ports`` ``MatchStore`` and
``OutboxStore``; and for seeding, ``sync_feeds``, ``list_feeds``, ``add_items`` (without ``success``),
``unmatched_items``, ``pending_alerts`` and ``count_pending``. ``tests/contracts`` runs the same tests against
it and against ``storage.Store`` on SQLite and PostgreSQL, so it cannot drift.

Real-only (use ``store``): ``IngestStore`` (feed claims, fetch outcomes), ``PauseStore``,
``SpikeCheckStore``, ``SpikeOutboxStore``, ``RetentionStore``, and the chat's ``FeedStore``,
``TrendStore``, ``SearchStore``, ``InsightStore`` and ``SpikeChartStore`` (full-text search and counts).
"""

from __future__ import annotations

from tests.fakes.memory_outbox import MemoryOutbox


class MemoryStore(MemoryOutbox):
    """Every port the fake implements, over one set of in-memory tables; each call one unit of work."""

    def close(self) -> None:
        """Nothing to release (the real store disposes of its engine)."""

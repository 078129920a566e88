"""Feeds as chats, the CLI, OPML and the config manage them: add, remove, find, pause, offers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from feeds.models import FeedOrigin, FeedSpec, FeedState
from feeds.values import (
    FeedOffer,
)
from storage import (
    feed_offers_repo,
    feed_sources_repo,
    feeds_repo,
)
from storage.db.engine import transaction
from storage.facade.base import StoreBase

OFFER_LIFETIME = timedelta(days=1)


class FeedSources(StoreBase):
    """Feed sources: configured, added from chat, the CLI or OPML; paused when failing; offered."""

    def sync_feeds(self, specs: Sequence[FeedSpec], now: datetime) -> list[FeedState]:
        """Upsert configured feeds by name (url/interval updated); config feeds no longer configured are
        disabled. Feeds from chat, the CLI or OPML are left alone (a config feed of the same name takes one
        over). New feeds are due immediately (``next_poll_at = now``)."""
        with transaction(self._engine, write=True) as conn:
            return feeds_repo.sync_feeds(conn, specs, now)

    def add_feed(
        self,
        name: str,
        url: str,
        interval_seconds: int,
        *,
        origin: FeedOrigin,
        now: datetime,
        added_by_chat: int | None = None,
    ) -> FeedState:
        """Add a feed from chat, the CLI or OPML, due now. The name is cleaned (``feeds.sources``; at most 64
        characters, else ``ValueError``); ``DuplicateFeedError`` names the feed that already has this name or
        the same canonical URL."""
        with transaction(self._engine, write=True) as conn:
            return feed_sources_repo.add_feed(
                conn, name, url, interval_seconds, origin=origin, now=now, added_by_chat=added_by_chat
            )

    def remove_feed(self, feed_id: int, now: datetime) -> FeedState | None:
        """Stop polling a feed that is not from the config; its items stay. None if there is no such feed;
        ``ValueError`` for a config feed."""
        with transaction(self._engine, write=True) as conn:
            return feed_sources_repo.remove_feed(conn, feed_id, now)

    def get_feed(self, feed_id: int) -> FeedState | None:
        """One feed by id, enabled or not."""
        with transaction(self._engine, write=False) as conn:
            return feed_sources_repo.get_feed(conn, feed_id)

    def find_feed_by_name(self, name: str) -> FeedState | None:
        """An enabled feed by name (case-insensitive)."""
        with transaction(self._engine, write=False) as conn:
            return feed_sources_repo.find_by_name(conn, name)

    def find_feed_by_url(self, url: str) -> FeedState | None:
        """An enabled feed with the same canonical URL."""
        with transaction(self._engine, write=False) as conn:
            return feed_sources_repo.find_by_url(conn, url)

    def count_feeds_added_by(self, chat_id: int) -> int:
        """Enabled feeds this chat added (for ``telegram.max_feeds_per_chat``)."""
        with transaction(self._engine, write=False) as conn:
            return feed_sources_repo.count_added_by(conn, chat_id)

    def list_feeds(self) -> list[FeedState]:
        """Every enabled feed, ordered by name."""
        with transaction(self._engine, write=False) as conn:
            return feeds_repo.list_feeds(conn)

    def pause_failing_feeds(self, now: datetime, after: timedelta) -> list[FeedState]:
        """Pause chat feeds that have failed without a success for ``after``; returns the newly paused."""
        with transaction(self._engine, write=True) as conn:
            return feed_sources_repo.pause_failing(conn, now, after)

    def untold_paused_feeds(self) -> list[FeedState]:
        """Paused feeds whose adding chat has not been told yet."""
        with transaction(self._engine, write=False) as conn:
            return feed_sources_repo.untold_pauses(conn)

    def mark_feed_owner_told(self, feed_id: int, at: datetime) -> bool:
        """Record that the adding chat was told of the pause (once); False if it was told already."""
        with transaction(self._engine, write=True) as conn:
            return feed_sources_repo.mark_owner_told(conn, feed_id, at)

    def resume_feed(self, feed_id: int, now: datetime) -> bool:
        """Unpause a paused feed and poll it now; False if it was not paused."""
        with transaction(self._engine, write=True) as conn:
            return feed_sources_repo.resume_feed(conn, feed_id, now)

    def offer_feeds(
        self, chat_id: int, found: Sequence[tuple[str, str]], name: str | None, now: datetime
    ) -> list[FeedOffer]:
        """Remember feeds (url, title) offered to a chat as buttons; offers older than a day are dropped."""
        with transaction(self._engine, write=True) as conn:
            return feed_offers_repo.save_offers(conn, chat_id, found, name, now, OFFER_LIFETIME)

    def feed_offer(self, chat_id: int, offer_id: int, now: datetime) -> FeedOffer | None:
        """An offer made to this chat within the last day; None for another chat's or an old one."""
        with transaction(self._engine, write=False) as conn:
            return feed_offers_repo.get_offer(conn, chat_id, offer_id, now - OFFER_LIFETIME)

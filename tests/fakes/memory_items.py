"""The in-memory store's feeds and items: config feeds synced by name, items stored once per feed and
identity, each joined to its story by ``feeds.clustering.pick_story`` (as ``storage.items_repo`` does)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from feeds.clustering import Known, pick_story
from feeds.models import FeedOrigin, FeedSpec, FeedState, Item, NewItem
from feeds.values import FetchSuccess, StorySource
from tests.fakes.memory_rows import FeedRow, ItemRow, MemoryBase, unit


class MemoryItems(MemoryBase):
    """Feeds (as the config declares them) and the items they carried."""

    @unit
    def sync_feeds(self, specs: Sequence[FeedSpec], now: datetime) -> list[FeedState]:
        """Upsert config feeds by name (a changed URL polls now); unlisted config feeds are disabled."""
        names = [spec.name for spec in specs]
        if len(set(names)) != len(names):
            raise ValueError("feed names must be unique")
        by_name = {row.state.name: row for row in self._tables.feeds.values()}
        for spec in specs:
            row = by_name.get(spec.name)
            if row is None:
                feed_id = self._tables.next_id("feeds")
                state = FeedState(feed_id, spec.name, spec.url, spec.interval_seconds, next_poll_at=now)
                self._tables.feeds[feed_id] = FeedRow(state)
                continue
            state = replace(row.state, interval_seconds=spec.interval_seconds, origin=FeedOrigin.CONFIG)
            if state.url != spec.url:
                state = replace(state, url=spec.url, etag=None, last_modified=None, next_poll_at=now)
            row.state, row.enabled = replace(state, paused_at=None), True
        for row in self._tables.feeds.values():
            if row.state.origin is FeedOrigin.CONFIG and row.state.name not in names:
                row.enabled = False
        return self._enabled_feeds()

    def _enabled_feeds(self) -> list[FeedState]:
        return sorted((r.state for r in self._tables.feeds.values() if r.enabled), key=lambda f: f.name)

    @unit
    def list_feeds(self) -> list[FeedState]:
        return self._enabled_feeds()

    @unit
    def add_items(
        self,
        feed_id: int,
        items: Sequence[NewItem],
        story_window: timedelta,
        *,
        first_poll: bool = False,
        success: FetchSuccess | None = None,
    ) -> list[Item]:
        if success is not None:
            raise NotImplementedError("fetch outcomes are real-only: use storage.Store")
        feed = self._tables.feeds[feed_id].state
        stored = {row.item.identity for row in self._tables.items.values() if row.item.feed_id == feed_id}
        unique = list({item.identity: item for item in reversed(items)}.values())[::-1]  # first one wins
        fresh = [item for item in unique if item.identity not in stored]
        known = [self._known(row) for _, row in sorted(self._tables.items.items())]
        added: list[Item] = []
        batch: dict[str, list[Known]] = {}  # earlier new items by link and by title fingerprint
        for new in fresh:
            near = [k for k in known if self._near(new, k, story_window)]
            story = pick_story(new, near, story_window)
            if story is None:
                earlier = batch.get(f"l:{new.link}", []) + batch.get(f"t:{new.title_fingerprint}", [])
                story = pick_story(new, earlier, story_window)
            item = self._store(feed, new, story, queued=not first_poll)
            joined = self._known(self._tables.items[item.id])
            if new.link:
                batch.setdefault(f"l:{new.link}", []).append(joined)
            if new.title_fingerprint:
                batch.setdefault(f"t:{new.title_fingerprint}", []).append(joined)
            added.append(item)
        return added

    @staticmethod
    def _near(new: NewItem, known: Known, window: timedelta) -> bool:
        """A stored candidate: same link or title fingerprint, first seen within the window."""
        same = (new.link and known.link == new.link) or (
            new.title_fingerprint and known.title_fingerprint == new.title_fingerprint
        )
        return bool(same) and abs(known.first_seen_at - new.first_seen_at) <= window

    @staticmethod
    def _known(row: ItemRow) -> Known:
        item, title, body = row.item, row.title_fingerprint, row.body_fingerprint
        return Known(item.story_id, item.link, title, body, item.first_seen_at)

    def _store(self, feed: FeedState, new: NewItem, story: int | None, *, queued: bool) -> Item:
        item_id = self._tables.next_id("items")
        item = Item(
            id=item_id,
            feed_id=feed.id,
            feed_name=feed.name,
            story_id=story if story is not None else item_id,
            identity=new.identity,
            link=new.link,
            title=new.title,
            body=new.body,
            summary=new.summary,
            published_at=new.published_at,
            first_seen_at=new.first_seen_at,
            dateline=new.dateline,
            language=new.language,
        )
        self._tables.items[item_id] = ItemRow(item, new.title_fingerprint, new.body_fingerprint, queued)
        return item

    @unit
    def story_sources(self, story_id: int) -> list[StorySource]:
        rows = [row.item for row in self._tables.items.values() if row.item.story_id == story_id]
        rows.sort(key=lambda item: (item.first_seen_at, item.id))
        return [StorySource(item.feed_name, item.link) for item in rows]

    @unit
    def matched_items_since(self, since: datetime, limit: int) -> list[Item]:
        rows = sorted(self._tables.items.items())
        return [row.item for _, row in rows if not row.queued and row.item.first_seen_at > since][:limit]

    @unit
    def unmatched_items(self, limit: int) -> list[Item]:
        return [row.item for _, row in sorted(self._tables.items.items()) if row.queued][:limit]

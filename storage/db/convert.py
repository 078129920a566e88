"""Rows of the core tables (items, feeds, chats, subscriptions) to ``feeds.models`` values, and the item
select they come from. Joined rows of the outboxes are converted beside their queries
(``storage.outbox.views``, ``storage.outbox.spikes``); no row leaves ``storage`` unconverted."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select

from feeds.models import Chat, ChatKind, Dateline, FeedOrigin, FeedState, Item, Subscription
from storage.db.tables import feeds, items

# The story of an item: its own id when it started the story.
story_of = func.coalesce(items.c.story_id, items.c.id)


def item_select() -> Select[Any]:
    """Every item column plus the resolved story id and the feed's name."""
    return select(*items.c, story_of.label("resolved_story_id"), feeds.c.name.label("feed_name")).join_from(
        items, feeds, items.c.feed_id == feeds.c.id
    )


def to_item(row: Any) -> Item:
    """A row of ``item_select()``."""
    return Item(
        id=row.id,
        feed_id=row.feed_id,
        feed_name=row.feed_name,
        story_id=row.resolved_story_id,
        identity=row.identity,
        link=row.link,
        title=row.title,
        body=row.body,
        summary=row.summary,
        published_at=row.published_at,
        first_seen_at=row.first_seen_at,
        dateline=Dateline(place=row.dateline_place, date=row.dateline_date, wire=row.dateline_wire),
        language=row.language,
    )


def to_feed(row: Any) -> FeedState:
    """A row of ``feeds``."""
    return FeedState(
        id=row.id,
        name=row.name,
        url=row.url,
        interval_seconds=row.interval_seconds,
        etag=row.etag,
        last_modified=row.last_modified,
        last_success_at=row.last_success_at,
        last_error_at=row.last_error_at,
        last_error=row.last_error,
        consecutive_failures=row.consecutive_failures,
        next_poll_at=row.next_poll_at,
        origin=FeedOrigin(row.origin),
        added_by_chat=row.added_by_chat,
        failing_since=row.failing_since,
        paused_at=row.paused_at,
        owner_told_at=row.owner_told_at,
    )


def to_chat(row: Any) -> Chat:
    """A row of ``chats``."""
    return Chat(
        id=row.id,
        kind=ChatKind(row.kind),
        active=bool(row.active),
        paused=bool(row.paused),
        language=row.language,
        sender_language=row.sender_language,
    )


def to_subscription(row: Any) -> Subscription:
    """A row of ``subscriptions``."""
    return Subscription(
        id=row.id,
        chat_id=row.chat_id,
        query=row.query,
        created_at=row.created_at,
        spike_alerts=bool(row.spike_alerts),
        last_spike_on=row.last_spike_on,
    )

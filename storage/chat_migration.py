"""A group became a supergroup: move its subscriptions and deliveries to the new chat id, merging."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, delete, select, update

from feeds.models import ChatKind
from storage.chats_repo import cancel_pending, get_chat, touch_chat
from storage.db.tables import chats, deliveries, subscriptions


def migrate_chat(conn: Connection, old_id: int, new_id: int, kind: ChatKind) -> None:
    """Move subscriptions and deliveries (skipping ones the new chat already has); deactivate the old id."""
    old = get_chat(conn, old_id)
    existed = get_chat(conn, new_id) is not None
    touch_chat(conn, new_id, kind)
    if old is None:
        return
    if not existed:  # the supergroup starts with the group's pause, language and volume settings
        columns = (chats.c.paused, chats.c.language, chats.c.sender_language, chats.c.timezone)
        settings = select(*columns, chats.c.digest_times, chats.c.quiet_hours)
        values = conn.execute(settings.where(chats.c.id == old_id)).one()._asdict()
        conn.execute(update(chats).where(chats.c.id == new_id).values(**values))
    _move_subscriptions(conn, old_id, new_id)
    new_stories = select(deliveries.c.story_id).where(deliveries.c.chat_id == new_id).scalar_subquery()
    conn.execute(
        update(deliveries)
        .where(deliveries.c.chat_id == old_id, deliveries.c.story_id.not_in(new_stories))
        .values(chat_id=new_id)
    )
    conn.execute(update(chats).where(chats.c.id == old_id).values(active=False, updated_at=datetime.now(UTC)))
    cancel_pending(conn, old_id)


def _move_subscriptions(conn: Connection, old_id: int, new_id: int) -> None:
    """Queries the new chat lacks move; duplicates are dropped, their deliveries re-pointed to the twin."""
    new_keys = select(subscriptions.c.query_key).where(subscriptions.c.chat_id == new_id).scalar_subquery()
    conn.execute(
        update(subscriptions)
        .where(subscriptions.c.chat_id == old_id, subscriptions.c.query_key.not_in(new_keys))
        .values(chat_id=new_id)
    )
    twins = conn.execute(
        select(subscriptions.c.id, subscriptions.c.query_key).where(subscriptions.c.chat_id == old_id)
    ).all()
    for old_sub, key in twins:
        twin = select(subscriptions.c.id).where(
            subscriptions.c.chat_id == new_id, subscriptions.c.query_key == key
        )
        twin_id = conn.execute(twin).scalar_one()
        conn.execute(
            update(deliveries).where(deliveries.c.subscription_id == old_sub).values(subscription_id=twin_id)
        )
    conn.execute(delete(subscriptions).where(subscriptions.c.chat_id == old_id))

"""Feeds offered to a chat as buttons: saved when a page links several, read back when one is pressed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, select

from feeds.values import FeedOffer
from storage.db.tables import feed_offers


def save_offers(
    conn: Connection,
    chat_id: int,
    found: Sequence[tuple[str, str]],
    name: str | None,
    now: datetime,
    keep: timedelta,
) -> list[FeedOffer]:
    """Store (url, title) offers for ``chat_id``; offers older than ``keep`` (any chat) are dropped."""
    conn.execute(delete(feed_offers).where(feed_offers.c.created_at < now - keep))
    saved: list[FeedOffer] = []
    for url, title in found:
        offer_id = conn.execute(
            feed_offers.insert()
            .values(chat_id=chat_id, url=url, title=title, name=name, created_at=now)
            .returning(feed_offers.c.id)
        ).scalar_one()
        saved.append(FeedOffer(int(offer_id), chat_id, url, title, name, now))
    return saved


def get_offer(conn: Connection, chat_id: int, offer_id: int, since: datetime) -> FeedOffer | None:
    """The offer made to this chat (never another chat's) no earlier than ``since``."""
    row = conn.execute(
        select(feed_offers).where(
            feed_offers.c.id == offer_id,
            feed_offers.c.chat_id == chat_id,
            feed_offers.c.created_at >= since,
        )
    ).first()
    if row is None:
        return None
    return FeedOffer(row.id, row.chat_id, row.url, row.title, row.name, row.created_at)

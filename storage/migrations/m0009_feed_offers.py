"""Feeds offered to a chat as buttons (``/addfeed`` of a page that links several), frozen here."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Connection, Index, Integer, MetaData, Table, Text

from storage.db.types import UTCDateTime

_md = MetaData()
_offers = Table(
    "feed_offers",
    _md,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True),
    Column("chat_id", BigInteger, nullable=False),
    Column("url", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("name", Text, nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_feed_offers_chat", "chat_id", "created_at"),
)


def apply(conn: Connection) -> None:
    """Create the table and its index."""
    _md.create_all(conn)

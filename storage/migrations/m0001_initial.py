"""Migration 1: the initial schema, frozen here (later steps alter it; never edit this one)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from storage.db.types import UTCDateTime

_id = BigInteger().with_variant(Integer(), "sqlite")
_md = MetaData()


def _when(name: str, nullable: bool = True) -> Column[object]:
    return Column(name, UTCDateTime(), nullable=nullable)


Table(
    "feeds",
    _md,
    Column("id", _id, primary_key=True),
    Column("name", Text, nullable=False, unique=True),
    Column("url", Text, nullable=False),
    Column("interval_seconds", Integer, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("etag", Text),
    Column("last_modified", Text),
    _when("last_success_at"),
    _when("last_error_at"),
    Column("last_error", Text),
    Column("consecutive_failures", Integer, nullable=False),
    _when("next_poll_at", nullable=False),
    _when("created_at", nullable=False),
    _when("updated_at", nullable=False),
    Index("ix_feeds_due", "enabled", "next_poll_at"),
)
Table(
    "items",
    _md,
    Column("id", _id, primary_key=True),
    Column("feed_id", _id, ForeignKey("feeds.id"), nullable=False),
    Column("identity", Text, nullable=False),
    Column("story_id", _id),
    Column("link", Text),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("summary", Text, nullable=False),
    _when("published_at", nullable=False),
    _when("first_seen_at", nullable=False),
    Column("dateline_place", Text),
    Column("dateline_date", Text),
    Column("dateline_wire", Text),
    Column("title_fingerprint", Text, nullable=False),
    Column("body_fingerprint", Text, nullable=False),
    _when("matched_at"),
    UniqueConstraint("feed_id", "identity", name="uq_items_feed_identity"),
    Index("ix_items_story", "story_id"),
    Index("ix_items_link", "link"),
    Index("ix_items_title_fp", "title_fingerprint"),
    Index("ix_items_first_seen", "first_seen_at"),
    Index(
        "ix_items_unmatched",
        "id",
        sqlite_where=text("matched_at IS NULL"),
        postgresql_where=text("matched_at IS NULL"),
    ),
)
Table(
    "chats",
    _md,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("kind", String(20), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("paused", Boolean, nullable=False),
    _when("created_at", nullable=False),
    _when("updated_at", nullable=False),
)
Table(
    "subscriptions",
    _md,
    Column("id", _id, primary_key=True),
    Column("chat_id", BigInteger, ForeignKey("chats.id"), nullable=False),
    Column("query", Text, nullable=False),
    Column("query_key", Text, nullable=False),
    _when("created_at", nullable=False),
    UniqueConstraint("chat_id", "query_key", name="uq_subscriptions_chat_query"),
)
Table(
    "deliveries",
    _md,
    Column("id", _id, primary_key=True),
    Column("chat_id", BigInteger, ForeignKey("chats.id"), nullable=False),
    Column("story_id", _id, nullable=False),
    Column("item_id", _id, ForeignKey("items.id"), nullable=False),
    Column("subscription_id", _id, ForeignKey("subscriptions.id", ondelete="SET NULL")),
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text),
    _when("not_before"),
    _when("created_at", nullable=False),
    _when("sent_at"),
    UniqueConstraint("chat_id", "story_id", name="uq_deliveries_chat_story"),
    Index(
        "ix_deliveries_pending",
        "id",
        sqlite_where=text("status = 'pending'"),
        postgresql_where=text("status = 'pending'"),
    ),
    Index("ix_deliveries_subscription", "subscription_id"),
)

# Search tokens split on whitespace only: every other character class is part of a token.
SQLITE_FTS = (
    "CREATE VIRTUAL TABLE items_fts USING fts5(tokens, content='', columnsize=0, "
    "tokenize=\"unicode61 remove_diacritics 0 categories 'L* N* M* S* P* Co Cf Cn Cs'\")"
)
PG_SEARCH = (
    "CREATE TABLE item_search (item_id BIGINT PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE, "
    "first_seen_at TIMESTAMPTZ NOT NULL, tokens tsvector NOT NULL)",
    "CREATE INDEX ix_item_search_tokens ON item_search USING gin (tokens)",
)


def apply(conn: Connection) -> None:
    """Create the tables, indexes and the dialect's full-text side table."""
    _md.create_all(conn)
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(SQLITE_FTS)
    elif conn.dialect.name == "postgresql":
        for statement in PG_SEARCH:
            conn.exec_driver_sql(statement)

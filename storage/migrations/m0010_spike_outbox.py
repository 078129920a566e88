"""The spike alert outbox (one row per subscription and local day, claimed and settled like deliveries),
and a narrow index of items for daily counts.

The table is spelled out here (not taken from ``storage.db.tables``), so this step keeps creating the same
table when the model changes in a later version.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Date,
    Float,
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

_ID = BigInteger().with_variant(Integer(), "sqlite")


def _table() -> Table:
    meta = MetaData()
    Table("subscriptions", meta, Column("id", _ID, primary_key=True))
    Table("chats", meta, Column("id", BigInteger, primary_key=True))
    open_rows = text("status IN ('pending', 'sending')")
    return Table(
        "spike_alerts",
        meta,
        Column("id", _ID, primary_key=True),
        Column("subscription_id", _ID, ForeignKey("subscriptions.id", ondelete="CASCADE"), nullable=False),
        Column("chat_id", BigInteger, ForeignKey("chats.id"), nullable=False),
        Column("day", Date, nullable=False),
        Column("stories", Integer, nullable=False),
        Column("average", Float, nullable=False),
        Column("status", String(20), nullable=False),
        Column("attempts", Integer, nullable=False),
        Column("last_error", Text),
        Column("not_before", UTCDateTime()),
        Column("created_at", UTCDateTime(), nullable=False),
        Column("sent_at", UTCDateTime()),
        Column("claimed_by", String(100)),
        Column("lease_until", UTCDateTime()),
        UniqueConstraint("subscription_id", "day", name="uq_spike_alerts_subscription_day"),
        Index("ix_spike_alerts_open", "id", sqlite_where=open_rows, postgresql_where=open_rows),
    )


def apply(conn: Connection) -> None:
    """Create ``spike_alerts`` with its unique (subscription, day) key and the index of open rows; and
    ``ix_items_trend`` (id, story, first seen): daily counts read it instead of the wide item rows."""
    _table().create(conn)
    conn.exec_driver_sql("CREATE INDEX ix_items_trend ON items (id, story_id, first_seen_at)")

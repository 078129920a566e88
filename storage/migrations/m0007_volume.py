"""Volume control: chat zone, digest times and quiet hours; subscription digest override and mute; the
outbox row's kind and digest slot, with indexes for due digests and per-chat counts."""

from __future__ import annotations

from sqlalchemy import Connection, DateTime

_COLUMNS = (
    ("chats", "timezone", "TEXT"),
    ("chats", "digest_times", "TEXT"),
    ("chats", "quiet_hours", "TEXT"),
    ("subscriptions", "digest_times", "TEXT"),
    ("subscriptions", "mute_until", "{when}"),
    ("deliveries", "kind", "VARCHAR(10) NOT NULL DEFAULT 'instant'"),
    ("deliveries", "digest_slot", "{when}"),
)
_INDEXES = (
    "CREATE INDEX ix_deliveries_digest_due ON deliveries (digest_slot, chat_id, not_before) "
    "WHERE status = 'pending' AND kind = 'digest'",
    "CREATE INDEX ix_deliveries_chat_sent ON deliveries (chat_id, sent_at)",
)


def apply(conn: Connection) -> None:
    """Add the columns (existing rows: follow defaults, instant) and the indexes."""
    when = DateTime(timezone=True).compile(dialect=conn.dialect)
    for table, column, kind in _COLUMNS:
        conn.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {column} {kind.format(when=when)}")
    for statement in _INDEXES:
        conn.exec_driver_sql(statement)

"""Migration 2: outbox claims. A row being sent is ``sending``, owned by one process until its lease ends."""

from __future__ import annotations

from sqlalchemy import Connection

STATEMENTS = (
    "ALTER TABLE deliveries ADD COLUMN claimed_by VARCHAR(100)",
    "CREATE INDEX ix_deliveries_sending ON deliveries (chat_id) WHERE status = 'sending'",
    "CREATE INDEX ix_deliveries_pending_chat ON deliveries (chat_id, id) WHERE status = 'pending'",
)


def apply(conn: Connection) -> None:
    """Add ``claimed_by`` and ``lease_until`` to the outbox, and the indexes the claims use."""
    lease_type = "TIMESTAMP WITH TIME ZONE" if conn.dialect.name == "postgresql" else "DATETIME"
    conn.exec_driver_sql(f"ALTER TABLE deliveries ADD COLUMN lease_until {lease_type}")
    for statement in STATEMENTS:
        conn.exec_driver_sql(statement)

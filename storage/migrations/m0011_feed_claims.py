"""Migration 11: who is polling a feed right now (``feeds.claimed_by``), so claims can be renewed and a
restarted single-process instance can take back what it held when it died."""

from __future__ import annotations

from sqlalchemy import Connection


def apply(conn: Connection) -> None:
    """Add ``feeds.claimed_by``."""
    conn.exec_driver_sql("ALTER TABLE feeds ADD COLUMN claimed_by VARCHAR(100)")

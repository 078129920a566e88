"""Spike alerts per subscription: on/off and the last local day one was sent (at most one a day)."""

from __future__ import annotations

from sqlalchemy import Connection


def apply(conn: Connection) -> None:
    """Add ``subscriptions.spike_alerts`` (default off) and ``subscriptions.last_spike_on``."""
    conn.exec_driver_sql("ALTER TABLE subscriptions ADD COLUMN spike_alerts BOOLEAN NOT NULL DEFAULT FALSE")
    conn.exec_driver_sql("ALTER TABLE subscriptions ADD COLUMN last_spike_on DATE")

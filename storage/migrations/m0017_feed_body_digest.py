"""Migration 17: ``feeds.body_digest``, the digest of the last 200 whose items were stored (issue 25).

A 200 answering the same bytes again is recorded as a poll and not parsed. Feeds polled before this step
keep a NULL digest: their next 200 parses as before and stores the digest.
"""

from __future__ import annotations

from sqlalchemy import Connection


def apply(conn: Connection) -> None:
    """Add the nullable column."""
    conn.exec_driver_sql("ALTER TABLE feeds ADD COLUMN body_digest VARCHAR(64)")

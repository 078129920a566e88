"""Migration 16: Telegram updates already handled (``handled_updates``), so that a webhook update Telegram
sends again (it re-sends whenever we did not answer in time) is answered and not run twice, by any process."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Connection, Index, MetaData, Table

from storage.db.types import UTCDateTime

_md = MetaData()
Table(
    "handled_updates",
    _md,
    Column("update_id", BigInteger, primary_key=True, autoincrement=False),
    Column("handled_at", UTCDateTime(), nullable=False),
    Index("ix_handled_updates_at", "handled_at"),
)


def apply(conn: Connection) -> None:
    """Create ``handled_updates`` and its index by time (pruning)."""
    _md.create_all(conn)

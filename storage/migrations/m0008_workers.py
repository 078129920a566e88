"""Migration 8: worker heartbeats, so that deliver processes can share the bot's message budget."""

from __future__ import annotations

from sqlalchemy import Column, Connection, MetaData, String, Table

from storage.db.types import UTCDateTime

_md = MetaData()

Table(
    "worker_heartbeats",
    _md,
    Column("owner", String(100), primary_key=True),
    Column("role", String(20), nullable=False),
    Column("beat_at", UTCDateTime(), nullable=False),
)


def apply(conn: Connection) -> None:
    """Create ``worker_heartbeats``."""
    _md.create_all(conn)

"""Feeds from chat, the CLI and OPML: where a feed came from, who added it, and pausing a failing one.

``origin`` is ``config`` for every feed that exists already (they all came from ``config.toml``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Column, Connection, Text
from sqlalchemy.schema import CreateColumn

from storage.db.types import UTCDateTime

COLUMNS: tuple[Column[Any], ...] = (
    Column("origin", Text, nullable=False, server_default="config"),
    Column("added_by_chat", BigInteger, nullable=True),
    Column("failing_since", UTCDateTime(), nullable=True),
    Column("paused_at", UTCDateTime(), nullable=True),
    Column("owner_told_at", UTCDateTime(), nullable=True),
)


def apply(conn: Connection) -> None:
    for column in COLUMNS:
        ddl = CreateColumn(column).compile(dialect=conn.dialect)
        conn.exec_driver_sql(f"ALTER TABLE feeds ADD COLUMN {ddl}")

"""Migration: ``chats.language``, the chat's own /lang choice (NULL: answer in the sender's language)."""

from __future__ import annotations

from sqlalchemy import Connection


def apply(conn: Connection) -> None:
    """Add the nullable column; existing chats keep following their senders' languages."""
    conn.exec_driver_sql("ALTER TABLE chats ADD COLUMN language VARCHAR(16)")

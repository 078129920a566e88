"""Migration: ``chats.language`` (the /lang choice) and ``chats.sender_language`` (the last sender's)."""

from __future__ import annotations

from sqlalchemy import Connection


def apply(conn: Connection) -> None:
    """Add the nullable columns; existing chats keep the default language until someone talks."""
    conn.exec_driver_sql("ALTER TABLE chats ADD COLUMN language VARCHAR(16)")
    conn.exec_driver_sql("ALTER TABLE chats ADD COLUMN sender_language VARCHAR(16)")

"""Telegram updates taken for handling: one row per ``update_id``, claimed with INSERT … ON CONFLICT DO
NOTHING so that of several processes given the same update exactly one runs it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete

from storage.db.dialect import upsert
from storage.db.tables import handled_updates


def claim_update(conn: Connection, update_id: int, now: datetime, forget_before: datetime) -> bool:
    """Take ``update_id`` for handling; False when some process took it after ``forget_before``. Rows older
    than that are dropped first."""
    conn.execute(delete(handled_updates).where(handled_updates.c.handled_at < forget_before))
    statement = (
        upsert(conn, handled_updates)
        .values(update_id=update_id, handled_at=now)
        .on_conflict_do_nothing(index_elements=["update_id"])
        .returning(handled_updates.c.update_id)
    )
    return conn.execute(statement).first() is not None

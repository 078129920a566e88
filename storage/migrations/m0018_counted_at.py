"""Migration 18: ``items.counted_at`` and ``items.backlog``, so counts go by the day of publication.

``counted_at`` is the moment a release counts at in /test, /trend, sparklines and spike checks
(``feeds.trends.count_moment``: its publication when plausible, else its first sight), computed once when the
release is stored. ``backlog``: stored by its feed's first poll without being news then; never counts
towards a spike. Releases stored before this step keep counting on their first-seen day and are not backlog.
``ix_items_trend`` (SQLite) and ``item_search`` (PostgreSQL) carry both, so counts still read no wide row.
"""

from __future__ import annotations

from sqlalchemy import Connection

_EPOCH_SQLITE = "'1970-01-01 00:00:00.000000'"


def apply(conn: Connection) -> None:
    """Add and fill the columns (PostgreSQL: in ``item_search`` too); rebuild the trend index over them."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(
            f"ALTER TABLE items ADD COLUMN counted_at DATETIME NOT NULL DEFAULT {_EPOCH_SQLITE}"
        )
        conn.exec_driver_sql("ALTER TABLE items ADD COLUMN backlog BOOLEAN NOT NULL DEFAULT 0")
        conn.exec_driver_sql("UPDATE items SET counted_at = first_seen_at")
    else:
        for table in ("items", "item_search"):
            conn.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN counted_at TIMESTAMPTZ")
            conn.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN backlog BOOLEAN NOT NULL DEFAULT FALSE")
            conn.exec_driver_sql(f"UPDATE {table} SET counted_at = first_seen_at")
            conn.exec_driver_sql(f"ALTER TABLE {table} ALTER COLUMN counted_at SET NOT NULL")
    conn.exec_driver_sql("DROP INDEX IF EXISTS ix_items_trend")
    conn.exec_driver_sql("CREATE INDEX ix_items_trend ON items (id, story_id, counted_at, backlog)")

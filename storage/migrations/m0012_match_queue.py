"""Migration 12: the match stage's work queue, ``match_queue`` (a narrow row per item waiting to be matched).

The stage used to claim ``items WHERE matched_at IS NULL`` through a partial index. Every matched item left a
dead entry in that index (the wide ``items`` table is vacuumed rarely), and each claim walked all of them
first: on PostgreSQL during a cold pass that claim cost more database time than storing the items. A queue
row is deleted when its item is matched; the small table is vacuumed often and its index stays short.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Connection, ForeignKey, Integer, MetaData, Table

_ID = BigInteger().with_variant(Integer(), "sqlite")


def _table() -> Table:
    meta = MetaData()
    Table("items", meta, Column("id", _ID, primary_key=True))
    return Table(
        "match_queue",
        meta,
        Column("item_id", _ID, ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
        sqlite_with_rowid=False,
    )


def apply(conn: Connection) -> None:
    """Create ``match_queue`` holding every unmatched item; drop the partial index it replaces."""
    _table().create(conn)
    conn.exec_driver_sql("INSERT INTO match_queue (item_id) SELECT id FROM items WHERE matched_at IS NULL")
    conn.exec_driver_sql("DROP INDEX IF EXISTS ix_items_unmatched")
    if conn.dialect.name == "postgresql":  # a queue: vacuum it after a few thousand deletions, not 20 %
        conn.exec_driver_sql(
            "ALTER TABLE match_queue SET"
            " (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 2000)"
        )

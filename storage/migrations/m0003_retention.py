"""Retention: remembered identities of pruned items, the tokens FTS5 needs to delete, an outbox index.

- ``pruned_identities (feed_id, identity)``: an item deleted by retention stays known, so a feed that lists it
  again never stores (or alerts) it again.
- SQLite only, ``item_tokens (item_id, tokens)``: ``items_fts`` is a contentless FTS5 table (SQLite < 3.43 has
  no ``contentless_delete``), and deleting a row from it needs the exact tokens it was indexed with. The
  tokens are recomputed here from each item's title and body and the index is rebuilt from them, so index
  and kept tokens agree by construction.
- ``ix_deliveries_item``: deleting an item checks the outbox's foreign key; without an index on
  ``deliveries.item_id`` that is a full scan of the outbox per deleted item.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from feeds.search import index_tokens

PRUNED = (
    "CREATE TABLE pruned_identities (feed_id {id_type} NOT NULL REFERENCES feeds(id), identity TEXT NOT NULL,"
    " PRIMARY KEY (feed_id, identity)){suffix}"
)
SQLITE_TOKENS = "CREATE TABLE item_tokens (item_id INTEGER PRIMARY KEY, tokens TEXT NOT NULL)"
DELIVERIES_ITEM = "CREATE INDEX ix_deliveries_item ON deliveries (item_id)"
_BATCH = 2000


def apply(conn: Connection) -> None:
    """Create the tables and the index; on SQLite keep every item's tokens and rebuild the FTS5 index."""
    sqlite = conn.dialect.name == "sqlite"
    id_type, suffix = ("INTEGER", " WITHOUT ROWID") if sqlite else ("BIGINT", "")
    conn.exec_driver_sql(PRUNED.format(id_type=id_type, suffix=suffix))
    conn.exec_driver_sql(DELIVERIES_ITEM)
    if sqlite:
        conn.exec_driver_sql(SQLITE_TOKENS)
        _rebuild_sqlite_index(conn)


def _rebuild_sqlite_index(conn: Connection) -> None:
    """Tokens of every item into ``item_tokens``; the FTS5 index emptied and refilled from them."""
    last = 0
    select_batch = text("SELECT id, title, body FROM items WHERE id > :last ORDER BY id LIMIT :n")
    insert = text("INSERT INTO item_tokens (item_id, tokens) VALUES (:id, :tokens)")
    while rows := conn.execute(select_batch, {"last": last, "n": _BATCH}).all():
        conn.execute(insert, [{"id": r.id, "tokens": index_tokens(r.title, r.body)} for r in rows])
        last = rows[-1].id
    conn.exec_driver_sql("INSERT INTO items_fts (items_fts) VALUES ('delete-all')")
    conn.exec_driver_sql("INSERT INTO items_fts (rowid, tokens) SELECT item_id, tokens FROM item_tokens")

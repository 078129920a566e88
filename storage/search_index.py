"""The full-text side table: SQLite FTS5 ``items_fts`` (rowid = item id), PostgreSQL ``item_search``.

Both hold the item's search tokens exactly (no stemming, no parsing); ``recent`` filters with a rendered
``SearchExpr`` and walks newest first by id, so a ``LIMIT`` stops early.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, column, table, text

from feeds.models import Item
from feeds.search import SearchExpr
from storage.convert import item_select, to_item
from storage.search_sql import fts5_match, pg_tsquery, pg_tsvector, simplify
from storage.tables import items

_fts = table("items_fts", column("rowid"))
_pg = table("item_search", column("item_id"))


def add(conn: Connection, rows: Sequence[tuple[int, str]]) -> None:
    """Index (item id, space-separated tokens) pairs."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        stmt = text("INSERT INTO item_search (item_id, tokens) VALUES (:id, CAST(:tokens AS tsvector))")
        conn.execute(stmt, [{"id": item_id, "tokens": pg_tsvector(tokens)} for item_id, tokens in rows])
    else:
        stmt = text("INSERT INTO items_fts (rowid, tokens) VALUES (:id, :tokens)")
        conn.execute(stmt, [{"id": item_id, "tokens": tokens} for item_id, tokens in rows])


def recent(
    conn: Connection, *, since: datetime, limit: int, candidates: SearchExpr | None, before_id: int | None
) -> list[Item]:
    """Items first seen at or after ``since`` (matching ``candidates``), newest first by id."""
    expr = True if candidates is None else simplify(candidates)
    if expr is False or limit <= 0:
        return []
    stmt = item_select().where(items.c.first_seen_at >= since).limit(limit)
    if expr is True:
        if before_id is not None:
            stmt = stmt.where(items.c.id < before_id)
        return [to_item(row) for row in conn.execute(stmt.order_by(items.c.id.desc()))]
    if conn.dialect.name == "postgresql":
        stmt = stmt.join(_pg, _pg.c.item_id == items.c.id).where(
            text("item_search.tokens @@ CAST(:query AS tsquery)").bindparams(query=pg_tsquery(expr))
        )
        key = _pg.c.item_id
    else:
        stmt = stmt.join(_fts, _fts.c.rowid == items.c.id).where(
            text("items_fts MATCH :query").bindparams(query=fts5_match(expr))
        )
        key = _fts.c.rowid
    if before_id is not None:
        stmt = stmt.where(key < before_id)
    return [to_item(row) for row in conn.execute(stmt.order_by(key.desc()))]

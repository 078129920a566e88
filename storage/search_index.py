"""The full-text side table: SQLite FTS5 ``items_fts`` (rowid = item id), PostgreSQL ``item_search``.

Both hold the item's search tokens exactly (no stemming, no parsing). SQLite walks the FTS5 index newest first
by rowid, so a ``LIMIT`` stops early. PostgreSQL's planner cannot cost detoasting a tsvector and guesses the
frequency of unseen tokens, so the plan is chosen here: first look at the newest rows only (enough for a
common term), else use the GIN index (``item_search`` repeats ``first_seen_at`` so no join is needed there).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import BindParameter, Connection, bindparam, column, select, table, text

from feeds.models import Item
from feeds.script_fold import fold_script
from feeds.search import SearchExpr, index_tokens
from storage.db.convert import item_select, to_item
from storage.db.dialect import chunks, pg_settings
from storage.db.tables import items
from storage.db.types import UTCDateTime, as_utc
from storage.search_sql import fts5_match, pg_tsquery, pg_tsvector, simplify

_fts = table("items_fts", column("rowid"))
_GIN_ONLY = {"enable_seqscan": "off", "enable_indexscan": "off"}
NEWEST_PROBE = 200
"""PostgreSQL: how many of the newest rows to test before switching to the GIN index."""

_FTS_DELETE = text("INSERT INTO items_fts (items_fts, rowid, tokens) VALUES ('delete', :id, :tokens)")
_IDS: BindParameter[Any] = bindparam("ids", expanding=True)
_SQLITE_TOKENS = text("SELECT item_id, tokens FROM item_tokens WHERE item_id IN :ids").bindparams(_IDS)
_PG_ADD = text(
    "INSERT INTO item_search (item_id, first_seen_at, counted_at, backlog, tokens) SELECT * FROM unnest("
    "CAST(:ids AS BIGINT[]), CAST(:seen AS TIMESTAMPTZ[]), CAST(:counted AS TIMESTAMPTZ[]),"
    " CAST(:backlog AS BOOLEAN[]), CAST(:tokens AS TSVECTOR[]))"
)
_PG_RETOKEN = text(
    "UPDATE item_search AS s SET tokens = v.tokens FROM (SELECT unnest(CAST(:ids AS BIGINT[])) AS item_id,"
    " unnest(CAST(:tokens AS TSVECTOR[])) AS tokens) AS v WHERE s.item_id = v.item_id"
)
_PG_DELETE = text("DELETE FROM item_search WHERE item_id IN :ids").bindparams(_IDS)
_PG_NEWEST = text(
    "SELECT item_id FROM (SELECT item_id, tokens FROM item_search"
    " WHERE item_id < :before AND first_seen_at >= :since ORDER BY item_id DESC LIMIT :probe) AS newest"
    " WHERE tokens @@ CAST(:query AS tsquery) ORDER BY item_id DESC LIMIT :limit"
).bindparams(bindparam("since", type_=UTCDateTime()))
_PG_INDEXED = text(
    "SELECT item_id FROM item_search WHERE tokens @@ CAST(:query AS tsquery)"
    " AND item_id < :before AND first_seen_at >= :since ORDER BY item_id DESC LIMIT :limit"
).bindparams(bindparam("since", type_=UTCDateTime()))


class IndexRow(NamedTuple):
    """What the index holds of an item (PostgreSQL's ``item_search`` repeats the times daily counts need)."""

    item_id: int
    first_seen_at: datetime
    counted_at: datetime
    backlog: bool
    tokens: str  # space-separated search tokens
    lexemes: str = ""  # PostgreSQL: their tsvector literal when the parse worker made it (``pg_tsvector``)


def add(conn: Connection, rows: Sequence[IndexRow]) -> None:
    """Index these items."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":  # one statement for the batch: a row each costs the server more
        conn.execute(
            _PG_ADD,
            {
                "ids": [row.item_id for row in rows],
                "seen": [as_utc(row.first_seen_at) for row in rows],
                "counted": [as_utc(row.counted_at) for row in rows],
                "backlog": [row.backlog for row in rows],
                "tokens": [row.lexemes or pg_tsvector(row.tokens) for row in rows],
            },
        )
    else:
        _sqlite_add(conn, {row.item_id: row.tokens for row in rows})


def remove(conn: Connection, item_ids: Sequence[int]) -> int:
    """Drop these items from the index; returns how many entries were removed.

    SQLite: FTS5's ``delete`` command with the exact tokens kept in ``item_tokens`` (a contentless table
    cannot find them itself)."""
    removed = 0
    for part in chunks(sorted(set(item_ids))):
        if conn.dialect.name == "postgresql":
            removed += conn.execute(_PG_DELETE, {"ids": list(part)}).rowcount
            continue
        found = conn.execute(_SQLITE_TOKENS, {"ids": list(part)})
        rows = [{"id": r.item_id, "tokens": r.tokens} for r in found]
        if rows:
            conn.execute(_FTS_DELETE, rows)
            conn.execute(text("DELETE FROM item_tokens WHERE item_id = :id"), rows)
        removed += len(rows)
    return removed


def reindex_batch(conn: Connection, *, after_id: int, limit: int) -> tuple[int | None, int, int]:
    """Recompute the search tokens of the next ``limit`` items (ids above ``after_id``) and rewrite the
    entries of those with a character the script fold changes (SQLite: only if their tokens changed);
    returns (the last id read, None when there was none; how many items were read; how many entries were
    rewritten)."""
    stmt = select(items.c.id, items.c.title, items.c.body)
    rows = conn.execute(stmt.where(items.c.id > after_id).order_by(items.c.id).limit(limit)).all()
    if not rows:
        return None, 0, 0
    fresh = {
        row.id: index_tokens(row.title, row.body)
        for row in rows
        if _script_folds(row.title) or _script_folds(row.body)
    }
    if fresh and conn.dialect.name != "postgresql":
        stored = {row.item_id: row.tokens for row in conn.execute(_SQLITE_TOKENS, {"ids": list(fresh)})}
        fresh = {item_id: tokens for item_id, tokens in fresh.items() if stored.get(item_id) != tokens}
    _retoken(conn, fresh)
    return rows[-1].id, len(rows), len(fresh)


def _retoken(conn: Connection, tokens: dict[int, str]) -> None:
    """Replace these items' tokens. PostgreSQL updates ``tokens`` alone, leaving the other columns of
    ``item_search`` (which migrations after 14 add) as they are; SQLite's contentless FTS5 table needs
    its old entry deleted and a new one written."""
    if not tokens:
        return
    if conn.dialect.name == "postgresql":
        conn.execute(_PG_RETOKEN, {"ids": list(tokens), "tokens": [pg_tsvector(t) for t in tokens.values()]})
        return
    remove(conn, list(tokens))
    _sqlite_add(conn, tokens)


def _sqlite_add(conn: Connection, tokens: dict[int, str]) -> None:
    """FTS5 entries, and the exact tokens ``remove`` needs to delete them again."""
    params = list(tokens.items())  # straight to the driver: no per-row parameter processing is needed
    conn.exec_driver_sql("INSERT INTO items_fts (rowid, tokens) VALUES (?, ?)", params)
    conn.exec_driver_sql("INSERT INTO item_tokens (item_id, tokens) VALUES (?, ?)", params)


def _script_folds(text: str) -> bool:
    """Whether the script fold changes this text (compatibility ideographs compared in their NFKC form)."""
    if text.isascii():
        return False
    text = unicodedata.normalize("NFKC", text)
    return fold_script(text) != text


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
        ids = _pg_search(conn, pg_tsquery(expr), since=since, limit=limit, before_id=before_id)
        stmt = item_select().where(items.c.id.in_(ids)).order_by(items.c.id.desc())
        return [to_item(row) for row in conn.execute(stmt)] if ids else []
    stmt = stmt.join(_fts, _fts.c.rowid == items.c.id).where(
        text("items_fts MATCH :query").bindparams(query=fts5_match(expr))
    )
    if before_id is not None:
        stmt = stmt.where(_fts.c.rowid < before_id)
    return [to_item(row) for row in conn.execute(stmt.order_by(_fts.c.rowid.desc()))]


def _pg_search(
    conn: Connection, query: str, *, since: datetime, limit: int, before_id: int | None
) -> list[int]:
    """Ids of the newest matches: probe the newest rows, else the GIN index (forced for that statement)."""
    params = {
        "query": query,
        "since": since,
        "limit": limit,
        "before": before_id if before_id is not None else 2**63 - 1,
        "probe": max(NEWEST_PROBE, 10 * limit),
    }
    ids = list(conn.execute(_PG_NEWEST, params).scalars())
    if len(ids) == limit:
        return ids
    with pg_settings(conn, _GIN_ONLY):  # restored after: later statements of the transaction plan freely
        return list(conn.execute(_PG_INDEXED, params).scalars())

"""The store's side of aliases across scripts: stored words in the other script, and their evidence.

For a Latin term, the newest releases of the window holding a character pair the term's pinyin can start
with are read (at most ``SAMPLE``), and ``feeds.aliases`` segments them and keeps the words read as the term;
gazetteer names read as the term are candidates too. A term read in more than ``MAX_PAIRS`` pairs (``yiyi``,
``shishi``: thousands) is too ambiguous to search that way: only the gazetteer answers for it. For a Chinese
term, its pinyin is the candidate. Each
candidate's evidence is the number of releases of the window the search index finds for it (the same
tokens a subscription's ``/recent`` uses, so 濱州 and 滨州 count together).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, bindparam, func, select, text

from feeds.aliases import (
    Alias,
    AliasTerm,
    display_pinyin,
    gazetteer,
    places_read_as,
    probe_pairs,
    ranked,
    words_read_as,
)
from feeds.query import parse_query
from feeds.search import AnyOf, SearchExpr, Tok, candidate_expr
from storage.db.dialect import pg_settings
from storage.db.tables import items
from storage.db.types import UTCDateTime
from storage.search_sql import fts5_match, pg_tsquery, simplify

SAMPLE = 300
"""How many of the newest candidate releases are segmented to find words."""
MAX_PAIRS = 1500
_GIN_ONLY = {"enable_seqscan": "off", "enable_indexscan": "off"}
_SQLITE_PROBE = text(
    "SELECT rowid FROM items_fts WHERE items_fts MATCH :query AND rowid >= :low"
    " ORDER BY rowid DESC LIMIT :limit"
)
_PG_PROBE = text(
    "SELECT item_id FROM item_search WHERE tokens @@ CAST(:query AS tsquery) AND first_seen_at >= :since"
    " ORDER BY item_id DESC LIMIT :limit"
).bindparams(bindparam("since", type_=UTCDateTime()))
_SQLITE_COUNT = text("SELECT count(*) FROM items_fts WHERE items_fts MATCH :query AND rowid >= :low")
_PG_COUNT = text(
    "SELECT count(*) FROM item_search WHERE tokens @@ CAST(:query AS tsquery) AND first_seen_at >= :since"
).bindparams(bindparam("since", type_=UTCDateTime()))


def find_aliases(conn: Connection, term: AliasTerm, *, since: datetime) -> list[Alias]:
    """Candidates for ``term`` in the other script with their evidence since ``since``, best first."""
    if not term.latin:
        latin = display_pinyin(term.key)
        return ranked([Alias(latin, count_releases(conn, latin, since), gazetteer().get(term.key))])
    names = set(_stored_words(conn, term.key, since)) | set(places_read_as(term.key))
    return ranked(Alias(name, count_releases(conn, name, since), gazetteer().get(name)) for name in names)


def _stored_words(conn: Connection, key: str, since: datetime) -> set[str]:
    pairs = probe_pairs(key)
    if not pairs or len(pairs) > MAX_PAIRS:
        return set()
    probe = AnyOf(tuple(Tok(pair) for pair in pairs)) if len(pairs) > 1 else Tok(pairs[0])
    ids = _newest(conn, probe, since)
    if not ids:
        return set()
    rows = conn.execute(select(items.c.title, items.c.body).where(items.c.id.in_(ids)))
    return set(words_read_as(key, (f"{row.title}\n{row.body}" for row in rows)))


def _newest(conn: Connection, probe: SearchExpr, since: datetime) -> list[int]:
    """Ids of the newest ``SAMPLE`` releases since ``since`` matching the probe (PostgreSQL: by the GIN
    index, as testing a long OR on the newest rows' vectors costs more than reading its posting lists)."""
    if conn.dialect.name == "postgresql":
        with pg_settings(conn, _GIN_ONLY):
            params = {"query": pg_tsquery(probe), "since": since, "limit": SAMPLE}
            return list(conn.execute(_PG_PROBE, params).scalars())
    low = _lowest_id(conn, since)
    if low is None:
        return []
    return list(
        conn.execute(_SQLITE_PROBE, {"query": fts5_match(probe), "low": low, "limit": SAMPLE}).scalars()
    )


def _lowest_id(conn: Connection, since: datetime) -> int | None:
    low = conn.execute(select(func.min(items.c.id)).where(items.c.first_seen_at >= since)).scalar_one()
    return None if low is None else int(low)


def count_releases(conn: Connection, name: str, since: datetime) -> int:
    """How many releases first seen since ``since`` the search index finds for ``name``."""
    expr = candidate_expr(parse_query(name))
    simple = simplify(expr) if expr is not None else True
    if isinstance(simple, bool):
        return 0
    if conn.dialect.name == "postgresql":
        return int(conn.execute(_PG_COUNT, {"query": pg_tsquery(simple), "since": since}).scalar_one())
    low = _lowest_id(conn, since)
    if low is None:
        return 0
    return int(conn.execute(_SQLITE_COUNT, {"query": fts5_match(simple), "low": low}).scalar_one())

"""The store's side of aliases across scripts: stored words in the other script, and their evidence.

For a Latin term, the newest releases of the window holding a character pair the term's pinyin can start
with are read (at most ``SAMPLE``), and ``feeds.aliases`` segments them and keeps the words read as the term;
gazetteer names read as the term are candidates too. For a Chinese term, its pinyin is the candidate. Each
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
from feeds.search import AnyOf, Tok, candidate_expr
from storage import search_index
from storage.search_sql import fts5_match, pg_tsquery, simplify
from storage.tables import items
from storage.types import UTCDateTime

SAMPLE = 300
"""How many of the newest candidate releases are segmented to find words."""
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
    if not pairs:
        return set()
    probe = AnyOf(tuple(Tok(pair) for pair in pairs)) if len(pairs) > 1 else Tok(pairs[0])
    found = search_index.recent(conn, since=since, limit=SAMPLE, candidates=probe, before_id=None)
    return set(words_read_as(key, (f"{item.title}\n{item.body}" for item in found)))


def count_releases(conn: Connection, name: str, since: datetime) -> int:
    """How many releases first seen since ``since`` the search index finds for ``name``."""
    expr = candidate_expr(parse_query(name))
    simple = simplify(expr) if expr is not None else True
    if isinstance(simple, bool):
        return 0
    if conn.dialect.name == "postgresql":
        return int(conn.execute(_PG_COUNT, {"query": pg_tsquery(simple), "since": since}).scalar_one())
    low = conn.execute(select(func.min(items.c.id)).where(items.c.first_seen_at >= since)).scalar_one()
    if low is None:
        return 0
    return int(conn.execute(_SQLITE_COUNT, {"query": fts5_match(simple), "low": low}).scalar_one())

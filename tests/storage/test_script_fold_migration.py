"""Migration 14 re-indexes items stored with unfolded search tokens, on both backends."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, Engine, text

from feeds.query import parse_query
from feeds.search import candidate_expr
from storage import search_index
from storage.db.engine import make_engine
from storage.migrations import MIGRATIONS, m0014_fold_chinese_script, migrate
from storage.search_sql import fts5_match, pg_tsquery, pg_tsvector, simplify
from tests.fixtures_db import T0

Backend = tuple[str, str | None]
ITEMS = {1: "濱州市舉行黃河生態論壇", 2: "滨州市举行黄河生态论坛", 3: "Binzhou opens a park"}


@pytest.fixture
def engine(backend: Backend) -> Iterator[Engine]:
    """A database at version 13 holding three items indexed as version 13 indexed them."""
    url, schema = backend
    made = make_engine(url, schema=schema)
    assert migrate(made, MIGRATIONS[:13]) == 13
    at = T0.replace(tzinfo=None) if made.dialect.name == "sqlite" else T0
    with made.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO feeds (id, name, url, interval_seconds, enabled, consecutive_failures,"
                " next_poll_at, created_at, updated_at)"
                " VALUES (1, 'wire', 'http://a', 60, true, 0, :t, :t, :t)"
            ),
            {"t": at},
        )
        for n, title in ITEMS.items():
            conn.execute(
                text(
                    "INSERT INTO items (id, feed_id, identity, title, body, summary, published_at,"
                    " first_seen_at, title_fingerprint, body_fingerprint)"
                    " VALUES (:n, 1, :ident, :title, '', '', :t, :t, :ident, :ident)"
                ),
                {"n": n, "ident": f"i{n}", "title": title, "t": at},
            )
        for n, title in ITEMS.items():
            _index_as_v13(conn, n, _unfolded_tokens(title))
    yield made
    made.dispose()


def _index_as_v13(conn: Connection, item_id: int, tokens: str) -> None:
    """The item's index entry as version 13 wrote it (its columns, not today's)."""
    if conn.dialect.name == "postgresql":
        conn.execute(
            text(
                "INSERT INTO item_search (item_id, first_seen_at, tokens)"
                " VALUES (:n, :t, CAST(:v AS tsvector))"
            ),
            {"n": item_id, "t": T0, "v": pg_tsvector(tokens)},
        )
        return
    params = {"n": item_id, "v": tokens}
    conn.execute(text("INSERT INTO items_fts (rowid, tokens) VALUES (:n, :v)"), params)
    conn.execute(text("INSERT INTO item_tokens (item_id, tokens) VALUES (:n, :v)"), params)


def _unfolded_tokens(title: str) -> str:
    """Search tokens as version 13 wrote them: no script fold (pairs in place, then each character)."""
    if title.isascii():
        return title.lower()
    return " ".join([title[i : i + 2] for i in range(len(title) - 1)] + list(dict.fromkeys(title)))


def _found(conn: Connection, query: str) -> set[int]:
    """The ids the full-text index alone answers for the query (no items column read: the schema of any
    version since 13 will do)."""
    candidates = candidate_expr(parse_query(query))
    assert candidates is not None
    expr = simplify(candidates)
    assert not isinstance(expr, bool)
    if conn.dialect.name == "postgresql":
        sql = "SELECT item_id FROM item_search WHERE tokens @@ CAST(:q AS tsquery)"
        return set(conn.execute(text(sql), {"q": pg_tsquery(expr)}).scalars())
    sql = "SELECT rowid FROM items_fts WHERE items_fts MATCH :q"
    return set(conn.execute(text(sql), {"q": fts5_match(expr)}).scalars())


def test_items_indexed_before_are_found_in_the_other_script_after(engine: Engine) -> None:
    with engine.begin() as conn:
        assert _found(conn, "滨州") == {2}  # the traditional release is missed before migrating
    assert migrate(engine) == MIGRATIONS[-1].version >= 14
    with engine.begin() as conn:
        assert _found(conn, "滨州") == {1, 2}
        assert _found(conn, "濱州") == {1, 2}
        assert _found(conn, "黄河 論壇") == {1, 2}
        assert _found(conn, "binzhou") == {3}


def test_reindex_works_in_batches_and_logs_progress(engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=m0014_fold_chinese_script.__name__)
    with engine.begin() as conn:
        m0014_fold_chinese_script.apply(conn, batch=1)
        assert _found(conn, "濱州") == {1, 2}
        again = search_index.reindex_batch(conn, after_id=0, limit=10)
    progress = [r.getMessage() for r in caplog.records if r.getMessage().startswith("reindex_progress")]
    assert progress == [f"reindex_progress read={n} total=3 rewritten=1" for n in (1, 2, 3)]
    sqlite = engine.dialect.name == "sqlite"  # SQLite also compares the tokens it keeps
    assert again == (3, 3, 0 if sqlite else 1)

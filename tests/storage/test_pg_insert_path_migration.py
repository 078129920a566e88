"""Migration 20 on both databases: a version-18 database keeps its items, queue and index; on PostgreSQL
``item_search`` and ``match_queue`` lose their foreign keys (and the wide columns get lz4 where the server
has it), and retention still takes an unmatched item's queue row and index entry with it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Connection, Engine, inspect, text

from feeds.models import FeedSpec
from storage import feeds_repo, items_repo
from storage.db.engine import make_engine
from storage.migrations import MIGRATIONS, migrate
from storage.migrations.m0020_pg_insert_path import LZ4_COLUMNS
from storage.store import PruneResult, Store
from tests.fixtures_db import T0, WINDOW, new_item

Backend = tuple[str, str | None]
OLD = T0 - timedelta(days=400)


@pytest.fixture
def engine(backend: Backend) -> Iterator[Engine]:
    made = make_engine(backend[0], schema=backend[1])
    yield made
    made.dispose()


def _foreign_keys(conn: Connection, table: str) -> list[str]:
    return [key["referred_table"] for key in inspect(conn).get_foreign_keys(table)]


def _count(conn: Connection, table: str) -> int:
    return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def _compression(conn: Connection, table: str, column: str) -> str:
    sql = "SELECT attcompression FROM pg_attribute WHERE attrelid = CAST(:t AS regclass) AND attname = :c"
    return str(conn.execute(text(sql), {"t": table, "c": column}).scalar_one())


def test_a_database_from_before_20_is_upgraded(backend: Backend, engine: Engine) -> None:
    url, schema = backend
    before_20 = tuple(m for m in MIGRATIONS if m.version < 20)
    assert migrate(engine, before_20) == before_20[-1].version
    postgres = engine.dialect.name == "postgresql"
    with engine.begin() as conn:  # stored as the code before 20 did: an item, its queue row, its index entry
        (feed,) = feeds_repo.sync_feeds(conn, [FeedSpec("alpha", "http://a", 60)], OLD)
        (old,) = items_repo.add_items(conn, feed.id, [new_item("old", seen=OLD)], WINDOW)
        search_table = "item_search" if postgres else "item_tokens"
        assert (_count(conn, "match_queue"), _count(conn, search_table)) == (1, 1)
        assert _foreign_keys(conn, "match_queue") == ["items"]

    assert migrate(engine) == MIGRATIONS[-1].version

    with engine.begin() as conn:
        assert _foreign_keys(conn, "match_queue") == ([] if postgres else ["items"])
        assert _foreign_keys(conn, "items") == ["feeds"]
        if postgres:
            assert _foreign_keys(conn, "item_search") == []
            lz4 = conn.execute(
                text("SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = :n"),
                {"n": "default_toast_compression"},
            ).scalar()
            expected = "l" if lz4 else ""
            assert {_compression(conn, t, c) for t, c in LZ4_COLUMNS} == {expected}
            assert conn.execute(text("SELECT body FROM items")).scalar_one() == old.body
    store = Store.open(url, schema=schema)
    try:
        assert [item.id for item in store.unmatched_items(10)] == [old.id]
        (fresh,) = store.add_items(feed.id, [new_item("new", title="Lake ferry", body="x" * 5000)], WINDOW)
        assert store.get_item(fresh.id) == fresh  # a compressed body reads back as written
        assert store.prune(T0 - timedelta(days=365)) == PruneResult(1, 1, 0, 1, 0, 1)
        assert [item.id for item in store.unmatched_items(10)] == [fresh.id]
    finally:
        store.close()
    with engine.begin() as conn:  # the pruned item's queue row and index entry went with it
        assert _count(conn, "match_queue") == 1
        assert _count(conn, search_table) == 1

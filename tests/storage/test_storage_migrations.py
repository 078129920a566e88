"""Schema migrations and engine setup on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Connection, Engine, inspect, text

from feeds.models import FeedSpec
from storage.db.engine import make_engine
from storage.db.tables import Base
from storage.migrations import MIGRATIONS, Migration, current_version, migrate
from storage.store import Store
from tests.fixtures_db import T0, insert_raw_feed

Backend = tuple[str, str | None]
LATEST = MIGRATIONS[-1].version


@pytest.fixture
def engine(backend: Backend) -> Iterator[Engine]:
    url, schema = backend
    made = make_engine(url, schema=schema)
    yield made
    made.dispose()


def _add_feed_notes(conn: Connection) -> None:
    conn.exec_driver_sql("ALTER TABLE feeds ADD COLUMN note TEXT")
    conn.exec_driver_sql("UPDATE feeds SET note = 'was ' || name")


def _version(engine: Engine) -> int:
    with engine.begin() as conn:
        return current_version(conn)


def test_old_database_is_upgraded_and_keeps_rows(backend: Backend, engine: Engine) -> None:
    url, schema = backend
    assert migrate(engine, MIGRATIONS[:1]) == 1  # a database made by the first release
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO feeds (name, url, interval_seconds, enabled, consecutive_failures, next_poll_at,"
                " created_at, updated_at) VALUES ('alpha', 'http://a', 60, true, 0, :t, :t, :t)"
            ),
            {"t": T0.replace(tzinfo=None) if engine.dialect.name == "sqlite" else T0},
        )
    last = LATEST
    step = Migration(last + 1, "feed notes", _add_feed_notes)
    assert migrate(engine, (*MIGRATIONS, step)) == last + 1
    with engine.begin() as conn:
        assert conn.execute(text("SELECT name, note FROM feeds")).all() == [("alpha", "was alpha")]
        versions = conn.execute(text("SELECT version, name FROM schema_version ORDER BY version")).all()
    assert versions == [(m.version, m.name) for m in (*MIGRATIONS, step)]
    assert migrate(engine, (*MIGRATIONS, step)) == last + 1  # idempotent
    with pytest.raises(RuntimeError, match="newer"):
        Store.open(url, schema=schema)


def test_failed_step_rolls_back(engine: Engine) -> None:
    def broken(conn: Connection) -> None:
        conn.exec_driver_sql("CREATE TABLE half_done (x INTEGER)")
        raise RuntimeError("step failed")

    migrate(engine)
    with pytest.raises(RuntimeError, match="step failed"):
        migrate(engine, (*MIGRATIONS, Migration(LATEST + 1, "broken", broken)))
    assert _version(engine) == LATEST
    assert "half_done" not in inspect(engine).get_table_names()


@pytest.mark.parametrize("versions", [(2,), (1, 1), (2, 1)], ids=["not-from-1", "twice", "out-of-order"])
def test_versions_must_increase_from_1(engine: Engine, versions: tuple[int, ...]) -> None:
    steps = [Migration(v, f"v{v}", lambda conn: None) for v in versions]
    with pytest.raises(ValueError, match="increase"):
        migrate(engine, steps)


def test_a_step_merged_below_an_applied_one_still_runs(engine: Engine) -> None:
    """Branches reserve numbers: a database at 1, 3 gets step 2 when it is merged, then stays at 3."""
    ran: list[int] = []
    step = {v: Migration(v, f"v{v}", lambda conn, v=v: ran.append(v)) for v in (1, 2, 3)}
    assert migrate(engine, (step[1], step[3])) == 3
    assert migrate(engine, (step[1], step[2], step[3])) == 3
    assert migrate(engine, (step[1], step[2], step[3])) == 3
    assert ran == [1, 3, 2]


def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    migrate(engine)
    inspector = inspect(engine)
    for table in Base.metadata.sorted_tables:
        columns = {c["name"]: c["nullable"] for c in inspector.get_columns(table.name)}
        assert columns == {c.name: c.nullable for c in table.columns}, table.name
        indexes = {i["name"] for i in inspector.get_indexes(table.name)}
        assert {i.name for i in table.indexes} <= indexes, table.name
    search_table = "items_fts" if engine.dialect.name == "sqlite" else "item_search"
    assert search_table in inspector.get_table_names()


def test_sqlite_connection_settings(store_url: str) -> None:
    engine = make_engine(store_url)
    try:
        with engine.connect() as conn:
            settings = [
                conn.exec_driver_sql(f"PRAGMA {p}").scalar()
                for p in ("journal_mode", "foreign_keys", "busy_timeout")
            ]
    finally:
        engine.dispose()
    assert settings == ["wal", 1, 5000]


@pytest.mark.parametrize(
    ("url", "schema", "message"),
    [
        pytest.param("mysql://x/y", None, "unsupported", id="other-database"),
        pytest.param("postgresql+psycopg://u@127.0.0.1:1/x", "bad;name", "schema", id="bad-schema-name"),
    ],
)
def test_bad_open_arguments(url: str, schema: str | None, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make_engine(url, schema=schema)


def test_two_sqlite_writers_wait_for_each_other(store_url: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from tests.fixtures_db import WINDOW, new_item

    stores = [Store.open(store_url), Store.open(store_url)]
    try:
        (feed,) = stores[0].sync_feeds([FeedSpec("alpha", "http://a", 60)], T0)

        def write(n: int) -> int:
            batch = [
                new_item(f"w{n}-{i}", title=f"Writer {n} release {i}", body=f"Body {n} {i}") for i in range(5)
            ]
            return len(stores[n % 2].add_items(feed.id, batch, WINDOW))

        with ThreadPoolExecutor(max_workers=4) as pool:
            assert sum(pool.map(write, range(40))) == 200
        assert stores[1].count_items() == 200
    finally:
        for opened in stores:
            opened.close()


def test_the_match_queue_replaces_matched_at(backend: Backend, engine: Engine) -> None:
    """A version-11 database: its unmatched items (only those) are queued, the match stage takes them, and
    the matched ones are still matched once the column is gone."""
    url, schema = backend
    assert migrate(engine, MIGRATIONS[:11]) == 11
    naive = engine.dialect.name == "sqlite"
    at = T0.replace(tzinfo=None) if naive else T0
    with engine.begin() as conn:
        insert_raw_feed(conn, at)
        for n, matched in ((1, True), (2, False), (3, True), (4, False)):
            conn.execute(
                text(
                    "INSERT INTO items (id, feed_id, identity, title, body, summary, published_at,"
                    " first_seen_at, title_fingerprint, body_fingerprint, matched_at)"
                    " VALUES (:n, 1, :ident, 't', 'b', 's', :t, :t, 'tf', 'bf', :m)"
                ),
                {"n": n, "ident": f"i{n}", "t": at, "m": at if matched else None},
            )
    assert migrate(engine) == LATEST
    with engine.begin() as conn:
        queued = conn.execute(text("SELECT item_id FROM match_queue ORDER BY item_id")).scalars().all()
        indexes = {i["name"] for i in inspect(conn).get_indexes("items")}
        columns = {c["name"] for c in inspect(conn).get_columns("items")}
    assert queued == [2, 4]
    assert "ix_items_unmatched" not in indexes
    assert "matched_at" not in columns  # migration 13: the queue alone says what is matched
    store = Store.open(url, schema=schema)
    try:
        assert [item.id for item in store.unmatched_items(10)] == [2, 4]
        assert [item.id for item in store.matched_items_since(T0 - timedelta(seconds=1), 10)] == [1, 3]
        claimed, created = store.match_batch(10, lambda batch: [([i.id for i in batch], [])], T0)
        assert (claimed, created) == (2, 0)
        assert store.unmatched_items(10) == []
    finally:
        store.close()
    with engine.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM match_queue")).scalar_one() == 0

"""Schema migrations and engine setup on both backends."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, Engine, inspect, text

from feeds.models import FeedSpec
from storage.engine import make_engine
from storage.migrations import MIGRATIONS, Migration, current_version, migrate
from storage.store import Store
from storage.tables import Base
from tests.fixtures_db import T0

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
    old = Store.open(url, schema=schema)
    old.sync_feeds([FeedSpec("alpha", "http://a", 60)], T0)
    old.close()
    assert _version(engine) == LATEST
    v2 = Migration(LATEST + 1, "feed notes", _add_feed_notes)
    assert migrate(engine, (*MIGRATIONS, v2)) == LATEST + 1
    with engine.begin() as conn:
        assert conn.execute(text("SELECT name, note FROM feeds")).all() == [("alpha", "was alpha")]
        versions = conn.execute(text("SELECT version, name FROM schema_version ORDER BY version")).all()
    assert versions[0] == (1, "initial schema")
    assert versions[-1] == (LATEST + 1, "feed notes")
    assert migrate(engine, (*MIGRATIONS, v2)) == LATEST + 1  # idempotent
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


@pytest.mark.parametrize("versions", [(2,), (1, 3), (2, 1)], ids=["gap-at-start", "gap", "out-of-order"])
def test_versions_must_be_consecutive(engine: Engine, versions: tuple[int, ...]) -> None:
    steps = [Migration(v, f"v{v}", lambda conn: None) for v in versions]
    with pytest.raises(ValueError, match="in order"):
        migrate(engine, steps)


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

"""The per-test reset of the migrated databases is complete: what one test leaves, the next one never sees.

One test writes rows in the main tables (moving their id sequences) and keeps the instance lock without
releasing it; the next, run after it on the same worker (``make`` hands out whole files, and the file is
one ``xdist_group``), finds every table empty, ids starting at 1 again, the lock free and the migration
bookkeeping as ``migrate`` wrote it. Then one test adds a table of its own, and the next finds the schema
as ``migrate`` left it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, inspect, text

from feeds.models import ChatKind, FeedSpec
from storage.db.engine import make_engine
from storage.db.instance import InstanceLock
from storage.migrations import MIGRATIONS
from storage.store import MatchRecord, Store
from tests.fixtures_db import T0, WINDOW, new_item

pytestmark = pytest.mark.xdist_group("db-reset")

BOOKKEEPING = "schema_version"
LEAKED: list[InstanceLock] = []  # held until the process ends, as a forgetful test would


@pytest.fixture
def engine(migrated_backend: tuple[str, str | None]) -> Iterator[Engine]:
    """A second engine on the database ``store`` uses."""
    url, schema = migrated_backend
    opened = make_engine(url, schema=schema)
    try:
        yield opened
    finally:
        opened.dispose()


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows per table, the migration bookkeeping included."""
    with engine.connect() as conn:
        names = set(inspect(conn).get_table_names())
        if conn.dialect.name == "sqlite":  # FTS5 tables and their shadow tables hold the index's own config
            virtual = conn.execute(
                text("SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL TABLE%'")
            )
            for table in virtual.scalars().all():
                names = {name for name in names if name != table and not name.startswith(f"{table}_")}
        return {name: conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one() for name in names}


def write_everywhere(store: Store) -> None:
    """Feeds, items, stories, a chat, a subscription and an alert: ids move in every main table."""
    (alpha,) = store.sync_feeds([new_feed()], T0)
    items = store.add_items(alpha.id, [new_item(f"i{n}", title=f"Release {n}") for n in range(3)], WINDOW)
    store.touch_chat(10, ChatKind.PRIVATE)
    subscription = store.add_subscription(10, "solar", T0).id
    store.record_matches([i.id for i in items], [MatchRecord(items[0].id, subscription, 10)], T0)


def new_feed() -> FeedSpec:
    return FeedSpec("alpha", "http://127.0.0.1/alpha.xml", 300)


def test_a_test_leaves_rows_and_a_lock(store: Store, engine: Engine) -> None:
    write_everywhere(store)
    LEAKED.append(store.lock_instance())
    counts = row_counts(engine)
    assert counts["feeds"] == 1 and counts["items"] == 3 and counts["chats"] == 1, counts


def test_the_next_test_sees_none_of_it(store: Store, engine: Engine) -> None:
    counts = row_counts(engine)
    assert {name: n for name, n in counts.items() if n and name != BOOKKEEPING} == {}
    assert counts[BOOKKEEPING] == len(MIGRATIONS)
    with engine.connect() as conn:
        versions = conn.execute(text(f"SELECT version FROM {BOOKKEEPING} ORDER BY version")).scalars().all()
    assert versions == [m.version for m in MIGRATIONS]
    store.lock_instance().release()  # the leaked lock is gone
    (alpha,) = store.sync_feeds([new_feed()], T0)
    (item,) = store.add_items(alpha.id, [new_item("again")], WINDOW)
    assert (alpha.id, item.id, item.story_id) == (1, 1, 1), "sequences restart"


def test_a_test_leaves_a_table_of_its_own(store: Store, engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE stray_from_a_test (x integer)"))
    assert "stray_from_a_test" in row_counts(engine)


def test_the_next_test_has_the_migrated_schema_only(store: Store, engine: Engine) -> None:
    assert "stray_from_a_test" not in row_counts(engine)

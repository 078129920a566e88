"""Migration 17 on both databases: a version-15 database gains ``feeds.body_digest`` (NULL for the feeds it
had), and the store keeps a digest only when a success carries one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, inspect

from feeds.values import FetchSuccess
from storage.db.engine import make_engine
from storage.migrations import MIGRATIONS, migrate
from storage.store import Store
from tests.fixtures_db import T0, WINDOW, insert_raw_feed, new_item

Backend = tuple[str, str | None]


@pytest.fixture
def engine(backend: Backend) -> Iterator[Engine]:
    made = make_engine(backend[0], schema=backend[1])
    yield made
    made.dispose()


def success(digest: str | None, minutes: int) -> FetchSuccess:
    at = T0 + timedelta(minutes=minutes)
    return FetchSuccess(at, at + timedelta(minutes=10), None, None, body_digest=digest)


def test_a_database_from_before_17_is_upgraded(backend: Backend, engine: Engine) -> None:
    url, schema = backend
    before_17 = tuple(m for m in MIGRATIONS if m.version < 17)
    assert migrate(engine, before_17) == before_17[-1].version
    at = T0.replace(tzinfo=None) if engine.dialect.name == "sqlite" else T0
    with engine.begin() as conn:
        insert_raw_feed(conn, at)
    assert migrate(engine) == MIGRATIONS[-1].version
    with engine.begin() as conn:
        assert "body_digest" in {c["name"] for c in inspect(conn).get_columns("feeds")}
    store = Store.open(url, schema=schema)
    try:
        (feed,) = store.list_feeds()
        assert feed.body_digest is None  # polled before: its next 200 is parsed
        store.add_items(feed.id, [new_item("x")], WINDOW, first_poll=True, success=success("d1", 1))
        assert store.list_feeds()[0].body_digest == "d1"
        store.record_fetch_success(
            feed.id, at=T0 + timedelta(minutes=2), next_poll_at=T0, etag=None, last_modified=None
        )
        assert store.list_feeds()[0].body_digest == "d1"  # a 304 or an unchanged 200 keeps it
        store.add_items(feed.id, [new_item("y")], WINDOW, success=success("d2", 3))
        assert store.list_feeds()[0].body_digest == "d2"
    finally:
        store.close()

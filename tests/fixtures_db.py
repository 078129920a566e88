"""Database fixtures: ``store`` on SQLite and PostgreSQL, migrated once per test run and reset per test.

``store`` starts from a copy of a migrated SQLite template, or from the worker's migrated PostgreSQL schema
reset (``tests/db_template.py``); ``backend`` is an empty database, for tests that migrate themselves.
PostgreSQL runs only when ``WIREWATCH_TEST_DATABASE_URL`` is set (e.g.
``postgresql+psycopg://postgres@127.0.0.1:5432/test``); otherwise that parameter is skipped.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection, create_engine, text

from feeds.clustering import body_fingerprint, title_fingerprint
from feeds.models import Dateline, FeedSpec, FeedState, NewItem
from storage.store import Store
from tests.db_template import PgTemplate, sqlite_copy, sqlite_template

PG_ENV = "WIREWATCH_TEST_DATABASE_URL"
BACKENDS = ["sqlite", "postgresql"]


def pg_url() -> str:
    """The PostgreSQL URL for tests, or skip the test."""
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(
            f"PostgreSQL tests need {PG_ENV} (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)"
        )
    return url


def drop_schema(url: str, schema: str) -> None:
    """Remove a test schema and everything in it."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        engine.dispose()


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    """A SQLite URL of a fresh file, for tests that open the store themselves (e.g. CLI subprocesses)."""
    return f"sqlite:///{tmp_path / 'wirewatch.db'}"


@pytest.fixture(params=BACKENDS)
def backend_kind(request: pytest.FixtureRequest) -> str:
    """``sqlite`` or ``postgresql``: one parameter shared by ``backend`` and ``store``."""
    return str(request.param)


@pytest.fixture
def backend(
    backend_kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[tuple[str, str | None]]:
    """(url, schema) of an empty database on each backend; PostgreSQL schemas are dropped afterwards.

    In a test that also uses ``store``, the database of that store (migrated, then written by the test)."""
    if "store" in request.fixturenames:
        yield request.getfixturevalue("migrated_backend")
        return
    if backend_kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'wirewatch.db'}", None
        return
    url = pg_url()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    try:
        yield url, schema
    finally:
        drop_schema(url, schema)


@pytest.fixture(scope="session")
def sqlite_template_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once per test run (per xdist worker)."""
    return sqlite_template(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def pg_template(worker_id: str) -> Iterator[PgTemplate]:
    """This worker's PostgreSQL schema, migrated once per test run; dropped at the end."""
    template = PgTemplate(pg_url(), worker_id)
    try:
        yield template
    finally:
        template.close()


@pytest.fixture
def migrated_backend(
    backend_kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> tuple[str, str | None]:
    """(url, schema) of a migrated, empty database: a copy of the SQLite template, or the reset PG schema."""
    if backend_kind == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template_file")
        return sqlite_copy(template, tmp_path / "wirewatch.db"), None
    pg: PgTemplate = request.getfixturevalue("pg_template")
    pg.reset()
    return pg.url, pg.schema


@pytest.fixture
def store(migrated_backend: tuple[str, str | None]) -> Iterator[Store]:
    """An open, migrated, empty ``Store`` on each backend."""
    url, schema = migrated_backend
    opened = Store.open(url, schema=schema)
    try:
        yield opened
    finally:
        opened.close()


# --- helpers for storage tests ------------------------------------------------------------------------------
T0 = datetime(2026, 1, 27, 9, 0, tzinfo=UTC)
WINDOW = timedelta(hours=48)


def new_item(
    identity: str,
    *,
    title: str = "Harbor city opens solar ferry terminal",
    body: str = "The municipal port authority said on Tuesday that its first solar ferry terminal is open.",
    link: str | None = None,
    seen: datetime = T0,
) -> NewItem:
    """A normalized release with real clustering fingerprints."""
    return NewItem(
        identity=identity,
        link=link,
        title=title,
        body=body,
        summary=body[:80],
        published_at=seen - timedelta(minutes=5),
        first_seen_at=seen,
        dateline=Dateline(place="HARBOR CITY", date="Jan. 27, 2026", wire="Example Wire"),
        title_fingerprint=title_fingerprint(title),
        body_fingerprint=body_fingerprint(body),
    )


@pytest.fixture
def two_feeds(store: Store) -> tuple[FeedState, FeedState]:
    """Feeds ``alpha`` and ``beta``."""
    alpha, beta = store.sync_feeds(
        [
            FeedSpec("alpha", "http://127.0.0.1/alpha.xml", 300),
            FeedSpec("beta", "http://127.0.0.1/beta.xml", 600),
        ],
        T0,
    )
    return alpha, beta


def settle_as_sent(store: Store, due: datetime, sent_at: datetime | None = None) -> int:
    """Claim every due alert as a test sender and mark it sent, as a delivery pass does; returns how many."""
    from feeds.values import Claim

    claimed = store.claim_alerts(Claim("test-sender", due + timedelta(minutes=5), 10_000, 10_000), due)
    return store.mark_sent([a.delivery_id for a in claimed], sent_at or due, "test-sender")


_RAW_FEED = text(
    "INSERT INTO feeds (id, name, url, interval_seconds, enabled, consecutive_failures,"
    " next_poll_at, created_at, updated_at)"
    " VALUES (1, 'alpha', 'http://a', 60, true, 0, :t, :t, :t)"
)


def insert_raw_feed(conn: Connection, at: datetime) -> None:
    """Feed 1 ('alpha') written as SQL in the columns every schema version has, at ``at`` (naive on
    SQLite, as its columns store it): for migration tests that fill an old schema."""
    conn.execute(_RAW_FEED, {"t": at.replace(tzinfo=None) if conn.dialect.name == "sqlite" else at})

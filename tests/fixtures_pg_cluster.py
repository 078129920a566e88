"""Pytest fixtures for a throwaway PostgreSQL cluster (``tests/pg_cluster.py``) and fresh databases on it.

``pg_cluster`` is one cluster per test session, started; a test that stops it must start it again (the
fixture restarts it if not). ``pg_database_url`` is a fresh database on that cluster, or, without the
server binaries, on the shared server of ``WIREWATCH_TEST_DATABASE_URL``; dropped afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from tests.fixtures_db import pg_url
from tests.pg_cluster import PgCluster, throwaway_cluster


@pytest.fixture(scope="session")
def pg_cluster_session() -> Iterator[PgCluster | None]:
    with throwaway_cluster() as cluster:
        yield cluster


@pytest.fixture
def pg_cluster(pg_cluster_session: PgCluster | None) -> Iterator[PgCluster]:
    """The session's throwaway cluster, running; skipped when the PostgreSQL server binaries are absent."""
    if pg_cluster_session is None:
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql/*/bin")
    yield pg_cluster_session
    if not pg_cluster_session.running():
        pg_cluster_session.start()


@pytest.fixture
def pg_database_url(pg_cluster_session: PgCluster | None) -> Iterator[str]:
    """The URL of a fresh, empty PostgreSQL database (throwaway cluster, else the shared server)."""
    name = f"ww_{uuid.uuid4().hex[:12]}"
    if pg_cluster_session is not None:
        if not pg_cluster_session.running():
            pg_cluster_session.start()
        yield pg_cluster_session.create_database(name)
        pg_cluster_session.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return
    shared = make_url(pg_url())
    engine = create_engine(shared, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield shared.set(database=name).render_as_string(hide_password=False)
        with engine.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        engine.dispose()

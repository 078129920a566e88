"""A fresh database for a benchmark run: a SQLite file in a directory, or a new database on the PostgreSQL
server of ``--database-url`` (created before, dropped after; the given database itself is never touched)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url


@contextmanager
def fresh_database(server_url: str | None, directory: Path, name: str) -> Iterator[str]:
    """Yield the URL of an empty database: ``directory/name.db`` without ``server_url``."""
    if not server_url:
        yield f"sqlite:///{directory / f'{name}.db'}"
        return
    url = make_url(server_url)
    if not url.drivername.startswith("postgresql"):
        raise SystemExit(f"--database-url: expected a postgresql+psycopg:// URL, got {url.drivername}")
    database = f"ww_bench_{name}_{uuid.uuid4().hex[:8]}"
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{database}"')
        try:
            yield url.set(database=database).render_as_string(hide_password=False)
        finally:
            with engine.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    finally:
        engine.dispose()


def percentile(values: list[float], fraction: float) -> float:
    """The ``fraction`` quantile of ``values`` (nearest rank; 0 when empty)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[rank]

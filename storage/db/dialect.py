"""Dialect-specific statement builders shared by the repositories."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy import Connection, Table, text
from sqlalchemy.dialects import postgresql, sqlite

T = TypeVar("T")

# Keep IN lists well below every backend's bound-parameter limit.
CHUNK = 500


def upsert(conn: Connection, table: Table) -> postgresql.Insert | sqlite.Insert:
    """``INSERT`` with ``ON CONFLICT`` support for the connection's dialect."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def chunks(values: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """Consecutive slices of at most ``size``."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


@contextmanager
def pg_settings(conn: Connection, settings: Mapping[str, str]) -> Iterator[None]:
    """PostgreSQL settings (``SET LOCAL``) for the statements inside only: the previous values come back
    afterwards, so later statements of the same transaction plan as before. After an error they need not:
    the transaction is rolled back, and with it every ``SET LOCAL``."""
    before = _set_local(conn, settings)
    yield
    _set_local(conn, dict(zip(settings, before, strict=True)))


def _set_local(conn: Connection, settings: Mapping[str, str]) -> tuple[str, ...]:
    """Set these for the transaction; returns the values they had (read first: the CTE is materialized)."""
    params: dict[str, str] = {}
    for i, (name, value) in enumerate(settings.items()):
        params[f"n{i}"], params[f"v{i}"] = name, value
    reads = ", ".join(f"current_setting(:n{i}) AS o{i}" for i in range(len(settings)))
    olds = ", ".join(f"o{i}" for i in range(len(settings)))
    sets = ", ".join(f"set_config(:n{i}, :v{i}, true)" for i in range(len(settings)))
    sql = f"WITH old AS MATERIALIZED (SELECT {reads}) SELECT {olds}, {sets} FROM old"
    row = conn.execute(text(sql), params).one()
    return tuple(row[: len(settings)])


def pg_unnest(columns: Mapping[str, str]) -> str:
    """``unnest(CAST(:a AS T[]), …)`` for columns named to PostgreSQL types: a whole batch as one array per
    column, so the statement's text never changes and the server prepares it once."""
    return "unnest(" + ", ".join(f"CAST(:{name} AS {kind}[])" for name, kind in columns.items()) + ")"

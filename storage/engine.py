"""Engine setup: SQLite pragmas and explicit transactions, PostgreSQL search_path; a transaction helper."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import InterfaceError, OperationalError

SQLITE_BUSY_TIMEOUT_MS = 5000
_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def make_engine(url: str, *, schema: str | None = None) -> Engine:
    """An engine for a ``sqlite:///`` or ``postgresql+psycopg://`` URL; ``schema`` sets PG's search_path."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")  # psycopg 3 is the driver we ship with
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed)
        _configure_sqlite(engine)
        return engine
    if parsed.get_backend_name() != "postgresql":
        raise ValueError(f"unsupported database {parsed.get_backend_name()!r}: use sqlite or postgresql")
    # Plan every execution with its real parameters: a rare and a common search term need different plans,
    # and psycopg prepares repeated statements (PostgreSQL could then settle on one generic plan).
    options = "-cplan_cache_mode=force_custom_plan"
    if schema is not None:
        if not _SCHEMA_NAME.fullmatch(schema):
            raise ValueError(f"bad schema name {schema!r}")
        options += f" -csearch_path={schema}"
    connect_args: dict[str, Any] = {"options": options}
    engine = create_engine(parsed, connect_args=connect_args, pool_pre_ping=True)
    if schema is not None:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    return engine


def _configure_sqlite(engine: Engine) -> None:
    """WAL, busy timeout, foreign keys; and we issue BEGIN ourselves (IMMEDIATE for writers)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # the driver must not open transactions behind our back
        cursor = dbapi_conn.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # IMMEDIATE takes the write lock up front, so a writer waits (busy timeout) instead of failing later.
        write = conn.get_execution_options().get("wirewatch_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


class StoreUnavailableError(Exception):
    """The database did not answer (down, restarting, unreachable, locked too long); worth retrying."""


def describe_db_error(exc: BaseException) -> str:
    """A one-line description of a database error: the driver's first line, no SQL, no parameters."""
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return f"{type(exc).__name__}: {reason[0][:200] if reason else ''}"


@contextmanager
def transaction(engine: Engine, *, write: bool) -> Iterator[Connection]:
    """One transaction: committed when the block ends, rolled back if it raises.

    A lost or refused connection surfaces as ``StoreUnavailableError`` (one line, retryable)."""
    try:
        with engine.connect() as conn:
            if write:
                conn.execution_options(wirewatch_write=True)
            with conn.begin():
                yield conn
    except (OperationalError, InterfaceError) as exc:
        raise StoreUnavailableError(describe_db_error(exc)) from exc

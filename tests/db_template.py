"""Migrated databases for tests, built once per test run (per xdist worker) and reset per test.

SQLite: ``migrate`` runs once on a template file; each test gets a copy of it. PostgreSQL: ``migrate`` runs
once on one schema per worker; each test starts from ``PgTemplate.reset``: every table but the migration
bookkeeping truncated (``RESTART IDENTITY CASCADE``), every sequence restarted, session advisory locks on
the schema (an instance or bot lock a test leaked) ended, and the schema rebuilt from scratch if a test
changed its structure or its ``schema_version`` rows. The template always comes from the real ``migrate``.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
import uuid
from pathlib import Path

from sqlalchemy import Connection, Engine, text

from storage.db.engine import make_engine
from storage.db.instance import schema_key
from storage.store import Store

logger = logging.getLogger(__name__)

BOOKKEEPING = "schema_version"
LOCK_SPACE = 7_317_002  # storage.db.instance's first advisory-lock key
LOCK_ROLES = ("instance", "bot")  # every role the code locks (Store.lock_instance callers)

_STRUCTURE = text(
    "SELECT string_agg(line, E'\\n' ORDER BY line) FROM ("
    " SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable"
    "   || ' ' || coalesce(column_default, '') AS line"
    " FROM information_schema.columns WHERE table_schema = current_schema()"
    " UNION ALL SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema()"
    " UNION ALL SELECT 'sequence ' || sequencename FROM pg_sequences WHERE schemaname = current_schema()"
    ") AS catalog"
)
_VERSIONS = text(f"SELECT string_agg(version || ' ' || name, ',' ORDER BY version) FROM {BOOKKEEPING}")


def sqlite_template(directory: Path) -> Path:
    """Migrate a fresh SQLite file in ``directory`` with the real ``migrate``; returns its path."""
    path = directory / "template.db"
    Store.open(f"sqlite:///{path}").close()
    with sqlite3.connect(path) as conn:  # fold the WAL into the file, so copying the file copies it all
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path


def sqlite_copy(template: Path, target: Path) -> str:
    """Copy the migrated template to ``target``; returns its URL."""
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


class PgTemplate:
    """One migrated PostgreSQL schema, reset per test."""

    def __init__(self, url: str, worker: str) -> None:
        self.url = url
        self.schema = f"tpl_{worker}_{uuid.uuid4().hex[:8]}"
        self._engine: Engine = make_engine(url, schema=self.schema)
        self._expected = self._migrate()

    def reset(self) -> None:
        """Bring the schema back to the state ``migrate`` left it in (see the module docstring)."""
        with self._engine.connect() as conn:
            self._end_leaked_locks(conn)
            if self._snapshot(conn) != self._expected:
                logger.info("test_schema_rebuilt schema=%s", self.schema)
                conn.rollback()
                conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
                conn.exec_driver_sql(f'CREATE SCHEMA "{self.schema}"')
                conn.commit()
                self._expected = self._migrate()
                return
            tables = conn.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename <> :b"
                ),
                {"b": BOOKKEEPING},
            ).scalars()
            names = ", ".join(f'"{name}"' for name in sorted(tables))
            if names:
                conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
            for sequence in conn.execute(
                text("SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema()")
            ).scalars():
                conn.exec_driver_sql(f'ALTER SEQUENCE "{sequence}" RESTART')
            conn.commit()

    def close(self) -> None:
        """Drop the schema and dispose of the engine."""
        with self._engine.connect() as conn:
            self._end_leaked_locks(conn)
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
            conn.commit()
        self._engine.dispose()

    def _migrate(self) -> tuple[str, str]:
        Store.open(self.url, schema=self.schema).close()
        with self._engine.connect() as conn:
            return self._snapshot(conn)

    @staticmethod
    def _snapshot(conn: Connection) -> tuple[str, str]:
        structure = conn.execute(_STRUCTURE).scalar_one() or ""
        versions = conn.execute(_VERSIONS).scalar_one() or ""
        conn.rollback()
        return structure, versions

    def _end_leaked_locks(self, conn: Connection) -> None:
        """End the sessions still holding this schema's instance or bot lock (a test that never released)."""
        keys = [schema_key(conn, role) & 0xFFFFFFFF for role in LOCK_ROLES]
        ended = conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_locks WHERE locktype = 'advisory'"
                " AND classid::bigint = :space AND objid::bigint = ANY(CAST(:keys AS bigint[]))"
                " AND objsubid = 2"
                " AND pid <> pg_backend_pid()"
            ),
            {"space": LOCK_SPACE, "keys": keys},
        ).scalar_one()
        conn.commit()
        if ended:
            logger.info("test_locks_ended schema=%s sessions=%d", self.schema, ended)

"""One Wirewatch process per database unless several are meant to cooperate.

SQLite: an exclusive ``flock`` on ``<database file>.lock`` (another process on the same file would write
beside us). PostgreSQL: a session advisory lock keyed by database and schema, held on a dedicated
connection. Both are released by the operating system or the server when the process dies, even by
``kill -9``, so a crashed instance never blocks its successor.
"""

from __future__ import annotations

import fcntl
import logging
import os
import zlib
from pathlib import Path
from typing import IO

from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url

logger = logging.getLogger(__name__)

_PG_LOCK_SPACE = 7_317_002  # first key of the two-key advisory lock; the second is the schema's hash


class InstanceLockedError(RuntimeError):
    """Another Wirewatch process holds the instance lock of this database."""


class InstanceLock:
    """An exclusive per-database lock, held until ``release`` or process exit."""

    def __init__(self, *, file: IO[bytes] | None = None, conn: Connection | None = None) -> None:
        self._file = file
        self._conn = conn

    @classmethod
    def acquire(cls, engine: Engine, role: str = "instance") -> InstanceLock:
        """Take the lock for ``role`` or raise ``InstanceLockedError`` with a one-line reason."""
        if engine.dialect.name == "sqlite":
            return cls(file=_lock_sqlite(engine, role))
        return cls(conn=_lock_postgresql(engine, role))

    def is_held(self) -> bool:
        """Whether the lock still holds: a PostgreSQL session lost with its server (restart, network)
        took its advisory lock with it, and another process may have taken over."""
        if self._conn is None:
            return self._file is not None
        try:
            self._conn.execute(text("SELECT 1"))
            self._conn.commit()
        except Exception:
            return False
        return True

    def release(self) -> None:
        """Give the lock up (also happens at process exit)."""
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None
        if self._conn is not None:
            conn, self._conn = self._conn, None
            try:
                conn.execute(text("SELECT pg_advisory_unlock_all()"))
                conn.commit()
                conn.close()  # back to the pool, holding nothing
            except Exception as exc:  # the session is gone (server restarted): so is its lock
                logger.info("instance_lock_session_lost error=%s", type(exc).__name__)
                conn.invalidate()
                conn.close()


def sqlite_file_lock(url: str, role: str = "instance") -> InstanceLock | None:
    """The instance lock of a SQLite database URL, taken before the database is even opened (a second
    process must not wait on the first one's writes just to learn it is refused); None for other URLs."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    return InstanceLock(file=_lock_sqlite_file(parsed.database, role))


def _lock_sqlite(engine: Engine, role: str) -> IO[bytes] | None:
    return _lock_sqlite_file(make_url(str(engine.url)).database, role)


def _lock_sqlite_file(database: str | None, role: str) -> IO[bytes] | None:
    if not database or database == ":memory:":
        return None
    path = Path(f"{database}.{role}.lock")
    handle = path.open("a+b")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise InstanceLockedError(
            f"another Wirewatch process is already using {database}; SQLite serves one process — "
            "stop it, or use PostgreSQL to run several"
        ) from None
    handle.truncate(0)
    handle.write(f"{os.getpid()}\n".encode())
    handle.flush()
    return handle


def schema_key(conn: Connection, role: str) -> int:
    """The second advisory-lock key: a signed 32-bit hash of database, schema and role."""
    where = conn.execute(text("SELECT current_database() || '/' || current_schema()")).scalar_one()
    return zlib.crc32(f"{where}/{role}".encode()) - 2**31


def _lock_postgresql(engine: Engine, role: str) -> Connection:
    conn = engine.connect()
    try:
        key = schema_key(conn, role)
        taken = conn.execute(
            text("SELECT pg_try_advisory_lock(:space, :key)"), {"space": _PG_LOCK_SPACE, "key": key}
        ).scalar_one()
        conn.commit()
    except BaseException:
        conn.close()
        raise
    if not taken:
        conn.close()
        raise InstanceLockedError("another Wirewatch process is already running on this database")
    return conn

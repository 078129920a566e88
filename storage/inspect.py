"""A read-only look at a database for ``wirewatch doctor``: reachable, schema version, size, feed states.

Nothing is created or migrated here (a missing SQLite file is reported, not made).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from feeds.models import FeedState
from storage import feeds_repo
from storage.db.engine import make_engine
from storage.migrations import MIGRATIONS, current_version


@dataclass(frozen=True, slots=True)
class DatabaseStatus:
    """What ``inspect_database`` found."""

    backend: str
    version: int
    latest: int
    size_bytes: int
    feeds: tuple[FeedState, ...]  # read only when the schema is current


def inspect_database(url: str, *, connect_timeout: int = 5) -> DatabaseStatus:
    """Connect (PostgreSQL: giving up after ``connect_timeout`` s) and read; raises when unreachable.

    A SQLite file that does not exist raises ``FileNotFoundError``."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    in_file = backend == "sqlite" and parsed.database and parsed.database != ":memory:"
    if in_file and not Path(str(parsed.database)).is_file():
        raise FileNotFoundError(f"database file {parsed.database} does not exist")
    if backend == "postgresql" and "connect_timeout" not in parsed.query:
        parsed = parsed.update_query_dict({"connect_timeout": str(connect_timeout)})
    engine = make_engine(parsed.render_as_string(hide_password=False))
    try:
        with engine.connect() as conn:
            version = current_version(conn) if inspect(conn).has_table("schema_version") else 0
            latest = MIGRATIONS[-1].version
            states = tuple(feeds_repo.list_feeds(conn)) if version == latest else ()
            size = conn.execute(text(_SIZE[backend])).scalar_one()
            conn.rollback()
    finally:
        engine.dispose()
    return DatabaseStatus(backend, version, latest, int(size or 0), states)


_SIZE = {
    "sqlite": "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
    "postgresql": "SELECT pg_database_size(current_database())",
}

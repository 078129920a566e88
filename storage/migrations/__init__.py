"""Schema migrations, applied in order at start: each step runs in its own transaction and is recorded.

``schema_version`` holds one row per applied step. A step is a function of a ``Connection``; add new steps
to ``MIGRATIONS`` with the next version number, never edit an applied one. Numbers may have gaps (branches
developed side by side reserve theirs): every step not recorded yet runs, in order, also one numbered below
a step applied before it was merged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise

from sqlalchemy import Connection, Engine, func, insert, select

from storage.db.engine import transaction
from storage.db.tables import schema_version
from storage.migrations import (
    m0001_initial,
    m0002_delivery_claims,
    m0003_retention,
    m0004_trends,
    m0005_feed_sources,
    m0006_chat_language,
    m0007_volume,
    m0008_workers,
    m0009_feed_offers,
    m0010_spike_outbox,
    m0011_feed_claims,
    m0012_match_queue,
    m0013_drop_matched_at,
    m0014_fold_chinese_script,
    m0015_translations,
    m0016_handled_updates,
    m0017_feed_body_digest,
    m0018_counted_at,
    m0020_pg_insert_path,
)

logger = logging.getLogger(__name__)

# Any fixed number: serializes concurrent migrators on one PostgreSQL database.
_PG_LOCK_KEY = 7_317_001


@dataclass(frozen=True, slots=True)
class Migration:
    """One schema step."""

    version: int
    name: str
    apply: Callable[[Connection], None]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "initial schema", m0001_initial.apply),
    Migration(2, "outbox claims and leases", m0002_delivery_claims.apply),
    Migration(3, "retention", m0003_retention.apply),
    Migration(4, "spike alerts per subscription", m0004_trends.apply),
    Migration(5, "feed sources", m0005_feed_sources.apply),
    Migration(6, "chat language", m0006_chat_language.apply),
    Migration(7, "volume control", m0007_volume.apply),
    Migration(8, "worker heartbeats", m0008_workers.apply),
    Migration(9, "feed offers", m0009_feed_offers.apply),
    Migration(10, "spike alert outbox, trend index", m0010_spike_outbox.apply),
    Migration(11, "feed claims", m0011_feed_claims.apply),
    Migration(12, "match queue", m0012_match_queue.apply),
    Migration(13, "items.matched_at dropped", m0013_drop_matched_at.apply),
    Migration(14, "search tokens: traditional Chinese folded", m0014_fold_chinese_script.apply),
    Migration(15, "items.language, translation cache", m0015_translations.apply),
    Migration(16, "handled webhook updates", m0016_handled_updates.apply),
    Migration(17, "feeds.body_digest: unchanged bodies are not parsed", m0017_feed_body_digest.apply),
    Migration(18, "items counted on the day of publication", m0018_counted_at.apply),
    Migration(20, "PostgreSQL: item side tables without foreign keys, lz4", m0020_pg_insert_path.apply),
)


def current_version(conn: Connection) -> int:
    """The highest applied version (0 for an empty database)."""
    schema_version.create(conn, checkfirst=True)
    return int(conn.execute(select(func.coalesce(func.max(schema_version.c.version), 0))).scalar_one())


def migrate(engine: Engine, migrations: Sequence[Migration] = MIGRATIONS) -> int:
    """Apply every step not recorded yet, in order; returns the resulting (highest) version."""
    _check_order(migrations)
    version = 0
    for step in migrations:
        with transaction(engine, write=True) as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_LOCK_KEY})")
            version = current_version(conn)
            if _applied(conn, step.version):
                continue
            step.apply(conn)
            now = datetime.now(UTC)
            conn.execute(insert(schema_version).values(version=step.version, name=step.name, applied_at=now))
            version = max(version, step.version)
            logger.info("schema_migrated version=%s name=%s", step.version, step.name)
    if migrations and version > migrations[-1].version:
        raise RuntimeError(
            f"database schema v{version} is newer than this Wirewatch (v{migrations[-1].version})"
        )
    return version


def _applied(conn: Connection, version: int) -> bool:
    stmt = select(schema_version.c.version).where(schema_version.c.version == version)
    return conn.execute(stmt).first() is not None


def _check_order(migrations: Sequence[Migration]) -> None:
    versions = [m.version for m in migrations]
    if not versions or versions[0] != 1 or any(b <= a for a, b in pairwise(versions)):
        raise ValueError(f"migration versions must start at 1 and increase, got {versions}")

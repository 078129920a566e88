"""The ingest stage's store executor per database: one writer thread on SQLite, several on PostgreSQL
(a single thread capped a PostgreSQL process near 18 cold feeds/s on round trips, benchmarks/scaleout.py)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.entry.runtime import PG_STORE_THREADS, ingest_store_executor


@pytest.mark.parametrize(("dialect", "threads"), [("sqlite", None), ("postgresql", PG_STORE_THREADS)])
def test_store_threads_per_dialect(dialect: str, threads: int | None) -> None:
    executor = ingest_store_executor(dialect)
    if threads is None:
        assert executor is None  # the Ingestor's single process-wide store thread
        return
    assert isinstance(executor, ThreadPoolExecutor)
    try:
        assert executor._max_workers == threads > 1
    finally:
        executor.shutdown()

"""Migration 14: re-index stored items with traditional Chinese folded to simplified (``feeds.script_fold``).

Search tokens now fold the script, so an item stored with the old tokens would be missed by a query in the
other script. Items are read in id order, in batches; only those with Chinese characters are re-indexed
(``storage.search_index.reindex_batch``), and progress is logged after each batch.
"""

from __future__ import annotations

import logging
import time

from sqlalchemy import Connection, func, select

from storage import search_index
from storage.db.tables import items

logger = logging.getLogger(__name__)
BATCH = 2000


def apply(conn: Connection, batch: int = BATCH) -> None:
    """Re-index every stored item whose tokens the script fold changes."""
    total = conn.execute(select(func.count()).select_from(items)).scalar_one()
    started, cursor, read, rewritten = time.monotonic(), 0, 0, 0
    while True:
        last, count, changed = search_index.reindex_batch(conn, after_id=cursor, limit=batch)
        if last is None:
            break
        cursor, read, rewritten = last, read + count, rewritten + changed
        logger.info("reindex_progress read=%s total=%s rewritten=%s", read, total, rewritten)
    logger.info(
        "reindex_done items=%s rewritten=%s seconds=%.1f", total, rewritten, time.monotonic() - started
    )

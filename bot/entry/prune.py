"""``wirewatch prune [--dry-run]``: run retention now and print what it removed."""

from __future__ import annotations

import argparse
import asyncio
from datetime import timedelta

from bot.entry.runtime import open_store
from bot.pipeline.retention import describe, prune_old_items
from bot.settings import Settings


def command(args: argparse.Namespace, settings: Settings) -> int:
    """Prune releases older than ``[storage] keep_items``; ``--dry-run`` only counts."""
    store = open_store(settings)
    try:
        keep = timedelta(seconds=settings.storage.keep_items_seconds)
        before, result = asyncio.run(prune_old_items(store, keep, dry_run=args.dry_run))
    finally:
        store.close()
    print(describe(before, result, dry_run=args.dry_run))
    return 0

"""Migration 14 (re-index with the script fold) and ``wirewatch aliases`` at 100,000 stored items.

    .venv/bin/python benchmarks/script_fold_store.py [--items 100000]

Runs on SQLite (a temp file) and, when ``WIREWATCH_TEST_DATABASE_URL`` is set, on PostgreSQL (a temporary
schema, dropped afterwards). Items come from ``benchmarks/recent.py`` (~2 KB, one in ten Chinese, 滨州 in one
in fifty). They are stored as version 13 stored them: the fold is switched off while loading (this script
only), and schema version 14 is then forgotten, so the migration finds every Chinese item with old tokens.
Then ``Store.aliases`` is timed (median of 5 after one warm-up) for a few names, the goal being <= 1 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from recent import NOW, load
from sqlalchemy import text

import feeds.query.normalize as normalize
from feeds.aliases import parse_alias_term
from storage.db.engine import make_engine
from storage.migrations import m0014_fold_chinese_script
from storage.store import Store

NAMES = ("Binzhou", "滨州", "濱州", "Zhongguo", "Xian", "Wulumuqi", "Shishi")


def run_backend(label: str, url: str, schema: str | None, count: int) -> None:
    print(f"{label}: loading {count:,} items with version 13's tokens (no script fold)", flush=True)
    folding = normalize.fold_script
    normalize.fold_script = lambda text: text  # this script only: what version 13 wrote
    store = Store.open(url, schema=schema)
    try:
        load(store, count)
    finally:
        normalize.fold_script = folding
    engine = make_engine(url, schema=schema)
    try:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM schema_version WHERE version = 14"))
        started = time.perf_counter()
        with engine.begin() as conn:
            m0014_fold_chinese_script.apply(conn)
        print(f"  migration 14 (re-index): {time.perf_counter() - started:.1f} s for {count:,} items")
    finally:
        engine.dispose()
    try:
        for name in NAMES:
            term = parse_alias_term(name)
            found = store.aliases(term, since=NOW - timedelta(days=90))
            samples = []
            for _ in range(5):
                started = time.perf_counter()
                store.aliases(term, since=NOW - timedelta(days=90))
                samples.append(time.perf_counter() - started)
            shown = ", ".join(f"{a.text} {a.evidence}" for a in found[:4]) or "no aliases"
            print(
                f"  aliases {name}: median {statistics.median(samples) * 1000:.0f} ms, max "
                f"{max(samples) * 1000:.0f} ms -> {shown}"
            )
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run_backend("SQLite", f"sqlite:///{folder}/bench.db", None, args.items)
    url = os.environ.get("WIREWATCH_TEST_DATABASE_URL")
    if url:
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        try:
            run_backend("PostgreSQL", url, schema, args.items)
        finally:
            engine = make_engine(url)
            with engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            engine.dispose()


if __name__ == "__main__":
    main()

"""``python -m benchmarks`` (``make bench``): every benchmark, one after the other, or why one is skipped.

Each benchmark is also one command of its own (``python -m benchmarks.NAME --help``); docs/PERFORMANCE.md
lists them with their figures. The ones that need PostgreSQL run when ``WIREWATCH_BENCH_DATABASE_URL`` names a
server whose user may create databases (e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/test``); without
it they are listed as skipped, with that reason. ``--only NAME[,NAME…]`` runs a subset.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

DATABASE_ENV = "WIREWATCH_BENCH_DATABASE_URL"
HERE = Path(__file__).resolve().parent
# modules in benchmarks/ that are not benchmarks: helpers the benchmarks import or start
HELPERS = frozenset({"__init__", "__main__", "fresh_db", "memory_probe", "memory_workload"})


@dataclass(frozen=True, slots=True)
class Benchmark:
    """One benchmark module and how ``make bench`` runs it."""

    name: str
    args: tuple[str, ...] = ()
    needs_postgres: bool = False

    def command(self, database_url: str | None) -> list[str]:
        extra = ("--database-url", database_url) if self.needs_postgres and database_url else ()
        return [sys.executable, "-m", f"benchmarks.{self.name}", *self.args, *extra]


BENCHMARKS = (
    Benchmark("match"),
    Benchmark("parse"),
    Benchmark("tokens"),
    Benchmark("ingest"),
    Benchmark("recent"),
    Benchmark("digest"),
    Benchmark("claims"),
    Benchmark("deliver"),
    Benchmark("latency"),
    Benchmark("retention"),
    Benchmark("memory"),
    Benchmark("crash_check"),
    Benchmark("script_fold_corpus"),
    Benchmark("script_fold_store"),
    Benchmark("webapp"),
    Benchmark("scaleout", needs_postgres=True),
)


def benchmark_modules() -> set[str]:
    """Every benchmark module in the folder (what ``BENCHMARKS`` must cover)."""
    return {path.stem for path in HERE.glob("*.py")} - HELPERS


def skip_reason(bench: Benchmark, database_url: str | None) -> str | None:
    """Why ``bench`` cannot run here, or None."""
    if not (HERE / f"{bench.name}.py").exists():
        return "not in this checkout"
    if bench.needs_postgres and not database_url:
        return f"needs PostgreSQL: set {DATABASE_ENV}=postgresql+psycopg://user@host:5432/db"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="comma-separated benchmark names (default: all)")
    args = parser.parse_args(argv)
    wanted = {name.strip() for name in args.only.split(",") if name.strip()}
    database_url = os.environ.get(DATABASE_ENV) or None
    failed: list[str] = []
    for bench in BENCHMARKS:
        if wanted and bench.name not in wanted:
            continue
        if reason := skip_reason(bench, database_url):
            print(f"== {bench.name}: skipped ({reason})", flush=True)
            continue
        print(f"== {bench.name}: {' '.join(bench.command(None)[1:])}", flush=True)
        started = time.monotonic()
        code = subprocess.call(bench.command(database_url), cwd=HERE.parent)
        print(f"== {bench.name}: exit {code} after {time.monotonic() - started:.0f} s", flush=True)
        if code != 0:
            failed.append(bench.name)
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""``wirewatch`` under tracemalloc, for ``benchmarks.memory --tracemalloc``: the real CLI, plus a thread that
dumps a snapshot every ``$WIREWATCH_BENCH_SNAPSHOT_SECONDS`` into ``$WIREWATCH_BENCH_SNAPSHOTS``. With
``$WIREWATCH_BENCH_TRACE_AFTER`` seconds, tracing starts that late: only what is allocated from then on is
traced (the subscription index loaded before costs no tracing overhead and does not hide the growth).

    python -m benchmarks.memory_probe run --config PATH
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
import threading
import time
import tracemalloc
from pathlib import Path

from bot.entry.cli import main as cli_main


def _dump_forever(directory: Path, every: float, after: float) -> None:
    time.sleep(after)
    tracemalloc.start(8)
    number = 0
    while True:
        time.sleep(every)
        number += 1
        snapshot = tracemalloc.take_snapshot().filter_traces(
            [tracemalloc.Filter(False, tracemalloc.__file__), tracemalloc.Filter(False, "<frozen *>")]
        )
        snapshot.dump(str(directory / f"snap-{number:04d}-{time.time():.0f}.pickle"))


def _sqlite_memory_forever(directory: Path, every: float) -> None:
    """SQLite's own heap (``sqlite3_memory_used``: page caches, prepared statements), which tracemalloc
    cannot see, appended to ``sqlite-memory.txt`` as "seconds bytes"."""
    name = ctypes.util.find_library("sqlite3")
    if name is None:
        return
    library = ctypes.CDLL(name)
    library.sqlite3_memory_used.restype = ctypes.c_int64
    started = time.monotonic()
    with (directory / "sqlite-memory.txt").open("a") as out:
        while True:
            out.write(f"{time.monotonic() - started:.0f} {library.sqlite3_memory_used()}\n")
            out.flush()
            time.sleep(every)


def main() -> int:
    directory = Path(os.environ["WIREWATCH_BENCH_SNAPSHOTS"])
    every = float(os.environ.get("WIREWATCH_BENCH_SNAPSHOT_SECONDS", "20"))
    after = float(os.environ.get("WIREWATCH_BENCH_TRACE_AFTER", "0"))
    threading.Thread(target=_dump_forever, args=(directory, every, after), daemon=True).start()
    threading.Thread(target=_sqlite_memory_forever, args=(directory, every), daemon=True).start()
    return cli_main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())

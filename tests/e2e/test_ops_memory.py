"""Freed heap memory goes back to the operating system after a burst (``bot.ops.memory``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BURST = """
import gc
from bot.ops.memory import release_free_memory

def rss_mb():
    return int(open("/proc/self/statm").read().split()[1]) * 4096 / 2**20

keep = []
garbage = [("x" * 1000 + str(n)) for n in range(100_000)]  # ~100 MB: bodies, rows of a burst
keep = garbage[::50]  # a few survivors scattered over the heap keep malloc from shrinking it by itself
del garbage
gc.collect()
before = rss_mb()
trimmed = release_free_memory()
print(trimmed, round(before - rss_mb()))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim, /proc")
def test_a_burst_garbage_is_given_back() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", BURST], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    trimmed, released_mb = done.stdout.split()
    assert trimmed == "True"
    assert int(released_mb) >= 40, done.stdout

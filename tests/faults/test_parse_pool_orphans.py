"""No orphans: when the process that owns the parse pool is killed (-9), its workers, the forkserver and the
resource tracker are gone within 10 s."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OWNER = """
import os, time
from bot.entry.runtime import parse_pool
pool = parse_pool(2)
print(sorted({pool.submit(os.getpid).result() for _ in range(8)}), flush=True)
time.sleep(120)
"""


def processes_marked(marker: str) -> list[int]:
    """Pids of live processes whose environment carries ``marker`` (they may have been reparented)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker.encode() in environ and state != "Z":
            found.append(int(entry.name))
    return found


def test_killed_owner_leaves_no_children() -> None:
    marker = f"WIREWATCH_TEST_MARK=orphans-{uuid.uuid4().hex}"
    key, value = marker.split("=", 1)
    owner = subprocess.Popen(
        [sys.executable, "-c", OWNER],
        env={**os.environ, key: value, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert owner.stdout is not None
    workers = owner.stdout.readline()
    assert workers.startswith("["), workers
    assert len(processes_marked(marker)) >= 3  # owner, forkserver, at least one worker
    os.kill(owner.pid, signal.SIGKILL)
    owner.wait(5)
    deadline = time.monotonic() + 10
    while processes_marked(marker) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_marked(marker) == []

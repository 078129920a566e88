"""Run as ``python -m tests.parse_worker_probe``: like the ``wirewatch`` script, the main module imports the
CLI; prints which heavy modules a parse-pool worker holds (it re-imports the main module when it starts)."""

from __future__ import annotations

import json
import sys

from bot.entry.cli import main as _cli_main  # noqa: F401  (what the console script's __main__ imports)

HEAVY = (
    "telegram",
    "sqlalchemy",
    "storage.store",
    "bot.entry.commands",
    "bot.pipeline.deliver",
    "apscheduler",
)


def loaded() -> list[str]:
    """Which of ``HEAVY`` this process has imported."""
    return [name for name in HEAVY if name in sys.modules]


if __name__ == "__main__":
    from bot.entry.runtime import parse_pool  # as `run` does, after start-up: not in the worker's re-import

    pool = parse_pool(1)
    try:
        print(json.dumps({"worker": pool.submit(loaded).result(timeout=60), "parent": loaded()}))
    finally:
        pool.shutdown()

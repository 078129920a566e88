"""The parse pool stays small: its workers load the parse modules, not the bot (Telegram, database, the
scheduler), although they re-import the main module when they start."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.parse_worker_probe import HEAVY

ROOT = Path(__file__).resolve().parents[2]


def _python(*args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    return done.stdout


def test_importing_the_cli_loads_no_database_or_telegram_library() -> None:
    code = f"import sys, bot.entry.cli; print([m for m in {HEAVY!r} if m in sys.modules])"
    assert _python("-c", code).strip() == "[]"


def test_a_parse_worker_holds_none_of_the_bot() -> None:
    """The worker of a process whose main module imports the CLI (as the ``wirewatch`` script does)."""
    report = json.loads(_python("-m", "tests.parse_worker_probe"))
    assert report["worker"] == []
    assert "sqlalchemy" in report["parent"]  # the probe is real: its parent did load the database layer

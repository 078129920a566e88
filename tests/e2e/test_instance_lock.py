"""One instance per database: the lock on both backends, and a second real process refused in one line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from storage.store import InstanceLockedError, Store
from tests.e2e.test_cli import ROOT, wirewatch
from tests.feed_server import FeedServer


def test_second_lock_is_refused_until_released(backend: tuple[str, str | None]) -> None:
    url, schema = backend
    first, second = Store.open(url, schema=schema), Store.open(url, schema=schema)
    try:
        held = first.lock_instance()
        with pytest.raises(InstanceLockedError, match="another Wirewatch process"):
            second.lock_instance()
        other_role = second.lock_instance("bot")  # roles lock independently
        other_role.release()
        held.release()
        second.lock_instance().release()
    finally:
        first.close()
        second.close()


def test_schemas_lock_independently(backend: tuple[str, str | None], tmp_path: Path) -> None:
    url, schema = backend
    other = (f"sqlite:///{tmp_path / 'other.db'}", None) if schema is None else (url, f"{schema}_b")
    a, b = Store.open(url, schema=schema), Store.open(other[0], schema=other[1])
    try:
        lock_a, lock_b = a.lock_instance(), b.lock_instance()
        lock_a.release()
        lock_b.release()
    finally:
        a.close()
        b.close()
        if schema is not None:
            from tests.fixtures_db import drop_schema

            drop_schema(url, f"{schema}_b")


def test_a_second_process_on_the_same_database_is_refused(tmp_path: Path, feed_server: FeedServer) -> None:
    feed_server.add("/f.xml", b"<rss version='2.0'><channel><title>t</title></channel></rss>")
    config = tmp_path / "config.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "one.db"}"\n'
        f'[[feeds]]\nname = "Wire"\nurl = "{feed_server.url("/f.xml")}"\n'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIREWATCH_")}
    first = subprocess.Popen(
        [sys.executable, "-m", "bot.entry.cli", "poll", "--config", str(config)],
        env={**env, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not (tmp_path / "one.db.instance.lock").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)
        second = wirewatch("poll", "--once", "--config", str(config))
        assert second.returncode == 5, second.stderr
        lines = second.stderr.strip().splitlines()
        assert len(lines) == 1 and "refused to start" in lines[0] and "PostgreSQL" in lines[0]
    finally:
        first.send_signal(signal.SIGTERM)
        first.wait(30)
    assert wirewatch("poll", "--once", "--config", str(config)).returncode == 0  # free again

"""`wirewatch console`: the same chat in a terminal, against a real config and database; alerts print live."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

from tests.feed_server import FeedServer
from tests.releases import RELEASE, rss

ROOT = Path(__file__).resolve().parents[2]


class Terminal:
    """A console process we type into and read from."""

    def __init__(self, config: Path, *options: str) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("WIREWATCH_")}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot.entry.cli", "console", "--config", str(config), *options],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**env, "PYTHONPATH": str(ROOT)},
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen = ""
        threading.Thread(target=self._pump, args=(self.proc.stdout,), daemon=True).start()

    def _pump(self, stream: IO[str] | None) -> None:
        assert stream is not None
        for line in stream:
            self.lines.put(line)

    def type(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def expect(self, text: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while text not in self.seen:
            try:
                self.seen += self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"{text!r} never appeared; the screen:\n{self.seen}") from None
        return self.seen


def test_console_chat_and_live_alerts(tmp_path: Path, feed_server: FeedServer) -> None:
    feed_server.add("/a.xml", rss([("a-1", "Unrelated biotech news", "A drug met its endpoint.")]))
    config = tmp_path / "config.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "console.db"}"\n[polling]\ntick = 1\n'
        f'[[feeds]]\nname = "Wire A"\nurl = "{feed_server.url("/a.xml")}"\ninterval = 1\n'
    )
    terminal = Terminal(config)
    try:
        terminal.expect("Type /help")
        terminal.type("/subscribe Binzhou")
        terminal.expect("Subscribed #1")
        terminal.type("/feeds")
        terminal.expect("Wire A")
        feed_server.add("/a.xml", rss([("a-1", "Unrelated", "x"), ("a-2", *RELEASE)]))
        screen = terminal.expect("matched: Binzhou")
        assert f"*{RELEASE[0]}" in screen, "the alert is not rendered as terminal text"
        terminal.type("/recent Binzhou")
        terminal.expect("Newest releases matching Binzhou")
        terminal.type("/quit")
        assert terminal.proc.wait(timeout=15) == 0
    finally:
        if terminal.proc.poll() is None:
            terminal.proc.kill()
            terminal.proc.wait()

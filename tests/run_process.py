"""A real ``wirewatch`` process for fault tests and benchmarks: config file, start, signals, descendants.

Every process started here carries a unique marker in its environment; its descendants inherit it (the
forkserver, the resource tracker, parse workers), so they can be found in ``/proc`` even after the parent
was killed and they were reparented.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKER_ENV = "WIREWATCH_TEST_MARKER"


def write_config(
    path: Path,
    *,
    database_url: str,
    api_base_url: str,
    feeds: Sequence[tuple[str, str]],
    tick: int = 1,
    interval: int = 1,
    extra: str = "",
    polling: str = "",
) -> Path:
    """A config file for ``run``: the database, the (fake) Bot API, and ``feeds`` as (name, url);
    ``polling`` holds more ``[polling]`` lines, ``extra`` more sections."""
    lines = [
        f'[database]\nurl = "{database_url}"',
        f'[telegram]\napi_base_url = "{api_base_url}"',
        f"[polling]\ntick = {tick}\ninterval = {interval}\n{polling}",
        extra,
    ]
    lines += [f'[[feeds]]\nname = "{name}"\nurl = "{url}"\ninterval = {interval}' for name, url in feeds]
    path.write_text("\n".join(lines) + "\n")
    return path


class WirewatchProcess:
    """``python -m bot.entry.cli <command> --config PATH [args]`` with a marker; stderr goes to a log file.

    ``prefix`` goes before the interpreter (e.g. ``taskset -c 0`` to pin it and its children to a core)."""

    def __init__(
        self,
        config: Path,
        token: str,
        command: str = "run",
        *,
        module: str = "bot.entry.cli",
        env: dict[str, str],
        args: Sequence[str] = (),
        prefix: Sequence[str] = (),
    ) -> None:
        self.marker = uuid.uuid4().hex
        self.log = config.parent / f"{command}-{self.marker[:8]}.log"
        environment = {k: v for k, v in os.environ.items() if not k.startswith("WIREWATCH_")}
        environment.update(env)
        environment.update({MARKER_ENV: self.marker, "WIREWATCH_TELEGRAM_TOKEN": token})
        environment["PYTHONPATH"] = str(ROOT)
        with self.log.open("w") as log:
            self.proc = subprocess.Popen(
                [*prefix, sys.executable, "-m", module, command, "--config", str(config), *args],
                env=environment,
                stdout=subprocess.DEVNULL,
                stderr=log,
                stdin=subprocess.DEVNULL,
                cwd=ROOT,
            )

    @classmethod
    def start(
        cls,
        config: Path,
        token: str,
        command: str = "run",
        module: str = "bot.entry.cli",
        *,
        args: Sequence[str] = (),
        prefix: Sequence[str] = (),
        **env: str,
    ) -> WirewatchProcess:
        """Start ``command`` with ``args`` after ``--config``; ``env`` adds environment variables."""
        return cls(config, token, command, module=module, env=env, args=args, prefix=prefix)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stderr(self) -> str:
        """What the process logged so far."""
        return self.log.read_text(errors="replace")

    def terminate(self, timeout: float = 15.0) -> int:
        """SIGTERM, then wait; returns the exit code (kills it and raises if it does not stop in time)."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"no exit within {timeout}s of SIGTERM\n{self.stderr()[-3000:]}") from None

    def kill(self) -> None:
        """SIGKILL (no cleanup of any kind), then reap it."""
        with contextlib.suppress(ProcessLookupError):
            self.proc.kill()
        self.proc.wait(timeout=10)

    def cleanup(self) -> None:
        """Kill the process and whatever it left behind (by marker)."""
        if self.proc.poll() is None:
            self.kill()
        for pid in marked_processes(self.marker):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)


def marked_processes(marker: str) -> list[int]:
    """Live (not zombie) processes whose environment holds ``MARKER_ENV=marker``."""
    needle = f"{MARKER_ENV}={marker}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state not in ("Z", "X"):
            found.append(int(entry.name))
    return sorted(found)


def describe(pids: Sequence[int]) -> list[str]:
    """``pid: command line`` of each process, for assertion messages."""
    out = []
    for pid in pids:
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            cmdline = "?"
        out.append(f"{pid}: {cmdline.strip()[:160]}")
    return out


def rss_mb(pid: int) -> float:
    """Resident set size of one process in MB (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def wait_until(predicate: Callable[[], bool], timeout: float, step: float = 0.1) -> bool:
    """Poll ``predicate`` until it holds or ``timeout`` seconds passed; returns whether it held."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            return False
        time.sleep(step)
    return True

"""A throwaway PostgreSQL cluster for fault tests: its own data directory, port and socket directory.

Never the shared server on 5432: this one may be stopped and started at will. Built with the server
binaries found under ``/usr/lib/postgresql/*/bin`` (or ``$WIREWATCH_PG_BIN``); as root, every server
command runs as the ``postgres`` OS user (initdb refuses root). Tuned for speed, not durability.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg

SERVER_OPTIONS = (
    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=16MB "
    "-c max_connections=60 -c listen_addresses=127.0.0.1"
)


def find_bin_dir() -> Path | None:
    """The newest server binaries directory holding initdb and pg_ctl, or None."""
    candidates = [os.environ.get("WIREWATCH_PG_BIN", ""), *sorted(glob.glob("/usr/lib/postgresql/*/bin"))]
    found = [
        Path(c) for c in candidates if c and (Path(c) / "initdb").exists() and (Path(c) / "pg_ctl").exists()
    ]
    return found[-1] if found else None


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PgCluster:
    """One initdb'd cluster in a temporary directory; ``start()``/``stop()`` as often as a test likes."""

    def __init__(self, bin_dir: Path, options: str = "") -> None:
        self.bin_dir = bin_dir
        self.options = options  # more server options (``-c name=value …``) after ``SERVER_OPTIONS``
        self.root = Path(tempfile.mkdtemp(prefix="wirewatch-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            entry = pwd.getpwnam("postgres")
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self._pg("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")

    def _pg(self, tool: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin_dir / tool), *args]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=self.root)
        if done.returncode != 0:
            raise RuntimeError(f"{tool} failed ({done.returncode}): {done.stderr.strip() or done.stdout}")
        return done

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of ``database`` on this cluster (TCP on 127.0.0.1)."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = f"-p {self.port} -k {self.root} {SERVER_OPTIONS} {self.options}".strip()
        self._pg(
            "pg_ctl",
            "start",
            "-w",
            "-t",
            "30",
            "-D",
            str(self.data),
            "-l",
            str(self.root / "log"),
            "-o",
            options,
        )

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``fast``: disconnect clients, clean shutdown; ``immediate``: like a crash)."""
        self._pg("pg_ctl", "stop", "-w", "-t", "30", "-m", mode, "-D", str(self.data))

    def running(self) -> bool:
        """Whether the server is up."""
        command = [str(self.bin_dir / "pg_ctl"), "status", "-D", str(self.data)]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, timeout=30).returncode == 0

    def execute(self, sql: str) -> None:
        """Run one statement as the superuser, outside a transaction (CREATE/DROP DATABASE)."""
        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(sql.encode())

    def create_database(self, name: str) -> str:
        """A new empty database; returns its URL."""
        self.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def destroy(self) -> None:
        """Stop the server (if up) and remove every file."""
        with contextlib.suppress(Exception):
            if self.running():
                self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


@contextlib.contextmanager
def throwaway_cluster(options: str = "") -> Iterator[PgCluster | None]:
    """A started cluster (with more server ``options``), destroyed afterwards; None when the server
    binaries are not installed."""
    bin_dir = find_bin_dir()
    if bin_dir is None or (os.geteuid() == 0 and not _has_postgres_user()):
        yield None
        return
    cluster = PgCluster(bin_dir, options)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()


def _has_postgres_user() -> bool:
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return False
    return shutil.which("runuser") is not None

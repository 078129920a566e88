"""The ops server for real: aiohttp on 127.0.0.1 (port 0) and a real HTTP client.

Covers the network allow-list (a loopback client outside ``allowed_networks`` gets 404), basic auth,
/metrics, /healthz, and /readyz turning 503 for a late role (fake clock) or a database that stops answering
(a real store behind a TCP proxy that is stopped and started again; PostgreSQL when configured).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy.engine import make_url

from bot.ops.metrics import Metrics
from bot.ops.readiness import Readiness
from bot.ops.server import OpsServer, start_ops_server
from bot.settings import MetricsSettings
from storage.db.engine import make_engine
from storage.store import Store
from tests.fixtures_db import pg_url

LISTEN = ("127.0.0.1", 0)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def ok_probe() -> None:
    return None


@contextlib.asynccontextmanager
async def serving(settings: MetricsSettings, **kwargs: Any) -> AsyncIterator[str]:
    kwargs.setdefault("metrics", Metrics(version="1.2.3"))
    kwargs.setdefault("readiness", Readiness())
    kwargs.setdefault("database_probe", ok_probe)
    server = await start_ops_server(settings, **kwargs)
    assert isinstance(server, OpsServer) and server.port != 0
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        await server.stop()


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


async def get(url: str, auth: str | None = None) -> tuple[int, str, str]:
    headers = {} if auth is None else {"Authorization": auth}
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as answer:
        return answer.status, answer.headers.get("Content-Type", ""), await answer.text()


async def test_no_listen_no_server() -> None:
    server = await start_ops_server(
        MetricsSettings(), metrics=Metrics(), readiness=Readiness(), database_probe=ok_probe
    )
    assert server is None


async def test_endpoints_for_an_allowed_client() -> None:
    async with serving(MetricsSettings(listen=LISTEN)) as base:
        status, kind, text = await get(f"{base}/metrics")
        assert status == 200 and kind.startswith("text/plain")
        assert 'wirewatch_build_info{version="1.2.3"} 1.0' in text
        assert (await get(f"{base}/healthz"))[0] == 200
        assert (await get(f"{base}/readyz"))[0] == 200
        assert (await get(f"{base}/nothing"))[0] == 404


@pytest.mark.parametrize(
    ("settings", "address"),
    [
        (MetricsSettings(listen=LISTEN, allowed_networks=("10.0.0.0/8",)), None),
        (MetricsSettings(listen=LISTEN, allowed_networks=("::1/128",)), None),
        (MetricsSettings(listen=LISTEN), "192.0.2.7"),
        (MetricsSettings(listen=LISTEN), "not an address"),
    ],
    ids=["loopback-not-in-10/8", "ipv4-client-ipv6-list", "foreign-address", "garbage-address"],
)
async def test_clients_outside_the_allowed_networks_get_404(
    settings: MetricsSettings, address: str | None
) -> None:
    kwargs: dict[str, Any] = {} if address is None else {"client_address": lambda request: address}
    async with serving(settings, **kwargs) as base:
        for path in ("/metrics", "/healthz", "/readyz"):
            status, _, text = await get(base + path)
            assert status == 404, path
            assert "wirewatch" not in text


async def test_an_injected_address_inside_the_networks_is_served() -> None:
    settings = MetricsSettings(listen=LISTEN, allowed_networks=("10.0.0.0/8",))
    async with serving(settings, client_address=lambda request: "10.1.2.3") as base:
        assert (await get(f"{base}/healthz"))[0] == 200


@pytest.mark.parametrize(
    ("auth", "status"),
    [
        (None, 401),
        (basic("prom", "wrong"), 401),
        (basic("other", "s3cret"), 401),
        ("Basic !!!notbase64", 401),
        ("Bearer s3cret", 401),
        (basic("prom", "s3cret"), 200),
    ],
    ids=["none", "wrong-password", "wrong-user", "garbage", "other-scheme", "right"],
)
async def test_basic_auth(auth: str | None, status: int) -> None:
    settings = MetricsSettings(listen=LISTEN, username="prom", password="s3cret")
    async with serving(settings) as base:
        assert (await get(f"{base}/metrics", auth=auth))[0] == status


async def test_readyz_names_the_late_role_and_recovers() -> None:
    clock = FakeClock()
    readiness = Readiness(clock)
    readiness.declare("fetch", 15)
    readiness.declare("deliver", 1)
    async with serving(MetricsSettings(listen=LISTEN), readiness=readiness) as base:
        clock.now += 2.9
        assert (await get(f"{base}/readyz"))[0] == 200
        clock.now += 0.2
        status, kind, text = await get(f"{base}/readyz")
        assert (status, kind) == (503, "application/json; charset=utf-8")
        assert '"role": "deliver"' in text and '"fetch"' not in text.split('"late"')[1].split("]")[0]
        readiness.beat("deliver")
        clock.now += 42
        readiness.beat("deliver")
        status, _, text = await get(f"{base}/readyz")
        assert status == 503 and '"role": "fetch"' in text and '"allowed_seconds": 45.0' in text
        readiness.beat("fetch")
        assert (await get(f"{base}/readyz"))[0] == 200


def failing_probe() -> None:
    raise ConnectionError("postgresql://user:hunter2@db/x refused")


async def test_readyz_503_when_the_probe_fails_without_leaking_its_message() -> None:
    async with serving(MetricsSettings(listen=LISTEN), database_probe=failing_probe) as base:
        status, _, text = await get(f"{base}/readyz")
    assert status == 503
    assert "ConnectionError" in text and "hunter2" not in text


class TcpProxy:
    """Forwards 127.0.0.1:<port> to a target; ``stop`` drops the listener and every connection."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.close()
        await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self._writers.update({writer, up_writer})

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError, OSError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self._writers.difference_update({writer, up_writer})


async def test_readyz_follows_a_real_postgresql_going_away_and_back() -> None:
    url = make_url(pg_url())
    proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432))
    await proxy.start()
    via_proxy = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    store = Store(make_engine(via_proxy))
    try:
        async with serving(MetricsSettings(listen=LISTEN), database_probe=store.ping) as base:
            assert (await get(f"{base}/readyz"))[0] == 200
            await proxy.stop()
            status, _, text = await get(f"{base}/readyz")
            assert status == 503 and '"database": "error: StoreUnavailableError"' in text
            await proxy.start()
            assert (await get(f"{base}/readyz"))[0] == 200
    finally:
        await asyncio.to_thread(store.close)
        with contextlib.suppress(Exception):
            await proxy.stop()


async def test_readyz_on_a_real_sqlite_store(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'r.db'}")
    try:
        async with serving(MetricsSettings(listen=LISTEN), database_probe=store.ping) as base:
            assert (await get(f"{base}/readyz"))[0] == 200
    finally:
        store.close()

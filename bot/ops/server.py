"""The ops HTTP server: ``/metrics`` (Prometheus text), ``/healthz`` (liveness), ``/readyz`` (readiness).

Started only when ``[metrics] listen`` is set. Clients outside ``allowed_networks`` get 404 (as if nothing
were there); with ``username``/``password`` set, every path also needs HTTP basic auth (constant-time check).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import ipaddress
import logging
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.offload import off_loop
from bot.ops.listen import start_site
from bot.ops.metrics import Metrics
from bot.ops.readiness import Readiness
from bot.settings import MetricsSettings

logger = logging.getLogger(__name__)

DatabaseProbe = Callable[[], None]  # synchronous; raises when the database does not answer
ClientAddress = Callable[[web.Request], str | None]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
PROBE_TIMEOUT_SECONDS = 5.0
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def peer_address(request: web.Request) -> str | None:
    """The TCP peer's address (proxies' forwarding headers are not trusted)."""
    return request.remote


def _allowed(address: str | None, networks: tuple[Network, ...]) -> bool:
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip.version == net.version and ip in net for net in networks)


def _basic_credentials(header: str | None) -> tuple[bytes, bytes] | None:
    """(user, password) of an ``Authorization: Basic …`` header, or None."""
    scheme, _, encoded = (header or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, sep, password = base64.b64decode(encoded.strip(), validate=True).partition(b":")
    except (binascii.Error, ValueError):
        return None
    return (user, password) if sep else None


def _credentials_match(header: str | None, username: str, password: str) -> bool:
    given = _basic_credentials(header) or (b"", b"")
    user_ok = hmac.compare_digest(given[0], username.encode())
    password_ok = hmac.compare_digest(given[1], password.encode())
    return user_ok and password_ok


def make_app(
    settings: MetricsSettings,
    *,
    metrics: Metrics,
    readiness: Readiness,
    database_probe: DatabaseProbe,
    client_address: ClientAddress = peer_address,
) -> web.Application:
    """The aiohttp application (routes and the network/auth guard)."""
    networks = tuple(ipaddress.ip_network(n, strict=False) for n in settings.allowed_networks)

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not _allowed(client_address(request), networks):
            logger.debug("ops_request_refused path=%s", request.path)
            raise web.HTTPNotFound()
        if settings.username is not None and settings.password is not None:
            auth = request.headers.get("Authorization")
            if not _credentials_match(auth, settings.username, settings.password):
                raise web.HTTPUnauthorized(headers={"WWW-Authenticate": 'Basic realm="wirewatch"'})
        return await handler(request)

    async def serve_metrics(request: web.Request) -> web.Response:
        body = await off_loop(generate_latest, metrics.registry)  # database gauges query here
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def readyz(request: web.Request) -> web.Response:
        body = await readiness_report(readiness, database_probe)
        return web.json_response(body, status=200 if body["status"] == "ready" else 503)

    app = web.Application(middlewares=[guard])
    app.router.add_get("/metrics", serve_metrics)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    return app


async def readiness_report(readiness: Readiness, database_probe: DatabaseProbe) -> dict[str, Any]:
    """``{"status": "ready"|"not ready", "database": "ok"|reason, "late": [...], "roles": [...]}``."""
    try:
        await asyncio.wait_for(off_loop(database_probe), PROBE_TIMEOUT_SECONDS)
        database = "ok"
    except TimeoutError:
        database = f"no answer within {PROBE_TIMEOUT_SECONDS:g}s"
    except Exception as exc:  # the type only: a driver's message may hold a URL
        database = f"error: {type(exc).__name__}"
    late = [asdict(role) for role in readiness.late()]
    ready = database == "ok" and not late
    return {
        "status": "ready" if ready else "not ready",
        "database": database,
        "late": late,
        "roles": list(readiness.roles),
    }


class OpsServer:
    """The running server; ``port`` is the bound port (useful with port 0)."""

    def __init__(self, app: web.Application, host: str, port: int) -> None:
        self._runner = web.AppRunner(app, access_log=None)
        self._host, self._port = host, port
        self.port = port

    async def start(self) -> None:
        """Bind and serve; ``ListenError`` (one line, naming ``metrics.listen``) when the address can't be."""
        await self._runner.setup()
        await start_site(self._runner, (self._host, self._port), "metrics.listen")
        self.port = int(self._runner.addresses[0][1])
        logger.info("ops_server_started host=%s port=%s", self._host, self.port)

    async def stop(self) -> None:
        """Stop serving."""
        await self._runner.cleanup()


async def start_ops_server(
    settings: MetricsSettings,
    *,
    metrics: Metrics,
    readiness: Readiness,
    database_probe: DatabaseProbe,
    client_address: ClientAddress = peer_address,
) -> OpsServer | None:
    """Start the server when ``settings.listen`` is set; None otherwise."""
    if settings.listen is None:
        return None
    app = make_app(
        settings,
        metrics=metrics,
        readiness=readiness,
        database_probe=database_probe,
        client_address=client_address,
    )
    server = OpsServer(app, *settings.listen)
    await server.start()
    return server

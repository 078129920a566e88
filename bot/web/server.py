"""The Mini App's server: the page and its assets under ``/app/``, the JSON API under ``/app/api/``; run by
each ``bot`` process (stateless: everything is in the database) on ``[webapp] listen``."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from importlib.resources import files

from aiohttp import web

from bot.chat.service import ChatService
from bot.web.guard import MAX_BODY, RateLimit, secure
from bot.web.ports import WebAppStore
from bot.web.session import Gate, api
from bot.web.settings_api import SettingsApi
from bot.web.subscriptions_api import SubscriptionsApi

logger = logging.getLogger(__name__)

ASSETS = {"app.js": "text/javascript", "app.css": "text/css"}


def _asset(name: str) -> bytes:
    return files("bot.web").joinpath("static", name).read_bytes()


def build_app(gate: Gate) -> web.Application:
    """The page, its assets and the API, behind the security middleware."""
    app = web.Application(middlewares=[secure], client_max_size=MAX_BODY)
    page = _asset("index.html")
    assets = {name: (_asset(name), kind) for name, kind in ASSETS.items()}

    async def index(request: web.Request) -> web.Response:
        return web.Response(body=page, content_type="text/html", charset="utf-8")

    async def asset(request: web.Request) -> web.Response:
        found = assets.get(request.match_info["name"])
        if found is None:
            raise web.HTTPNotFound()
        return web.Response(body=found[0], content_type=found[1], charset="utf-8")

    subs = SubscriptionsApi(gate.service.groups, gate.store, gate.clock)
    settings = SettingsApi(gate.service.groups, gate.store, gate.admins)
    app.router.add_get("/app/", index)
    app.router.add_get("/app/{name:[a-z]+\\.(?:js|css)}", asset)
    routes = [
        ("GET", "/app/api/me", settings.me),
        ("GET", "/app/api/subscriptions", subs.list),
        ("POST", "/app/api/subscriptions", subs.add),
        ("DELETE", "/app/api/subscriptions/{id}", subs.remove),
        ("POST", "/app/api/subscriptions/{id}/mute", subs.mute),
        ("DELETE", "/app/api/subscriptions/{id}/mute", subs.unmute),
        ("POST", "/app/api/preview", subs.preview),
        ("GET", "/app/api/aliases", subs.aliases),
        ("GET", "/app/api/trend", subs.trend),
        ("GET", "/app/api/settings", settings.get),
        ("PUT", "/app/api/settings", settings.put),
        ("GET", "/app/api/feeds", settings.feeds),
        ("POST", "/app/api/feeds", settings.add_feed),
        ("DELETE", "/app/api/feeds/{id}", settings.remove_feed),
    ]
    for method, path, handler in routes:
        app.router.add_route(method, path, api(gate, handler))
    return app


class WebAppServer:
    """Serves the Mini App on ``listen`` until stopped (port 0: a free one, see ``port``)."""

    def __init__(
        self,
        service: ChatService,
        store: WebAppStore,
        *,
        token: str,
        listen: tuple[str, int],
        max_age: timedelta,
        admins: frozenset[int] = frozenset(),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._listen = listen
        gate = Gate(service, store, token, max_age, admins, RateLimit(), clock)
        self._runner = web.AppRunner(build_app(gate), access_log=None, handle_signals=False)
        self.port = listen[1]

    async def start(self) -> None:
        """Bind ``listen`` and serve; OSError when the address is taken."""
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._listen[0], self._listen[1])
        try:
            await site.start()
        except BaseException:
            await self._runner.cleanup()
            raise
        server = site._server  # aiohttp exposes the bound sockets only here
        sockets = getattr(server, "sockets", None) or ()
        if sockets:
            self.port = sockets[0].getsockname()[1]
        logger.info("webapp_listening host=%s port=%s", self._listen[0], self.port)

    async def run(self, stop: asyncio.Event) -> None:
        """Serve until ``stop`` is set (the bot role's supervisor runs this)."""
        await self.start()
        try:
            await stop.wait()
        finally:
            await self.stop()

    async def stop(self) -> None:
        """Close the server (open requests get a short grace)."""
        await self._runner.cleanup()

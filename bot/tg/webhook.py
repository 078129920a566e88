"""Webhook mode: Telegram POSTs each update to us; an aiohttp server checks it and hands it to the bot.

Every ``bot`` process registers the webhook (``setWebhook`` with the secret token: idempotent, so several
processes behind a load balancer may all do it) and serves it on ``telegram.webhook_listen`` at the path
of ``telegram.webhook_url``. A POST must carry ``X-Telegram-Bot-Api-Secret-Token`` equal to the secret
(compared in constant time): otherwise 403, and nothing is handled. A body that is not an update (not JSON,
nested past the parser's depth, a date out of range, an ``update_id`` no database column holds) is 400,
logged in one line. A good update is claimed in the database (``HandledUpdates``): one that any process
took within the day is answered 200 and not run again (Telegram re-sends an update it got no answer to in
time); a new one goes onto the python-telegram-bot ``Application``'s update queue and is answered 200 at
once; the application handles it as it would a long-polled one. A database that does not answer gets 503,
so Telegram sends the update again later. Stopping closes the server and leaves the webhook
registered, so Telegram keeps the updates that arrive meanwhile for the next process.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update
from telegram.error import TelegramError

from bot.offload import off_loop
from bot.ops.listen import start_site
from bot.tg.frontend import ALLOWED_UPDATES, TelegramFrontend
from feeds.values import StoreUnavailableError

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BYTES = 1_000_000
MAX_UPDATE_ID = 2**63 - 1  # a BIGINT


class HandledUpdates(Protocol):
    """Where webhook processes claim the updates they run (``storage.Store``)."""

    def claim_update(self, update_id: int, now: datetime) -> bool:
        """True once per update; False when any process claimed it within the day before ``now``."""
        ...


def utc_now() -> datetime:
    """The real clock."""
    return datetime.now(UTC)


class WebhookRegistrationError(Exception):
    """Telegram did not take the webhook (unreachable, or it refused the URL); the text says why."""


def webhook_path(url: str) -> str:
    """The path the server answers on: the URL's path, ``/`` when it has none."""
    return urlsplit(url).path or "/"


class WebhookServer:
    """The HTTP end of webhook mode: checks each POST and queues the update for the application."""

    def __init__(
        self,
        frontend: TelegramFrontend,
        *,
        path: str,
        secret: str,
        listen: tuple[str, int],
        handled: HandledUpdates | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        if not secret:
            raise ValueError("a webhook secret is required")
        self._frontend = frontend
        self._path = path
        self._secret = secret.encode()
        self._listen = listen
        self._handled = handled
        self._clock = clock
        self._runner: web.AppRunner | None = None
        self.port: int | None = None  # the bound port (``listen`` may ask for 0)
        self.accepted = 0
        self.refused = 0
        self.replayed = 0

    async def start(self) -> None:
        """Bind ``listen`` and serve; ``ListenError`` (one line, naming ``telegram.webhook_listen``) when
        the address is taken, does not resolve or is not permitted."""
        app = web.Application(client_max_size=MAX_UPDATE_BYTES)
        app.router.add_post(self._path, self._handle)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        try:
            site = await start_site(runner, self._listen, "telegram.webhook_listen")
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        server = site._server  # aiohttp exposes the bound sockets only here
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else self._listen[1]
        logger.info("webhook_serving host=%s port=%s path=%s", self._listen[0], self.port, self._path)

    async def stop(self) -> None:
        """Close the server (open requests get a short grace)."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
            logger.info("webhook_stopped accepted=%s refused=%s", self.accepted, self.refused)

    async def _handle(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            self.refused += 1
            logger.warning("webhook_refused reason=secret remote=%s", request.remote)
            return web.Response(status=403, text="forbidden")
        update = await self._update(request)
        if update is None:
            self.refused += 1
            return web.Response(status=400, text="not a Telegram update")
        try:
            first = await self._first_time(update.update_id)
        except StoreUnavailableError:
            logger.warning("webhook_store_unavailable update_id=%s", update.update_id)
            return web.Response(status=503, text="try again")
        if not first:
            self.replayed += 1
            logger.info("webhook_replayed update_id=%s", update.update_id)
            return web.Response(status=200)
        await self._frontend.application.update_queue.put(update)
        self.accepted += 1
        return web.Response(status=200)

    async def _first_time(self, update_id: int) -> bool:
        """Claim the update; False when some process handled it already."""
        if self._handled is None:
            return True
        return await off_loop(self._handled.claim_update, update_id, self._clock())

    async def _update(self, request: web.Request) -> Update | None:
        """The body as an ``Update``; None when it is not one (whatever the parse raises says so)."""
        try:
            data = json.loads(await request.read())
            update_id = data.get("update_id") if isinstance(data, dict) else None
            if not isinstance(update_id, int) or not 0 <= update_id <= MAX_UPDATE_ID:
                raise ValueError("no update_id")
            update = Update.de_json(data, self._frontend.application.bot)
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError, RecursionError) as exc:
            logger.warning("webhook_bad_update remote=%s error=%s", request.remote, type(exc).__name__)
            return None
        return update


async def register_webhook(frontend: TelegramFrontend, url: str, secret: str) -> None:
    """setWebhook with the secret (pending updates kept); WebhookRegistrationError when it fails."""
    try:
        await frontend.application.bot.set_webhook(
            url, allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False, secret_token=secret
        )
    except TelegramError as exc:
        raise WebhookRegistrationError(str(exc)) from exc
    logger.info("webhook_registered host=%s path=%s", urlsplit(url).hostname, webhook_path(url))

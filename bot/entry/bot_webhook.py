"""The bot role in webhook mode: every ``bot`` process serves the webhook; no leader, no lock.

Telegram POSTs each update once, to whichever process the load balancer picks, so any number of ``bot``
processes may run together. Each one starts its server, then registers the webhook (retrying while
Telegram is unreachable or refuses it; the role is ready once it took), and serves until ``stop``.
Stopping closes the server; the webhook stays registered, so Telegram keeps later updates for the next
process (``wirewatch run`` without ``webhook_url`` long-polls again and removes it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.ops.readiness import Readiness
from bot.settings import ConfigError, TelegramSettings
from bot.tg.frontend import TelegramFrontend
from bot.tg.webhook import (
    HandledUpdates,
    WebhookRegistrationError,
    WebhookServer,
    register_webhook,
    webhook_path,
)

logger = logging.getLogger(__name__)

REGISTER_RETRY_SECONDS = 5.0
BEAT_SECONDS = 5.0


class BotWebhook:
    """Runs the bot role in webhook mode (the same surface as ``BotLeadership``)."""

    def __init__(
        self,
        frontend: TelegramFrontend,
        settings: TelegramSettings,
        stop: asyncio.Event,
        readiness: Readiness | None = None,
        *,
        handled: HandledUpdates | None = None,
        retry: float = REGISTER_RETRY_SECONDS,
    ) -> None:
        if settings.webhook_url is None or not settings.webhook_secret:
            raise ConfigError("telegram.webhook_secret: required with telegram.webhook_url")
        self._frontend = frontend
        self._url = settings.webhook_url
        self._secret = settings.webhook_secret
        self._stop = stop
        self._readiness = readiness
        self._retry = retry
        self.server = WebhookServer(
            frontend,
            path=webhook_path(self._url),
            secret=self._secret,
            listen=settings.webhook_listen,
            handled=handled,
        )
        self.registered = False
        self.refused_token = False

    async def bind(self) -> None:
        """Bind ``telegram.webhook_listen`` now (at start, before any stage runs): ``ListenError`` when the
        address is taken, does not resolve or is not permitted."""
        if self.server.port is None:
            await self.server.start()

    async def run(self) -> None:
        """Serve the webhook until ``stop``; the server closes on the way out, the webhook stays."""
        await self._frontend.start_handling()
        try:
            await self.bind()
            await self._register()
            while not self._stop.is_set():
                if self._readiness is not None:
                    self._readiness.beat("bot")
                await self._wait(BEAT_SECONDS)
        finally:
            await self.server.stop()
            await self._frontend.stop_polling()

    async def _register(self) -> None:
        """setWebhook until it takes (or ``stop``); a failure is logged once per attempt."""
        while not self._stop.is_set():
            try:
                await register_webhook(self._frontend, self._url, self._secret)
            except WebhookRegistrationError as exc:
                logger.warning("webhook_register_failed error=%s retry_in=%ss", exc, self._retry)
                await self._wait(self._retry)
                continue
            self.registered = True
            return

    async def _wait(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), seconds)

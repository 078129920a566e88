"""``wirewatch run [--roles …]``: start a set of roles in one process.

Roles: ``fetch`` (poll feeds as they fall due), ``match`` (new items against every subscription),
``deliver`` (send the outbox under Telegram's limits) and ``bot`` (answer chats). All four by default.
Any subset runs in its own process; on PostgreSQL any number of processes cooperate through claims and
leases, and the ``bot`` role long-polls Telegram from one leader at a time (the others wait as hot
standbys) — or, with ``telegram.webhook_url`` set, every ``bot`` process serves the webhook. SQLite serves
one process.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable, Collection

from bot.entry.bot_webhook import BotWebhook
from bot.entry.leader import BotLeadership
from bot.entry.runtime import Runtime, open_runtime
from bot.entry.stages import ROLES, Outlet, build_stages, make_pacer
from bot.ops.metrics import process_metrics
from bot.ops.readiness import Readiness
from bot.ops.server import start_ops_server
from bot.pipeline.deliver import TELEGRAM_KINDS
from bot.pipeline.supervisor import Supervisor
from bot.settings import ConfigError, Settings
from bot.tg.errors import EXIT_CONFIG
from bot.tg.frontend import TelegramFrontend
from bot.tg.request import TokenWatch
from bot.tg.transport import TelegramTransport

logger = logging.getLogger(__name__)


def parse_roles(text: str) -> frozenset[str]:
    """``"fetch,match"`` → the roles; ConfigError naming the unknown ones."""
    roles = frozenset(part.strip().lower() for part in text.split(",") if part.strip())
    unknown = sorted(roles - set(ROLES))
    if unknown or not roles:
        raise ConfigError(f"--roles: expected some of {','.join(ROLES)}, got {text!r}")
    return roles


def install_stop_signals(stop: asyncio.Event) -> None:
    """SIGINT and SIGTERM set ``stop``."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)


async def run_bot(settings: Settings, stop: asyncio.Event | None = None) -> int:
    """All four roles in this process (the default ``wirewatch run``)."""
    return await run_roles(settings, frozenset(ROLES), stop)


async def run_roles(settings: Settings, roles: Collection[str], stop: asyncio.Event | None = None) -> int:
    """Run ``roles`` until ``stop`` is set (or SIGINT/SIGTERM); returns the exit code."""
    roles = frozenset(roles)
    telegram_needed = bool(roles & {"bot", "deliver"})
    if telegram_needed and not settings.telegram.token:
        raise ConfigError("telegram.token: missing; set it in the config file or in WIREWATCH_TELEGRAM_TOKEN")
    stop = stop or asyncio.Event()
    readiness = Readiness()
    probe = DatabaseProbe()
    # bound first: a busy or bad metrics.listen is told before anything opens or claims work
    ops = await start_ops_server(
        settings.metrics, metrics=process_metrics(), readiness=readiness, database_probe=probe
    )
    try:
        return await _run_runtime(settings, roles, stop, readiness, probe)
    finally:
        if ops is not None:
            await ops.stop()


class DatabaseProbe:
    """The ops server's database probe: it pings the runtime's store once that is open."""

    def __init__(self) -> None:
        self.ping: Callable[[], None] | None = None

    def __call__(self) -> None:
        if self.ping is None:
            raise ConnectionError("the database is not open yet")
        self.ping()


async def _run_runtime(
    settings: Settings, roles: frozenset[str], stop: asyncio.Event, readiness: Readiness, probe: DatabaseProbe
) -> int:
    """Open the runtime (and Telegram, when a role needs it) and run the stages of ``roles``."""
    telegram_needed = bool(roles & {"bot", "deliver"})
    async with open_runtime(settings, use_processes="fetch" in roles) as runtime:
        probe.ping = runtime.store.ping
        if not telegram_needed:
            return await _run_stages(settings, runtime, roles, stop, readiness, None)
        frontend = TelegramFrontend(
            settings.telegram,
            runtime.service,
            runtime.store,
            settings.chat.default_language,
            pacer=make_pacer(settings.delivery),  # replies and alerts share Telegram's limits
            token_watch=TokenWatch(on_refused=stop.set),
            on_poll=lambda: readiness.beat("bot"),  # the leader is ready while getUpdates is answered
            webapp_url=settings.webapp.url,
        )
        async with frontend.application:
            frontend.token_watch.armed = True  # Telegram took the token at start: a refusal now stops us
            return await _run_stages(settings, runtime, roles, stop, readiness, frontend)


async def _run_stages(
    settings: Settings,
    runtime: Runtime,
    roles: frozenset[str],
    stop: asyncio.Event,
    readiness: Readiness,
    frontend: TelegramFrontend | None,
) -> int:
    """Bind the webhook's address, then build the stages of ``roles`` (the one wiring path), supervise them,
    stop them in order. An address that can't be bound raises ``ListenError`` before any stage claims work."""
    install_stop_signals(stop)
    outlet: Outlet | None = None
    front_end: BotLeadership | BotWebhook | None = None
    if frontend is not None:  # deliver and bot need Telegram
        transport = TelegramTransport(frontend.application.bot)
        outlet = Outlet(transport, frontend.pacer, TELEGRAM_KINDS, settings.telegram.allowed_chats)
        front_end = _bot_role(settings, runtime, frontend, stop, readiness) if "bot" in roles else None
    if isinstance(front_end, BotWebhook):
        await front_end.bind()
    stages = build_stages(runtime, roles, outlet, front_end=front_end, readiness=readiness)
    supervisor = Supervisor(stop)
    stages.start(supervisor, stop)
    process_metrics().watch_database(runtime.store)
    logger.info("wirewatch_started roles=%s feeds=%s", ",".join(sorted(roles)), len(settings.feeds))
    try:
        await stop.wait()
    finally:  # also when cancelled: every stage stops and releases the claims it holds
        stop.set()
        logger.info("wirewatch_stopping")
        await stages.stop(supervisor)
    return _exit_code(supervisor, front_end, frontend)


def _exit_code(
    supervisor: Supervisor, front_end: BotLeadership | BotWebhook | None, frontend: TelegramFrontend | None
) -> int:
    """0 after a stop asked for; 2 when Telegram refused the token; 1 when a stage kept failing."""
    if front_end is not None and front_end.refused_token:
        return 2
    if frontend is not None and frontend.token_watch.refused:
        logger.info("wirewatch_stopped reason=token_refused")
        return EXIT_CONFIG
    if supervisor.failed:
        logger.error("wirewatch_stopped stage_failing=%s", supervisor.failed)
        return 1
    logger.info("wirewatch_stopped")
    return 0


def _bot_role(
    settings: Settings,
    runtime: Runtime,
    frontend: TelegramFrontend,
    stop: asyncio.Event,
    readiness: Readiness,
) -> BotLeadership | BotWebhook:
    """Webhook mode (every bot process serves) with ``telegram.webhook_url``, else the polling leader."""
    if settings.telegram.webhook_url is not None:
        return BotWebhook(frontend, settings.telegram, stop, readiness, handled=runtime.store)
    return BotLeadership(runtime.store, frontend, stop, readiness)

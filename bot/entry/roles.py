"""``wirewatch run [--roles …]``: start a set of roles in one process.

Roles: ``fetch`` (poll feeds as they fall due), ``match`` (new items against every subscription),
``deliver`` (send the outbox under Telegram's limits) and ``bot`` (answer chats). All four by default.
Any subset runs in its own process; on PostgreSQL any number of processes cooperate through claims and
leases, and the ``bot`` role long-polls Telegram from one leader at a time (the others wait as hot
standbys). SQLite serves one process.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import signal
from collections.abc import Collection
from datetime import timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.entry.leader import BotLeadership
from bot.entry.runtime import Runtime, open_runtime
from bot.ops.metrics import process_metrics
from bot.ops.readiness import Readiness
from bot.ops.server import start_ops_server
from bot.pipeline.deliver import AlertSender
from bot.pipeline.fetch_loop import FetchLoop
from bot.pipeline.match_loop import MatchLoop
from bot.pipeline.pacing import Pacer
from bot.pipeline.retention import schedule_retention
from bot.pipeline.supervisor import Supervisor
from bot.settings import ConfigError, DeliverySettings, Settings
from bot.tg.frontend import TelegramFrontend
from bot.tg.transport import TelegramTransport

logger = logging.getLogger(__name__)

ROLES = ("bot", "fetch", "match", "deliver")
SHUTDOWN_GRACE_SECONDS = 5.0


def parse_roles(text: str) -> frozenset[str]:
    """``"fetch,match"`` → the roles; ConfigError naming the unknown ones."""
    roles = frozenset(part.strip().lower() for part in text.split(",") if part.strip())
    unknown = sorted(roles - set(ROLES))
    if unknown or not roles:
        raise ConfigError(f"--roles: expected some of {','.join(ROLES)}, got {text!r}")
    return roles


def make_pacer(delivery: DeliverySettings, share: int = 1) -> Pacer:
    """The sender's pacing from [delivery] settings; ``share`` deliver processes split the bot's budget."""
    return Pacer(
        global_per_second=delivery.global_per_second / max(1, share),
        private_per_second=delivery.private_per_second,
        private_burst=delivery.private_burst,
        group_per_minute=delivery.group_per_minute,
    )


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
    async with open_runtime(settings, use_processes="fetch" in roles) as runtime:
        if not telegram_needed:
            return await _run_stages(settings, runtime, roles, stop, None)
        frontend = TelegramFrontend(
            settings.telegram, runtime.service, runtime.store, settings.chat.default_language
        )
        async with frontend.application:
            return await _run_stages(settings, runtime, roles, stop, frontend)


async def _run_stages(
    settings: Settings,
    runtime: Runtime,
    roles: frozenset[str],
    stop: asyncio.Event,
    frontend: TelegramFrontend | None,
) -> int:
    """Wire the stages of ``roles`` together, supervise them, stop them in order."""
    install_stop_signals(stop)
    readiness = Readiness()
    supervisor = Supervisor(stop)
    lease = timedelta(seconds=settings.workers.lease_seconds)
    sender = _sender(settings, runtime, frontend, lease) if "deliver" in roles else None
    match_loop = None
    if "match" in roles:
        readiness.declare("match", 5.0)
        match_loop = MatchLoop(
            runtime.matcher,
            on_enqueued=sender.wake if sender else None,
            on_pass=lambda: readiness.beat("match"),
        )
        supervisor.start("match", functools.partial(match_loop.run, stop))
    scheduler = AsyncIOScheduler()
    if "fetch" in roles:
        readiness.declare("fetch", 10.0)
        fetch_loop = FetchLoop(
            runtime.store,
            runtime.ingestor,
            lease=max(lease, timedelta(seconds=settings.polling.total_timeout + 30)),
            max_in_flight=settings.polling.concurrency * 2,
            on_new_items=match_loop.wake if match_loop else None,
            on_pass=lambda: readiness.beat("fetch"),
        )
        supervisor.start("fetch", functools.partial(fetch_loop.run, stop))
        schedule_retention(scheduler, runtime.store, timedelta(seconds=settings.storage.keep_items_seconds))
    if sender is not None:
        readiness.declare("deliver", 5.0)
        sender.on_pass = lambda: readiness.beat("deliver")
        supervisor.start("deliver", functools.partial(sender.run, stop))
    leadership = None
    if "bot" in roles and frontend is not None:
        readiness.declare("bot", 10.0)
        leadership = BotLeadership(runtime.store, frontend, stop, readiness)
        supervisor.start("bot", leadership.run)
    scheduler.start()
    process_metrics().watch_database(runtime.store)
    ops = await start_ops_server(
        settings.metrics, metrics=process_metrics(), readiness=readiness, database_probe=runtime.store.ping
    )
    logger.info("wirewatch_started roles=%s feeds=%s", ",".join(sorted(roles)), len(settings.feeds))
    await stop.wait()
    logger.info("wirewatch_stopping")
    scheduler.shutdown(wait=False)
    await supervisor.wait(SHUTDOWN_GRACE_SECONDS + 10.0)
    if ops is not None:
        await ops.stop()
    if leadership is not None and leadership.refused_token:
        return 2
    if supervisor.failed:
        logger.error("wirewatch_stopped stage_failing=%s", supervisor.failed)
        return 1
    logger.info("wirewatch_stopped")
    return 0


def _sender(
    settings: Settings, runtime: Runtime, frontend: TelegramFrontend | None, lease: timedelta
) -> AlertSender:
    assert frontend is not None
    return AlertSender(
        runtime.store,
        TelegramTransport(frontend.application.bot),
        make_pacer(settings.delivery),
        group_threshold=settings.delivery.group_threshold,
        default_language=settings.chat.default_language,
        lease_seconds=lease.total_seconds(),
    )

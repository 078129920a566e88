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
import functools
import logging
import signal
from collections.abc import Collection
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.chat.spike_alert import SpikeRenderer
from bot.entry.bot_webhook import BotWebhook
from bot.entry.leader import BotLeadership
from bot.entry.runtime import Runtime, open_runtime
from bot.ops.metrics import process_metrics
from bot.ops.readiness import Readiness
from bot.ops.server import start_ops_server
from bot.pipeline.deliver import TELEGRAM_KINDS, AlertSender
from bot.pipeline.feed_pauses import PauseNotices
from bot.pipeline.fetch_loop import FetchLoop
from bot.pipeline.match_loop import MatchLoop
from bot.pipeline.pacing import Pacer
from bot.pipeline.retention import schedule_retention
from bot.pipeline.spike_sender import SpikeSender
from bot.pipeline.supervisor import Supervisor
from bot.settings import ConfigError, DeliverySettings, Settings
from bot.tg.errors import EXIT_CONFIG
from bot.tg.frontend import TelegramFrontend
from bot.tg.request import TokenWatch
from bot.tg.transport import TelegramTransport

logger = logging.getLogger(__name__)

ROLES = ("bot", "fetch", "match", "deliver")
SHUTDOWN_GRACE_SECONDS = 5.0
# readiness: each role beats at least this often (seconds) and is late after three of these
BOT_PERIOD_SECONDS = 10.0  # an answered getUpdates (the long poll answers within POLL_TIMEOUT_SECONDS)
FETCH_PERIOD_SECONDS = 10.0  # a claim pass of the fetch loop (at least every 5 s)
MATCH_PERIOD_SECONDS = 5.0  # a match pass (at least every second)
DELIVER_PERIOD_SECONDS = 5.0  # a claim pass of the sender (at least every second)


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
    readiness = Readiness()
    async with open_runtime(settings, use_processes="fetch" in roles) as runtime:
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
    """Wire the stages of ``roles`` together, supervise them, stop them in order."""
    install_stop_signals(stop)
    supervisor = Supervisor(stop)
    lease = timedelta(seconds=settings.workers.lease_seconds)
    sender = _sender(settings, runtime, frontend, lease) if "deliver" in roles else None
    match_loop = None
    if "match" in roles:
        readiness.declare("match", MATCH_PERIOD_SECONDS)
        match_loop = MatchLoop(
            runtime.matcher,
            on_enqueued=sender.wake if sender else None,
            on_pass=lambda: readiness.beat("match"),
        )
        supervisor.start("match", functools.partial(match_loop.run, stop))
    scheduler = AsyncIOScheduler()
    if "fetch" in roles:
        readiness.declare("fetch", FETCH_PERIOD_SECONDS)
        fetch_loop = FetchLoop(
            runtime.store,
            runtime.ingestor,
            lease=lease,
            max_in_flight=settings.polling.concurrency * 2,
            on_new_items=match_loop.wake if match_loop else None,
            on_pass=lambda: readiness.beat("fetch"),
        )
        supervisor.start("fetch", functools.partial(fetch_loop.run, stop))
        schedule_retention(scheduler, runtime.store, timedelta(seconds=settings.storage.keep_items_seconds))
    if sender is not None:
        runtime.service.connect_sender(sender.wake)  # /quiet off and new schedules release held alerts
        readiness.declare("deliver", DELIVER_PERIOD_SECONDS)
        sender.on_pass = lambda: readiness.beat("deliver")
        supervisor.start("deliver", functools.partial(sender.run, stop))
        _schedule_pause_notices(scheduler, settings, runtime, sender)
        assert frontend is not None  # deliver needs Telegram
        spike_sender = SpikeSender(
            runtime.store,
            TelegramTransport(frontend.application.bot),
            sender.pacer,
            SpikeRenderer(runtime.store, settings.chat.default_language),
        )
        runtime.spikes.on_queued = spike_sender.wake
        supervisor.start("spikes", functools.partial(spike_sender.run, stop))
    leadership = None
    if "bot" in roles and frontend is not None:
        readiness.declare("bot", BOT_PERIOD_SECONDS)
        leadership = _bot_role(settings, runtime, frontend, stop, readiness)
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
    if frontend is not None and frontend.token_watch.refused:
        logger.info("wirewatch_stopped reason=token_refused")
        return EXIT_CONFIG
    if supervisor.failed:
        logger.error("wirewatch_stopped stage_failing=%s", supervisor.failed)
        return 1
    logger.info("wirewatch_stopped")
    return 0


def _schedule_pause_notices(
    scheduler: AsyncIOScheduler, settings: Settings, runtime: Runtime, sender: AlertSender
) -> None:
    """Every minute, a process that sends pauses chat feeds failing for 7 days and tells their chats."""
    notices = PauseNotices(
        runtime.store,
        sender.transport,
        kinds=TELEGRAM_KINDS,
        default_language=settings.chat.default_language,
    )

    async def pause_and_tell() -> None:
        await notices.run(datetime.now(UTC))

    scheduler.add_job(
        pause_and_tell,
        "interval",
        minutes=1,
        id="pause_notices",
        max_instances=1,
        coalesce=True,
    )


def _bot_role(
    settings: Settings,
    runtime: Runtime,
    frontend: TelegramFrontend,
    stop: asyncio.Event,
    readiness: Readiness,
) -> BotLeadership | BotWebhook:
    """Webhook mode (every bot process serves) with ``telegram.webhook_url``, else the polling leader."""
    if settings.telegram.webhook_url is not None:
        return BotWebhook(frontend, settings.telegram, stop, readiness)
    return BotLeadership(runtime.store, frontend, stop, readiness)


def _sender(
    settings: Settings, runtime: Runtime, frontend: TelegramFrontend | None, lease: timedelta
) -> AlertSender:
    assert frontend is not None
    return AlertSender(
        runtime.store,
        TelegramTransport(frontend.application.bot),
        frontend.pacer,
        group_threshold=settings.delivery.group_threshold,
        default_language=settings.chat.default_language,
        lease_seconds=lease.total_seconds(),
        allowed_chats=settings.telegram.allowed_chats,
    )

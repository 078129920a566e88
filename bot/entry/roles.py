"""``wirewatch run``: the scheduler (ingest, match), the sender and the Telegram bot on one event loop."""

from __future__ import annotations

import asyncio
import functools
import logging
import signal
from datetime import timedelta

from bot.entry.runtime import open_runtime
from bot.ops.metrics import process_metrics
from bot.ops.readiness import Readiness
from bot.ops.server import start_ops_server
from bot.pipeline.deliver import AlertSender
from bot.pipeline.pacing import Pacer
from bot.pipeline.retention import schedule_retention
from bot.pipeline.schedule import Pipeline, start_scheduler, stop_pipeline
from bot.pipeline.supervisor import Supervisor
from bot.settings import ConfigError, DeliverySettings, Settings
from bot.tg.frontend import TelegramFrontend
from bot.tg.transport import TelegramTransport

logger = logging.getLogger(__name__)

SHUTDOWN_GRACE_SECONDS = 5.0


def make_pacer(delivery: DeliverySettings) -> Pacer:
    """The sender's pacing from [delivery] settings."""
    return Pacer(
        global_per_second=delivery.global_per_second,
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
    """Run until ``stop`` is set (or SIGINT/SIGTERM); returns the exit code."""
    if not settings.telegram.token:
        raise ConfigError("telegram.token: missing; set it in the config file or in WIREWATCH_TELEGRAM_TOKEN")
    stop = stop or asyncio.Event()
    async with open_runtime(settings) as runtime:
        frontend = TelegramFrontend(
            settings.telegram, runtime.service, runtime.store, settings.chat.default_language
        )
        app = frontend.application
        sender = AlertSender(
            runtime.store,
            TelegramTransport(app.bot),
            make_pacer(settings.delivery),
            group_threshold=settings.delivery.group_threshold,
            default_language=settings.chat.default_language,
        )
        runtime.service.connect_sender(sender.wake)
        readiness = Readiness()
        # a tick may spend a whole fetch timeout on a slow feed: late means three of the longer of the two
        readiness.declare("pipeline", max(settings.polling.tick_seconds, settings.polling.total_timeout))
        pipeline = Pipeline(
            runtime.ingestor, runtime.matcher, sender.wake, lambda: readiness.beat("pipeline")
        )
        process_metrics().watch_database(runtime.store)
        ops = await start_ops_server(
            settings.metrics,
            metrics=process_metrics(),
            readiness=readiness,
            database_probe=runtime.store.ping,
        )
        async with app:
            install_stop_signals(stop)
            await frontend.register_commands()
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(allowed_updates=["message", "callback_query", "my_chat_member"])
            scheduler = start_scheduler(pipeline, settings.polling.tick_seconds)
            schedule_retention(
                scheduler, runtime.store, timedelta(seconds=settings.storage.keep_items_seconds)
            )
            supervisor = Supervisor(stop)
            supervisor.start("deliver", functools.partial(sender.run, stop))
            logger.info("wirewatch_started bot=%s feeds=%s", app.bot.username, len(settings.feeds))
            await stop.wait()
            logger.info("wirewatch_stopping")
            await stop_pipeline(scheduler, pipeline)
            await app.updater.stop()
            await app.stop()
            await supervisor.wait(SHUTDOWN_GRACE_SECONDS + 10.0)
        if ops is not None:
            await ops.stop()
    if supervisor.failed:
        logger.error("wirewatch_stopped stage_failing=%s", supervisor.failed)
        return 1
    logger.info("wirewatch_stopped")
    return 0

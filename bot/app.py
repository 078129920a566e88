"""``wirewatch run``: the scheduler (ingest, match), the sender and the Telegram bot on one event loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.pacing import Pacer
from bot.runtime import Pipeline, open_runtime
from bot.sender import AlertSender
from bot.settings import ConfigError, DeliverySettings, Settings
from bot.telegram_bot import TelegramFrontend
from bot.transport import TelegramTransport

logger = logging.getLogger(__name__)

SHUTDOWN_GRACE_SECONDS = 5.0


def start_scheduler(pipeline: Pipeline, tick_seconds: int) -> AsyncIOScheduler:
    """One repeating job, never overlapping itself, missed runs coalesced, a little jitter."""
    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.add_job(
        pipeline.tick,
        "interval",
        seconds=tick_seconds,
        id="tick",
        max_instances=1,
        coalesce=True,
        jitter=max(1, tick_seconds // 10),
        next_run_time=datetime.now(UTC),
    )
    scheduler.start()
    return scheduler


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


async def stop_pipeline(scheduler: AsyncIOScheduler, pipeline: Pipeline) -> None:
    """Stop scheduling and cancel a tick in flight (the database says where to resume)."""
    scheduler.shutdown(wait=False)
    task = pipeline.running
    if task is not None and not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(task, SHUTDOWN_GRACE_SECONDS)


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
        pipeline = Pipeline(runtime, sender.wake)
        async with app:
            install_stop_signals(stop)
            await frontend.register_commands()
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(allowed_updates=["message", "callback_query", "my_chat_member"])
            scheduler = start_scheduler(pipeline, settings.polling.tick_seconds)
            sender_task = asyncio.create_task(sender.run(stop))
            logger.info("wirewatch_started bot=%s feeds=%s", app.bot.username, len(settings.feeds))
            await stop.wait()
            logger.info("wirewatch_stopping")
            await stop_pipeline(scheduler, pipeline)
            await app.updater.stop()
            await app.stop()
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(sender_task, SHUTDOWN_GRACE_SECONDS)
    logger.info("wirewatch_stopped")
    return 0

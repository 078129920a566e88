"""The one wiring path: the stages of a set of roles, built over a runtime and an outlet.

``build_stages`` makes the fetch loop, the match loop, the alert sender, the spike sender, the pause
notices, retention and the bot front end of the roles asked for, and wires them to each other (a poll
that stored items wakes the match loop, a match that queued alerts wakes the sender). ``run`` and ``poll``
deliver through Telegram; ``console`` and ``demo`` through the terminal — the loops are the same.
``Stages.start`` runs them under a ``Supervisor``; the demo steps each loop's pass itself instead, with
an injected clock, so its story is deterministic.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.chat.spike_alert import SpikeRenderer
from bot.entry.runtime import Runtime
from bot.ops.readiness import Readiness
from bot.pipeline.deliver import AlertSender
from bot.pipeline.feed_pauses import PauseNotices
from bot.pipeline.fetch_loop import FetchLoop
from bot.pipeline.match_loop import MatchLoop
from bot.pipeline.pacing import Pacer
from bot.pipeline.retention import schedule_retention
from bot.pipeline.spike_sender import SpikeSender
from bot.pipeline.supervisor import Supervisor
from bot.pipeline.transport import PhotoTransport, Transport
from bot.settings import DeliverySettings
from feeds.models import ChatKind

ROLES = ("bot", "fetch", "match", "deliver")
SHUTDOWN_GRACE_SECONDS = 5.0
# readiness: each role beats at least this often (seconds) and is late after three of these
BOT_PERIOD_SECONDS = 10.0  # an answered getUpdates (the long poll answers within POLL_TIMEOUT_SECONDS)
FETCH_PERIOD_SECONDS = 10.0  # a claim pass of the fetch loop (at least every 5 s)
MATCH_PERIOD_SECONDS = 5.0  # a match pass (at least every second)
DELIVER_PERIOD_SECONDS = 5.0  # a claim pass of the sender (at least every second)
READINESS_PERIODS = {
    "match": MATCH_PERIOD_SECONDS,
    "fetch": FETCH_PERIOD_SECONDS,
    "deliver": DELIVER_PERIOD_SECONDS,
    "bot": BOT_PERIOD_SECONDS,
}
PAUSE_NOTICES_EVERY_SECONDS = 60

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The real clock."""
    return datetime.now(UTC)


class AlertTransport(Transport, PhotoTransport, Protocol):
    """What a deliver role sends through: text alerts and spike charts."""


class FrontEnd(Protocol):
    """The bot role's front end (the polling leader or the webhook server): runs until the stop event."""

    async def run(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Outlet:
    """Where a deliver role sends: a transport, the pacing it shares, the chat kinds it may reach."""

    transport: AlertTransport
    pacer: Pacer
    kinds: tuple[ChatKind, ...]
    allowed_chats: frozenset[int] = frozenset()


def make_pacer(delivery: DeliverySettings, share: int = 1) -> Pacer:
    """The sender's pacing from [delivery] settings; ``share`` deliver processes split the bot's budget."""
    return Pacer(
        global_per_second=delivery.global_per_second / max(1, share),
        private_per_second=delivery.private_per_second,
        private_burst=delivery.private_burst,
        group_per_minute=delivery.group_per_minute,
    )


@dataclass
class Stages:
    """The stages of one process; a role not asked for is ``None``."""

    fetch: FetchLoop | None = None
    match: MatchLoop | None = None
    sender: AlertSender | None = None
    spikes: SpikeSender | None = None
    notices: PauseNotices | None = None
    front_end: FrontEnd | None = None
    scheduler: AsyncIOScheduler = field(default_factory=lambda: AsyncIOScheduler(timezone=UTC))

    def start(self, supervisor: Supervisor, stop: asyncio.Event) -> None:
        """Run every stage under ``supervisor`` until ``stop``; the periodic jobs on the scheduler."""
        loops: list[tuple[str, Callable[[asyncio.Event], Awaitable[None]] | None]] = [
            ("match", self.match.run if self.match else None),
            ("fetch", self.fetch.run if self.fetch else None),
            ("deliver", self.sender.run if self.sender else None),
            ("spikes", self.spikes.run if self.spikes else None),
        ]
        for name, run in loops:
            if run is not None:
                supervisor.start(name, functools.partial(run, stop))
        if self.front_end is not None:
            supervisor.start("bot", self.front_end.run)
        self.scheduler.start()

    async def stop(self, supervisor: Supervisor) -> None:
        """After ``stop`` was set: end the periodic jobs and wait for the stages (cancelling stragglers)."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        await supervisor.wait(SHUTDOWN_GRACE_SECONDS + 10.0)


def build_stages(
    runtime: Runtime,
    roles: Collection[str],
    outlet: Outlet | None,
    *,
    front_end: FrontEnd | None = None,
    readiness: Readiness | None = None,
    clock: Clock = utc_now,
    fetch_in_flight: int | None = None,
) -> Stages:
    """The stages of ``roles`` wired to each other; ``deliver`` needs an ``outlet``, ``bot`` a front end.

    ``fetch_in_flight``: polls at once (default: twice ``polling.concurrency``); the demo polls one at a
    time, so the same wire leads a story on every run."""
    settings = runtime.settings
    stages = Stages()
    beat = readiness.beat if readiness is not None else lambda role: None
    if readiness is not None:
        _declare(readiness, roles, bot=front_end is not None)
    if "deliver" in roles:
        if outlet is None:
            raise ValueError("the deliver role needs an outlet")
        _add_delivery(stages, runtime, outlet, clock, lambda: beat("deliver"))
    if "match" in roles:
        stages.match = MatchLoop(
            runtime.matcher,
            on_enqueued=stages.sender.wake if stages.sender else None,
            on_pass=lambda: beat("match"),
            clock=clock,
        )
    if "fetch" in roles:
        stages.fetch = FetchLoop(
            runtime.store,
            runtime.ingestor,
            lease=timedelta(seconds=settings.workers.lease_seconds),
            max_in_flight=fetch_in_flight or settings.polling.concurrency * 2,
            on_new_items=stages.match.wake if stages.match else None,
            on_pass=lambda: beat("fetch"),
            clock=clock,
        )
        keep = timedelta(seconds=settings.storage.keep_items_seconds)
        schedule_retention(stages.scheduler, runtime.store, keep, clock)
    if "bot" in roles:
        stages.front_end = front_end
    return stages


def _add_delivery(
    stages: Stages, runtime: Runtime, outlet: Outlet, clock: Clock, on_pass: Callable[[], None]
) -> None:
    """The deliver role: the alert sender, the spike sender and the pause notices, through ``outlet``."""
    settings = runtime.settings
    language = settings.chat.default_language
    sender = AlertSender(
        runtime.store,
        outlet.transport,
        outlet.pacer,
        group_threshold=settings.delivery.group_threshold,
        default_language=language,
        lease_seconds=settings.workers.lease_seconds,
        allowed_chats=outlet.allowed_chats,
        kinds=outlet.kinds,
        clock=clock,
        translatable=settings.translate.provider is not None,
    )
    sender.on_pass = on_pass
    runtime.service.connect_sender(sender.wake)  # /quiet off and new schedules release held alerts
    spikes = SpikeSender(
        runtime.store,
        outlet.transport,
        outlet.pacer,
        SpikeRenderer(runtime.store, language),
        kinds=outlet.kinds,
        clock=clock,
    )
    runtime.spikes.on_queued = spikes.wake
    notices = PauseNotices(runtime.store, outlet.transport, kinds=outlet.kinds, default_language=language)
    _schedule_pause_notices(stages.scheduler, notices, clock)
    stages.sender, stages.spikes, stages.notices = sender, spikes, notices


def _declare(readiness: Readiness, roles: Collection[str], *, bot: bool) -> None:
    """Declare the roles built (``bot`` only with a front end), in the order /readyz lists them."""
    for role, period in READINESS_PERIODS.items():
        if role in roles and (role != "bot" or bot):
            readiness.declare(role, period)


def _schedule_pause_notices(scheduler: AsyncIOScheduler, notices: PauseNotices, clock: Clock) -> None:
    """Every minute, pause chat feeds failing for 7 days and tell their chats."""

    async def pause_and_tell() -> None:
        await notices.run(clock())

    scheduler.add_job(
        pause_and_tell,
        "interval",
        seconds=PAUSE_NOTICES_EVERY_SECONDS,
        id="pause_notices",
        max_instances=1,
        coalesce=True,
    )

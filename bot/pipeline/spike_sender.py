"""Sends queued spike alerts: claim a row (with a lease), draw its chart, sendPhoto, settle the row.

The same rules as the alert outbox (``bot.pipeline.deliver``): the row exists before anything is sent, it
is marked sent only after Telegram answered ok, and only by the process that holds its claim; a failed send
is retried later (429: after ``retry_after``; network: with backoff); a blocked chat is deactivated and the
alert cancelled. A process that dies mid-send leaves the row claimed until its lease expires, then another
sends it: only that one message can go twice, as with alerts.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection
from datetime import UTC, datetime, timedelta

from bot.chat.allowed import NOT_ALLOWED, AllowedChats
from bot.chat.replies import Reply
from bot.offload import off_loop
from bot.pipeline.deliver import TELEGRAM_KINDS, new_owner_id
from bot.pipeline.pacing import Pacer
from bot.pipeline.ports import SpikeOutboxStore
from bot.pipeline.transport import PhotoTransport, SendResult
from feeds.models import ChatKind
from feeds.values import SpikeAlert

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
Render = Callable[[SpikeAlert], Awaitable[Reply]]


def _now() -> datetime:
    return datetime.now(UTC)


class SpikeSender:
    """Drains the spike alert outbox through a ``PhotoTransport`` under the shared ``Pacer``."""

    def __init__(
        self,
        store: SpikeOutboxStore,
        transport: PhotoTransport,
        pacer: Pacer,
        render: Render,
        *,
        kinds: Collection[ChatKind] = TELEGRAM_KINDS,
        allowed_chats: Collection[int] | AllowedChats = (),
        owner: str | None = None,
        clock: Callable[[], datetime] = _now,
        lease_seconds: float = 120.0,
        retry_base: float = 5.0,
        retry_cap: float = 900.0,
    ) -> None:
        self._store = store
        self._transport = transport
        self._pacer = pacer
        self._render = render
        self._kinds = tuple(kinds)
        self._allowed = AllowedChats.of(allowed_chats)
        self.owner = owner or new_owner_id()
        self._clock = clock
        self._lease = timedelta(seconds=lease_seconds)
        self._retry_base = retry_base
        self._retry_cap = retry_cap
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    def wake(self) -> None:
        """A spike was queued: look now (safe to call from any thread, e.g. the match stage's)."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._wake.set)

    async def drain_once(self) -> int:
        """Send every spike alert due now; returns how many were sent. Database errors propagate."""
        sent = 0
        while True:
            now = self._clock()
            alerts = await off_loop(
                self._store.claim_spikes, self.owner, now + self._lease, now, 20, self._kinds
            )
            for alert in alerts:
                sent += await self._send(alert)
            if len(alerts) < 20:
                return sent

    async def run(self, stop: asyncio.Event, interval: float = 2.0) -> None:
        """Drain until ``stop`` is set, every ``interval`` seconds or when woken; then release claims."""
        self._loop = asyncio.get_running_loop()
        failures = 0
        try:
            while not stop.is_set():
                self._wake.clear()
                try:
                    await self.drain_once()
                    failures, timeout = 0, interval
                except Exception as exc:  # the database: log, back off, go on
                    failures += 1
                    timeout = min(30.0, 0.5 * 2**failures)
                    logger.warning("spike_pass_failed error=%s retry_in=%.1f", str(exc)[:160], timeout)
                waiters = {asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())}
                _, pending = await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
                for waiter in pending:
                    waiter.cancel()
        finally:
            try:
                await off_loop(self._store.release_spike_claims, self.owner)
            except Exception as exc:  # the lease expires by itself
                logger.warning("spike_release_failed error=%s", str(exc)[:160])

    async def _send(self, alert: SpikeAlert) -> int:
        if not self._allowed.allows(alert.chat_id):
            await off_loop(self._store.give_up_spike, alert.id, NOT_ALLOWED, self.owner)
            logger.info("spike_cancelled chat=%s alert=%s reason=not_allowed", alert.chat_id, alert.id)
            return 0
        try:
            reply = await self._render(alert)
        except Exception:
            logger.exception("spike_render_failed alert=%s", alert.id)
            await self._later(
                alert, SendResult(ok=False, error="render failed"), self._backoff(alert.attempts)
            )
            return 0
        assert reply.attachment is not None
        async with self._pacer.slot(alert.chat_id, alert.chat_kind):
            result = await self._transport.send_photo(
                alert.chat_id, reply.attachment.data, reply.attachment.filename, reply.html
            )
        if result.ok:
            await off_loop(self._store.mark_spike_sent, alert.id, self._clock(), self.owner)
            logger.info(
                "spike_sent chat=%s subscription=%s day=%s", alert.chat_id, alert.subscription_id, alert.day
            )
            return 1
        if result.blocked:
            await off_loop(self._store.deactivate_chat, alert.chat_id)
            await off_loop(self._store.give_up_spike, alert.id, result.error or "blocked", self.owner)
            return 0
        if result.retry_after is not None:
            self._pacer.penalize(alert.chat_id, result.retry_after)
            await self._later(alert, result, result.retry_after)
        elif result.transient or alert.attempts + 1 < MAX_ATTEMPTS:
            await self._later(alert, result, self._backoff(alert.attempts))
        else:
            await off_loop(self._store.give_up_spike, alert.id, result.error or "refused", self.owner)
            logger.error("spike_given_up alert=%s error=%s", alert.id, result.error)
        return 0

    async def _later(self, alert: SpikeAlert, result: SendResult, seconds: float) -> None:
        not_before = self._clock() + timedelta(seconds=seconds)
        error = result.error or "unknown error"
        await off_loop(
            self._store.mark_spike_retry, alert.id, not_before=not_before, error=error, owner=self.owner
        )
        logger.warning("spike_retry alert=%s delay=%.1f error=%s", alert.id, seconds, result.error)

    def _backoff(self, attempts: int) -> float:
        return float(min(self._retry_cap, self._retry_base * 2 ** min(attempts, 30)))

"""The outbox sender: claim a chat's due rows -> render -> paced sends -> settle each row in the database.

The database decides what is sent: a chat's due rows are *claimed* (moved to ``sending`` with this
process as owner and a lease) before anything goes out, and a row is settled (sent, retried, given up)
only while this process still owns it. Nothing in memory decides what to send, so a row is never sent
twice in normal running; only the message in flight when a process dies can go again, once its lease
expires. Chats are sent concurrently, each chat's alerts strictly in order (one task per claimed chat).

This module is the claim loop; ``bot.pipeline.courier`` sends each claimed chat and settles its rows. A
database error in a claim pass logs one line, and the loop backs off and carries on.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import socket
import uuid
from collections.abc import Callable, Collection
from datetime import UTC, datetime, timedelta
from time import monotonic
from typing import ParamSpec, TypeVar

from bot.chat.allowed import NOT_ALLOWED, AllowedChats
from bot.chat.i18n import DEFAULT_LANGUAGE
from bot.offload import off_loop
from bot.ops.metrics import Metrics, process_metrics
from bot.pipeline.courier import DB_RETRY_CAP, MAX_PERMANENT_FAILURES, ChatCourier, db_error
from bot.pipeline.pacing import Pacer
from bot.pipeline.ports import OutboxStore
from bot.pipeline.transport import Transport
from feeds.models import ChatKind
from feeds.values import Claim, DueDigest, PendingAlert

logger = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")
Clock = Callable[[], datetime]

__all__ = ["HEARTBEAT_SECONDS", "MAX_PERMANENT_FAILURES", "TELEGRAM_KINDS", "AlertSender", "new_owner_id"]

HEARTBEAT_SECONDS = 1.0  # how soon senders learn of each other (they share the bot's budget)
_REFILL_EVERY = 1.0  # seconds: a claim pass for fewer free places than the refill batch, at most this often
# max_chats: chats sending at once. A chat waiting out its own window (a group: 3 s between alerts) needs no
# global slot until it ends, so it holds no place (up to _MAX_RESTING x max_chats chats in all): the places go
# to chats that fill the bot's 28/s, and a slow chat late in the claim order is claimed, and started, sooner.
_MAX_RESTING = 4
TELEGRAM_KINDS = tuple(kind for kind in ChatKind if kind is not ChatKind.CONSOLE)


def _now() -> datetime:
    return datetime.now(UTC)


def new_owner_id() -> str:
    """A claim owner id unique to this process run: host, pid and a random part."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class AlertSender:
    """Drains the deliveries outbox through a ``Transport`` under a ``Pacer``, claiming rows first."""

    def __init__(
        self,
        store: OutboxStore,
        transport: Transport,
        pacer: Pacer,
        *,
        group_threshold: int = 5,
        max_chats: int = 128,
        per_chat: int = 100,
        lease_seconds: float = 30.0,
        retry_base: float = 1.0,
        retry_cap: float = 300.0,
        max_wait: float = 60.0,
        kinds: Collection[ChatKind] = TELEGRAM_KINDS,
        owner: str | None = None,
        clock: Clock = _now,
        batch_size: int | None = None,
        default_language: str = DEFAULT_LANGUAGE,
        allowed_chats: Collection[int] | AllowedChats = (),
        metrics: Metrics | None = None,
        translatable: bool = False,
    ) -> None:
        self._store = store
        self._allowed = AllowedChats.of(allowed_chats)
        self._kinds = tuple(kinds)
        self._transport = transport
        self._pacer = pacer
        self._max_chats = max(1, batch_size or max_chats)
        self._refill_batch = max(1, self._max_chats // 4)  # free places worth a claim pass of their own
        self._claimed_at = -_REFILL_EVERY
        self._per_chat = per_chat
        self._lease = timedelta(seconds=lease_seconds)
        self.owner = owner or new_owner_id()
        self._clock = clock
        self._courier = ChatCourier(
            store,
            transport,
            pacer,
            owner=self.owner,
            clock=clock,
            metrics=metrics or process_metrics(),
            group_threshold=group_threshold,
            retry_base=retry_base,
            retry_cap=retry_cap,
            max_wait=max_wait,
            default_language=default_language,
            translatable=translatable,  # a translator is configured: alerts may carry Translate
        )
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: dict[int, asyncio.Task[int]] = {}  # running chat tasks: capacity and shutdown only
        self._heartbeat_at = 0.0  # monotonic: when to beat next (the first pass announces this sender)
        self._renew_at = 0.0
        self.on_pass: Callable[[], None] | None = None  # readiness: called after each completed pass

    @property
    def transport(self) -> Transport:
        """Where this sender's messages go."""
        return self._transport

    @property
    def pacer(self) -> Pacer:
        """The pacing this sender keeps (others sending for the same bot share it)."""
        return self._pacer

    # --- public API ------------------------------------------------------------------------------------
    async def drain_once(self) -> int:
        """Send everything due at the moment of the call (chats concurrently, claimed as others finish).

        A row retried during the call is due again only later, so each is tried at most once per call;
        returns how many messages were sent. Database errors propagate."""
        due_at = self._clock()
        tasks: set[asyncio.Task[int]] = set()
        sent = 0
        while True:
            tasks |= await self._dispatch(due_at)
            if not tasks:
                return sent
            done, tasks = await asyncio.wait(
                tasks, timeout=_REFILL_EVERY, return_when=asyncio.FIRST_COMPLETED
            )
            sent += sum(task.result() for task in done)

    async def run(self, stop: asyncio.Event) -> None:
        """Claim and send until ``stop`` is set; wake on ``wake()``, a finished chat, or every 1 s.

        A failing database never ends the loop: one log line, a capped backoff, and on it goes."""
        self._loop = asyncio.get_running_loop()
        self._courier.stopping = False
        stopper = asyncio.ensure_future(stop.wait())
        failures = 0
        send_from: float | None = None  # a sender joining others waits until they have learnt of it
        try:
            while not stop.is_set():
                self._wake.clear()
                timeout = 1.0
                try:
                    senders = await self._keep_alive()
                    if send_from is None and senders is not None:
                        send_from = monotonic() + self._join_grace(senders)
                    if send_from is not None and monotonic() >= send_from:
                        await self._dispatch(self._clock())
                    else:
                        timeout = max(0.05, min(timeout, (send_from or monotonic()) - monotonic()))
                    failures = 0
                    if self.on_pass is not None:
                        self.on_pass()
                except Exception as exc:  # the database (or a bug): log, back off, go on
                    failures += 1
                    timeout = min(DB_RETRY_CAP, 0.5 * 2**failures)
                    logger.warning("outbox_pass_failed error=%s retry_in=%.1f", db_error(exc), timeout)
                waker = asyncio.ensure_future(self._wake.wait())
                await asyncio.wait({waker, stopper}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
                waker.cancel()
        finally:
            stopper.cancel()
            await self._finish()

    async def _keep_alive(self) -> int | None:
        """Every ``HEARTBEAT_SECONDS``: a heartbeat, and the bot's budget shared with the other live
        senders (returns how many there are, else None); every third of a lease: the leases extended."""
        now_mono = monotonic()
        if now_mono < self._heartbeat_at:
            return None
        now = self._clock()
        if now_mono >= self._renew_at:
            await self._db(self._store.renew_leases, self.owner, now + self._lease)
            self._renew_at = now_mono + self._lease.total_seconds() / 3
        senders = await self._db(self._store.worker_heartbeat, self.owner, "deliver", now, self._lease)
        self._pacer.share_with(senders)
        self._heartbeat_at = now_mono + HEARTBEAT_SECONDS
        return senders

    @staticmethod
    def _join_grace(senders: int) -> float:
        """A sender joining others waits until each has renewed once and taken its smaller share, so the
        bot's budget is never overdrawn while they learn of it; alone, it sends at once."""
        return 1.5 * HEARTBEAT_SECONDS if senders > 1 else 0.0

    def wake(self) -> None:
        """New alerts were enqueued (or a chat finished): claim now (safe to call from any thread)."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._wake.set)
        else:
            self._wake.set()

    # --- claiming --------------------------------------------------------------------------------------
    async def _db(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """A synchronous store call, off the event loop (``bot.offload``)."""
        return await off_loop(fn, *args, **kwargs)

    async def _dispatch(self, due_at: datetime) -> set[asyncio.Task[int]]:
        """Claim the due rows of as many chats as there is room for (a chat waiting out its own window
        holds no place), then due digests in the room left; start one task per claimed chat.

        Finished chats are refilled in batches: while chats are running, a pass waits until a quarter of
        the places is free, or ``_REFILL_EVERY`` has passed since the last one (a claim pass costs the
        same for one chat as for many)."""
        active = len(self._tasks) - self._pacer.resting
        room = min(self._max_chats - active, _MAX_RESTING * self._max_chats - len(self._tasks))
        if room <= 0:
            return set()
        if self._tasks and room < self._refill_batch and monotonic() - self._claimed_at < _REFILL_EVERY:
            return set()
        self._claimed_at = monotonic()
        claim = Claim(self.owner, self._clock() + self._lease, room, self._per_chat, self._kinds)
        alerts = await self._db(self._store.claim_alerts, claim, due_at)
        by_chat: dict[int, list[PendingAlert]] = {}
        for alert in alerts:
            by_chat.setdefault(alert.chat_id, []).append(alert)
        for chat_id in [chat for chat in by_chat if not self._allowed.allows(chat)]:
            await self._cancel_not_allowed(chat_id, by_chat.pop(chat_id))
        started = {
            self._start(chat_id, chat_alerts, digest=False) for chat_id, chat_alerts in by_chat.items()
        }
        room -= len(by_chat)
        if room > 0:
            started |= await self._dispatch_digests(due_at, room)
        return started

    async def _dispatch_digests(self, due_at: datetime, room: int) -> set[asyncio.Task[int]]:
        """Claim up to ``room`` due digests (one chat each): a claim makes this process the only sender
        of the chat's digest rows up to the slot, so each slot goes out once whatever the number of
        deliver processes."""
        due: list[DueDigest] = await self._db(
            self._store.due_digests, due_at, room + len(self._tasks), self._kinds
        )
        started: set[asyncio.Task[int]] = set()
        for digest in due:
            if len(started) >= room:
                break
            if digest.chat_id in self._tasks:
                continue
            lease_until = self._clock() + self._lease
            alerts = await self._db(
                self._store.claim_digest, self.owner, digest.chat_id, digest.slot, due_at, lease_until
            )
            if alerts and not self._allowed.allows(digest.chat_id):
                await self._cancel_not_allowed(digest.chat_id, alerts)
            elif alerts:
                started.add(self._start(digest.chat_id, alerts, digest=True))
        return started

    def _start(self, chat_id: int, alerts: list[PendingAlert], *, digest: bool) -> asyncio.Task[int]:
        task = asyncio.create_task(self._courier.send(chat_id, alerts, digest=digest))
        self._tasks[chat_id] = task
        task.add_done_callback(functools.partial(self._done, chat_id))
        return task

    async def _cancel_not_allowed(self, chat_id: int, alerts: list[PendingAlert]) -> None:
        """A chat no longer in ``telegram.allowed_chats``: its claimed alerts are cancelled, never sent."""
        ids = [alert.delivery_id for alert in alerts]
        await self._db(self._store.give_up, ids, NOT_ALLOWED, self.owner)
        logger.info("alerts_cancelled chat=%s deliveries=%s reason=not_allowed", chat_id, len(ids))

    def _done(self, chat_id: int, _task: asyncio.Task[int]) -> None:
        self._tasks.pop(chat_id, None)
        self._wake.set()

    async def _finish(self) -> None:
        """Let running chats finish their current message (up to 10 s), cancel them, release the rest."""
        self._courier.stopping = True
        tasks = list(self._tasks.values())
        if tasks:
            _done, pending = await asyncio.wait(tasks, timeout=10.0)
            for task in pending:
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(*pending, return_exceptions=True)
        try:
            await self._db(self._store.release_claims, self.owner)
            await self._db(self._store.forget_worker, self.owner)
        except Exception as exc:  # the leases expire by themselves
            logger.warning("outbox_release_failed error=%s", db_error(exc))

    # --- one chat --------------------------------------------------------------------------------------

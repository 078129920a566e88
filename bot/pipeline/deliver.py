"""The outbox sender: claim a chat's due rows -> render -> paced sends -> settle each row in the database.

The database decides what is sent: a chat's due rows are *claimed* (moved to ``sending`` with this
process as owner and a lease) before anything goes out, and a row is settled (sent, retried, given up)
only while this process still owns it. Nothing in memory decides what to send, so a row is never sent
twice in normal running; only the message in flight when a process dies can go again, once its lease
expires. Chats are sent concurrently, each chat's alerts strictly in order (one task per claimed chat).

429: the chat (or, when several chats are refused at once, the whole bot) waits ``retry_after`` and the
same message goes again. Network trouble: the chat's rows wait with exponential backoff, nothing is
dropped. Blocked or vanished chat: deactivated. Migrated group: subscriptions move to the supergroup and
the message follows. A database error logs one line and the loop backs off and carries on.

(Over 400 lines: one class whose claim loop and per-chat settlement share the in-flight state; the split
into a claim loop and a chat courier comes with the delivery-rate work of issue 25, goal 6.)
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import socket
import uuid
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum
from time import monotonic
from typing import ParamSpec, TypeVar

from bot.chat.allowed import NOT_ALLOWED, AllowedChats
from bot.chat.digest import render_digest_messages
from bot.chat.i18n import DEFAULT_LANGUAGE, Translator, translator
from bot.chat.language import stored_language
from bot.chat.render import RenderedMessage, render_alert, render_digest
from bot.offload import off_loop
from bot.ops.metrics import Metrics, process_metrics
from bot.pipeline.pacing import Pacer
from bot.pipeline.ports import OutboxStore
from bot.pipeline.transport import SendResult, Transport
from feeds.models import ChatKind
from feeds.values import Claim, DueDigest, PendingAlert

logger = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")
Clock = Callable[[], datetime]

_FLOOD_WINDOW = 1.0  # 429s for two different chats this close together look like the global limit
_MAX_TRIES_IN_PROCESS = 5  # 429 waits and migrations for one message before it goes back to the outbox
HEARTBEAT_SECONDS = 1.0  # how soon senders learn of each other (they share the bot's budget)
_DB_RETRY_CAP = 30.0  # seconds: the longest pause between attempts while the database is unreachable
_REFILL_EVERY = 1.0  # seconds: a claim pass for fewer free places than the refill batch, at most this often
# max_chats: chats sending at once. A chat waiting out its own window (a group: 3 s between alerts) needs no
# global slot until it ends, so it holds no place (up to _MAX_RESTING x max_chats chats in all): the places go
# to chats that fill the bot's 28/s, and a slow chat late in the claim order is claimed, and started, sooner.
_MAX_RESTING = 4
MAX_PERMANENT_FAILURES = 8  # refusals that retrying can't fix (not 429, not network) before a row is given up
TELEGRAM_KINDS = tuple(kind for kind in ChatKind if kind is not ChatKind.CONSOLE)


class _Outcome(Enum):
    SENT = "sent"
    NEXT = "next"  # permanent failure of this message: it waits in the outbox, the chat goes on
    DEFER = "defer"  # come back later: this and the chat's later messages wait in the outbox
    GONE = "gone"  # the chat is inactive now
    HALT = "halt"  # the bot's token is refused: this and the chat's later messages stay pending


@dataclass
class _Target:
    """Where a chat's messages go; changes when a group migrates to a supergroup."""

    chat_id: int
    kind: ChatKind
    unsettled: set[int] = field(default_factory=set)  # claimed rows not yet settled


def _now() -> datetime:
    return datetime.now(UTC)


def new_owner_id() -> str:
    """A claim owner id unique to this process run: host, pid and a random part."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _db_error(exc: BaseException) -> str:
    """One short line about a failed store call (never a traceback, never SQL)."""
    return f"{type(exc).__name__}: {str(exc).splitlines()[0][:160] if str(exc) else ''}"


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
        self._translatable = translatable  # a translator is configured: alerts may carry Translate
        self._allowed = AllowedChats.of(allowed_chats)
        self._default_language = default_language
        self._kinds = tuple(kinds)
        self._transport = transport
        self._pacer = pacer
        self._group_threshold = group_threshold
        self._max_chats = max(1, batch_size or max_chats)
        self._refill_batch = max(1, self._max_chats // 4)  # free places worth a claim pass of their own
        self._claimed_at = -_REFILL_EVERY
        self._per_chat = per_chat
        self._lease = timedelta(seconds=lease_seconds)
        self._retry_base = retry_base
        self._retry_cap = retry_cap
        self._max_wait = max_wait
        self.owner = owner or new_owner_id()
        self._clock = clock
        self._metrics = metrics or process_metrics()
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: dict[int, asyncio.Task[int]] = {}  # running chat tasks: capacity and shutdown only
        self._last_flood: tuple[float, int] | None = None
        self._stopping = False
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
        self._stopping = False
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
                    timeout = min(_DB_RETRY_CAP, 0.5 * 2**failures)
                    logger.warning("outbox_pass_failed error=%s retry_in=%.1f", _db_error(exc), timeout)
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
        """Claim the due rows of as many chats as there is room for, then due digests in the room left;
        start one task per claimed chat.

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
        task = asyncio.create_task(self._run_chat(chat_id, alerts, digest=digest))
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
        self._stopping = True
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
            logger.warning("outbox_release_failed error=%s", _db_error(exc))

    # --- one chat --------------------------------------------------------------------------------------
    async def _run_chat(self, chat_id: int, alerts: list[PendingAlert], *, digest: bool = False) -> int:
        target = _Target(chat_id, alerts[0].chat_kind, {alert.delivery_id for alert in alerts})
        try:
            return await self._send_chat(target, alerts, digest=digest)
        except Exception:
            logger.exception("chat_send_crashed chat=%s", chat_id)
            return 0
        finally:
            if target.unsettled:  # not tried (stopping, crashed): back to pending, untouched
                await self._settle(self._store.release_claims, self.owner, sorted(target.unsettled))

    async def _send_chat(self, target: _Target, alerts: list[PendingAlert], *, digest: bool = False) -> int:
        """Render the chat's alerts (grouped when many, or as its digest) and send them in order."""
        by_id = {alert.delivery_id: alert for alert in alerts}
        messages = await (self._render_digest(alerts) if digest else self._render(alerts))
        sent = 0
        for index, message in enumerate(messages):
            if self._stopping:
                break
            tries = max(by_id[d].attempts for d in message.delivery_ids)
            outcome = await self._deliver(target, message, tries, len(messages) - index)
            if outcome is _Outcome.SENT:
                sent += 1
                self._record_sent([by_id[d] for d in message.delivery_ids])
            if outcome is _Outcome.DEFER:
                await self._hold_rest(target, messages[index + 1 :], tries)
            if outcome in (_Outcome.DEFER, _Outcome.GONE, _Outcome.HALT):
                break
        return sent

    def _record_sent(self, alerts: Sequence[PendingAlert]) -> None:
        """Metrics: each alert of an acknowledged message, with its item's first sight → now."""
        now = self._clock()
        for alert in alerts:
            self._metrics.alert_sent(alert.item.first_seen_at, now)

    async def _translator(self, chat_id: int) -> Translator:
        chat = await self._db(self._store.get_chat, chat_id)
        return translator(stored_language(chat, self._default_language))

    async def _render_digest(self, alerts: list[PendingAlert]) -> list[RenderedMessage]:
        """The chat's digest (every claimed slot at once) in its zone and language: at most 3 messages."""
        t = await self._translator(alerts[0].chat_id)
        zone = (await self._db(self._store.chat_volume, alerts[0].chat_id)).zone
        slot = max((a.digest_slot or a.created_at for a in alerts), default=self._clock())
        messages = render_digest_messages(alerts, zone, slot, t=t)
        logger.info(
            "digest_rendered chat=%s stories=%s messages=%s", alerts[0].chat_id, len(alerts), len(messages)
        )
        return messages

    async def _render(self, alerts: list[PendingAlert]) -> list[RenderedMessage]:
        """The chat's alerts as messages in the chat's language and zone (grouped when many wait)."""
        t = await self._translator(alerts[0].chat_id)
        if len(alerts) > self._group_threshold:
            return render_digest(alerts, t=t)
        zone = (await self._db(self._store.chat_volume, alerts[0].chat_id)).zone
        messages = []
        for alert in alerts:
            sources = await self._db(self._store.story_sources, alert.story_id)
            messages.append(render_alert(alert, sources, t=t, zone=zone, translate=self._translatable))
        return messages

    async def _hold_rest(self, target: _Target, rest: Sequence[RenderedMessage], tries: int) -> None:
        """Keep the chat's later messages behind a deferred one, so order holds."""
        ids = [d for message in rest for d in message.delivery_ids]
        if ids:
            not_before = self._clock() + timedelta(seconds=self._backoff(tries))
            await self._settle_rows(
                target,
                ids,
                self._store.mark_retry,
                ids,
                not_before=not_before,
                error="behind an earlier alert",
                owner=self.owner,
            )

    async def _settle(self, fn: Callable[P, object], *args: P.args, **kwargs: P.kwargs) -> bool:
        """A store call that settles claimed rows, retried while the database is away (until stopping)."""
        failures = 0
        while True:
            try:
                await self._db(fn, *args, **kwargs)
                return True
            except Exception as exc:
                failures += 1
                if self._stopping and failures > 3:
                    logger.warning("outbox_settle_abandoned error=%s", _db_error(exc))
                    return False  # the lease returns the rows to pending
                delay = min(_DB_RETRY_CAP, 0.25 * 2**failures)
                logger.warning("outbox_settle_failed error=%s retry_in=%.1f", _db_error(exc), delay)
                await asyncio.sleep(delay)

    async def _settle_rows(
        self,
        target: _Target,
        ids: Sequence[int],
        fn: Callable[P, object],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> None:
        if await self._settle(fn, *args, **kwargs):
            target.unsettled.difference_update(ids)

    # --- one message -----------------------------------------------------------------------------------
    async def _deliver(
        self, target: _Target, message: RenderedMessage, tries: int, remaining: int
    ) -> _Outcome:
        """Send one message (``remaining``: the chat's messages left, this one included), following 429
        waits and migrations; settle its rows in the store."""
        for _ in range(_MAX_TRIES_IN_PROCESS):
            async with self._pacer.slot(target.chat_id, target.kind, remaining):
                result = await self._transport.send_html(
                    target.chat_id, message.html, plain_text_fallback=message.plain, buttons=message.buttons
                )
            if result.token_refused:  # the process is stopping; the rows go back to pending untouched
                return _Outcome.HALT
            if result.ok:
                ids = list(message.delivery_ids)
                await self._settle_rows(target, ids, self._store.mark_sent, ids, self._clock(), self.owner)
                logger.info("alert_sent chat=%s deliveries=%s", target.chat_id, len(ids))
                return _Outcome.SENT
            if result.retry_after is not None:
                if self._on_flood(target.chat_id, result.retry_after):
                    continue
                return await self._retry_later(target, message, result, result.retry_after, _Outcome.DEFER)
            if result.migrated_to is not None:
                await self._migrate(target, result.migrated_to)
                continue
            if result.blocked:
                cancelled = await self._db(self._store.deactivate_chat, target.chat_id)
                target.unsettled.clear()  # cancelled with the chat
                logger.info(
                    "chat_deactivated chat=%s cancelled=%s error=%s", target.chat_id, cancelled, result
                )
                return _Outcome.GONE
            if result.transient:
                return await self._retry_later(target, message, result, self._backoff(tries), _Outcome.DEFER)
            if tries + 1 >= MAX_PERMANENT_FAILURES:
                return await self._give_up(target, message, result)
            return await self._retry_later(target, message, result, self._backoff(tries), _Outcome.NEXT)
        return await self._retry_later(
            target, message, SendResult(ok=False, error="too many tries"), 1.0, _Outcome.DEFER
        )

    def _on_flood(self, chat_id: int, seconds: float) -> bool:
        """Slow the chat (and the whole bot if other chats are refused too); whether to retry in process."""
        now = monotonic()
        last = self._last_flood
        scope = None if last and last[1] != chat_id and now - last[0] < _FLOOD_WINDOW else chat_id
        self._last_flood = (now, chat_id)
        self._pacer.penalize(scope, seconds)
        logger.warning("telegram_flood chat=%s retry_after=%s scope=%s", chat_id, seconds, scope or "global")
        return seconds <= self._max_wait

    async def _migrate(self, target: _Target, new_chat_id: int) -> None:
        await self._db(self._store.migrate_chat, target.chat_id, new_chat_id, ChatKind.SUPERGROUP)
        logger.info("chat_migrated old=%s new=%s", target.chat_id, new_chat_id)
        target.chat_id, target.kind = new_chat_id, ChatKind.SUPERGROUP

    async def _retry_later(
        self, target: _Target, message: RenderedMessage, result: SendResult, delay: float, outcome: _Outcome
    ) -> _Outcome:
        not_before = self._clock() + timedelta(seconds=delay)
        error = result.error or "unknown error"
        ids = list(message.delivery_ids)
        await self._settle_rows(
            target, ids, self._store.mark_retry, ids, not_before=not_before, error=error, owner=self.owner
        )
        logger.warning(
            "alert_retry deliveries=%s delay=%.1f error=%s", len(message.delivery_ids), delay, error
        )
        return outcome

    async def _give_up(self, target: _Target, message: RenderedMessage, result: SendResult) -> _Outcome:
        """Telegram refused this message every time, for a reason retrying won't fix: stop trying."""
        error = result.error or "unknown error"
        ids = list(message.delivery_ids)
        await self._settle_rows(target, ids, self._store.give_up, ids, error, self.owner)
        logger.error("alert_given_up deliveries=%s error=%s", list(message.delivery_ids), error)
        return _Outcome.NEXT

    def _backoff(self, tries: int) -> float:
        """Seconds before retry number ``tries + 1``: doubling from ``retry_base`` up to ``retry_cap``."""
        return float(min(self._retry_cap, self._retry_base * 2 ** min(tries, 30)))

"""The outbox sender: pending deliveries -> rendered messages -> paced sends -> marked sent.

Chats are sent concurrently, each chat's alerts strictly in order (one task per chat). A row is marked sent
only after the transport says ok. 429: the chat (or, when several chats are refused at once, the whole bot)
waits ``retry_after`` and the same message goes again. Network trouble: the chat's rows wait with
exponential backoff (``Store.mark_retry``), nothing is dropped. Blocked or vanished chat: deactivated.
Migrated group: subscriptions move to the supergroup and the message follows. All store calls run in
``asyncio.to_thread`` because the store is synchronous.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from time import monotonic

from bot.chat.i18n import DEFAULT_LANGUAGE, translator
from bot.chat.language import resolve_language
from bot.pacing import Pacer
from bot.render import RenderedMessage, render_alert, render_digest
from bot.transport import SendResult, Transport
from feeds.models import ChatKind
from storage.store import PendingAlert, Store

logger = logging.getLogger(__name__)

_FLOOD_WINDOW = 1.0  # 429s for two different chats this close together look like the global limit
_REFILL_EVERY = 0.5  # seconds between outbox fetches while chats are being sent
_MAX_TRIES_IN_PROCESS = 5  # 429 waits and migrations for one message before it goes back to the outbox
MAX_PERMANENT_FAILURES = 8  # refusals that retrying can't fix (not 429, not network) before a row is given up
TELEGRAM_KINDS = tuple(kind for kind in ChatKind if kind is not ChatKind.CONSOLE)


class _Outcome(Enum):
    SENT = "sent"
    NEXT = "next"  # permanent failure of this message: it waits in the outbox, the chat goes on
    DEFER = "defer"  # come back later: this and the chat's later messages wait in the outbox
    GONE = "gone"  # the chat is inactive now


@dataclass
class _Target:
    """Where a chat's messages go; changes when a group migrates to a supergroup."""

    chat_id: int
    kind: ChatKind


def _now() -> datetime:
    return datetime.now(UTC)


class AlertSender:
    """Drains the deliveries outbox through a ``Transport`` under a ``Pacer``."""

    def __init__(
        self,
        store: Store,
        transport: Transport,
        pacer: Pacer,
        *,
        group_threshold: int = 5,
        batch_size: int = 500,
        retry_base: float = 1.0,
        retry_cap: float = 300.0,
        max_wait: float = 60.0,
        kinds: Collection[ChatKind] = TELEGRAM_KINDS,
        default_language: str = DEFAULT_LANGUAGE,
    ) -> None:
        self._store = store
        self._default_language = default_language
        self._kinds = tuple(kinds)
        self._transport = transport
        self._pacer = pacer
        self._group_threshold = group_threshold
        self._batch_size = batch_size
        self._retry_base = retry_base
        self._retry_cap = retry_cap
        self._max_wait = max_wait
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._inflight: set[int] = set()
        self._busy: dict[int, asyncio.Task[int]] = {}
        self._last_flood: tuple[float, int] | None = None
        self._stopping = False

    # --- public API ------------------------------------------------------------------------------------
    async def drain_once(self) -> int:
        """Send everything due now (chats concurrently, refilled from the outbox as they finish).

        Each delivery is tried at most once per call; returns how many messages were sent."""
        seen: set[int] = set()
        tasks: set[asyncio.Task[int]] = set()
        sent = 0
        while True:
            tasks |= await self._dispatch(seen)
            if not tasks:
                return sent
            done, tasks = await asyncio.wait(tasks, timeout=_REFILL_EVERY)
            sent += sum(task.result() for task in done)

    async def run(self, stop: asyncio.Event) -> None:
        """Hand pending alerts to per-chat tasks until ``stop`` is set; wake on ``wake()`` or every 1 s."""
        self._loop = asyncio.get_running_loop()
        self._stopping = False
        stopper = asyncio.ensure_future(stop.wait())
        try:
            while not stop.is_set():
                self._wake.clear()
                await self._dispatch(set())
                waker = asyncio.ensure_future(self._wake.wait())
                await asyncio.wait({waker, stopper}, timeout=1.0, return_when=asyncio.FIRST_COMPLETED)
                waker.cancel()
        finally:
            stopper.cancel()
            await self._finish()

    def wake(self) -> None:
        """New alerts were enqueued: drain now (safe to call from any thread)."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._wake.set)
        else:
            self._wake.set()

    # --- dispatching -----------------------------------------------------------------------------------
    async def _fetch(self, skip: set[int]) -> dict[int, list[PendingAlert]]:
        """Due alerts not being sent (nor in ``skip``), by chat, oldest first.

        The rows in flight come first in the outbox order, so the fetch grows by their number: they must
        not crowd out the next ``batch_size`` rows."""
        limit = self._batch_size + len(self._inflight)
        alerts = await asyncio.to_thread(self._store.pending_alerts, _now(), limit, self._kinds)
        batches: dict[int, list[PendingAlert]] = {}
        for alert in alerts:
            busy = alert.delivery_id in self._inflight or alert.chat_id in self._busy
            if not busy and alert.delivery_id not in skip:
                batches.setdefault(alert.chat_id, []).append(alert)
        return batches

    async def _dispatch(self, skip: set[int]) -> set[asyncio.Task[int]]:
        """Start a task for every chat with due alerts and no task running; adds their ids to ``skip``."""
        started = set()
        for chat_id, alerts in (await self._fetch(skip)).items():
            skip.update(alert.delivery_id for alert in alerts)
            task = asyncio.create_task(self._run_chat(chat_id, alerts))
            self._busy[chat_id] = task
            task.add_done_callback(functools.partial(self._done, chat_id))
            started.add(task)
        return started

    def _done(self, chat_id: int, _task: asyncio.Task[int]) -> None:
        self._busy.pop(chat_id, None)

    async def _finish(self) -> None:
        """Let running chats finish their current message (up to 10 s), then cancel them."""
        self._stopping = True
        tasks = list(self._busy.values())
        if tasks:
            _done, pending = await asyncio.wait(tasks, timeout=10.0)
            for task in pending:
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(*pending, return_exceptions=True)

    # --- one chat --------------------------------------------------------------------------------------
    async def _run_chat(self, chat_id: int, alerts: list[PendingAlert]) -> int:
        ids = {alert.delivery_id for alert in alerts}
        self._inflight |= ids
        try:
            return await self._send_chat(chat_id, alerts)
        except Exception:
            logger.exception("chat_send_crashed chat=%s", chat_id)
            return 0
        finally:
            self._inflight -= ids

    async def _send_chat(self, chat_id: int, alerts: list[PendingAlert]) -> int:
        """Render the chat's alerts (grouped when many) and send them in order."""
        target = _Target(chat_id, alerts[0].chat_kind)
        attempts = {alert.delivery_id: alert.attempts for alert in alerts}
        messages = await self._render(alerts)
        sent = 0
        for index, message in enumerate(messages):
            if self._stopping:
                break
            tries = max(attempts[d] for d in message.delivery_ids)
            outcome = await self._deliver(target, message, tries)
            sent += outcome is _Outcome.SENT
            if outcome is _Outcome.DEFER:
                await self._hold_rest(messages[index + 1 :], tries)
            if outcome in (_Outcome.DEFER, _Outcome.GONE):
                break
        return sent

    async def _render(self, alerts: list[PendingAlert]) -> list[RenderedMessage]:
        chat = await asyncio.to_thread(self._store.get_chat, alerts[0].chat_id)
        chosen = (chat.language or chat.sender_language) if chat else None
        t = translator(resolve_language(chosen, None, self._default_language))
        if len(alerts) > self._group_threshold:
            return render_digest(alerts, t=t)
        messages = []
        for alert in alerts:
            sources = await asyncio.to_thread(self._store.story_sources, alert.story_id)
            messages.append(render_alert(alert, sources, t=t))
        return messages

    async def _hold_rest(self, rest: Sequence[RenderedMessage], tries: int) -> None:
        """Keep the chat's later messages behind a deferred one, so order holds."""
        ids = [d for message in rest for d in message.delivery_ids]
        if ids:
            not_before = _now() + timedelta(seconds=self._backoff(tries))
            await asyncio.to_thread(
                self._store.mark_retry, ids, not_before=not_before, error="behind an earlier alert"
            )

    # --- one message -----------------------------------------------------------------------------------
    async def _deliver(self, target: _Target, message: RenderedMessage, tries: int) -> _Outcome:
        """Send one message, following 429 waits and migrations; settle its rows in the store."""
        for _ in range(_MAX_TRIES_IN_PROCESS):
            async with self._pacer.slot(target.chat_id, target.kind):
                result = await self._transport.send_html(
                    target.chat_id, message.html, plain_text_fallback=message.plain
                )
            if result.ok:
                await asyncio.to_thread(self._store.mark_sent, list(message.delivery_ids), _now())
                logger.info("alert_sent chat=%s deliveries=%s", target.chat_id, len(message.delivery_ids))
                return _Outcome.SENT
            if result.retry_after is not None:
                if self._on_flood(target.chat_id, result.retry_after):
                    continue
                return await self._retry_later(message, result, result.retry_after, _Outcome.DEFER)
            if result.migrated_to is not None:
                await self._migrate(target, result.migrated_to)
                continue
            if result.blocked:
                cancelled = await asyncio.to_thread(self._store.deactivate_chat, target.chat_id)
                logger.info(
                    "chat_deactivated chat=%s cancelled=%s error=%s", target.chat_id, cancelled, result
                )
                return _Outcome.GONE
            if result.transient:
                return await self._retry_later(message, result, self._backoff(tries), _Outcome.DEFER)
            if tries + 1 >= MAX_PERMANENT_FAILURES:
                return await self._give_up(message, result)
            return await self._retry_later(message, result, self._backoff(tries), _Outcome.NEXT)
        return await self._retry_later(
            message, SendResult(ok=False, error="too many tries"), 1.0, _Outcome.DEFER
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
        await asyncio.to_thread(self._store.migrate_chat, target.chat_id, new_chat_id, ChatKind.SUPERGROUP)
        logger.info("chat_migrated old=%s new=%s", target.chat_id, new_chat_id)
        target.chat_id, target.kind = new_chat_id, ChatKind.SUPERGROUP

    async def _retry_later(
        self, message: RenderedMessage, result: SendResult, delay: float, outcome: _Outcome
    ) -> _Outcome:
        not_before = _now() + timedelta(seconds=delay)
        error = result.error or "unknown error"
        await asyncio.to_thread(
            self._store.mark_retry, list(message.delivery_ids), not_before=not_before, error=error
        )
        logger.warning(
            "alert_retry deliveries=%s delay=%.1f error=%s", len(message.delivery_ids), delay, error
        )
        return outcome

    async def _give_up(self, message: RenderedMessage, result: SendResult) -> _Outcome:
        """Telegram refused this message every time, for a reason retrying won't fix: stop trying."""
        error = result.error or "unknown error"
        await asyncio.to_thread(self._store.give_up, list(message.delivery_ids), error)
        logger.error("alert_given_up deliveries=%s error=%s", list(message.delivery_ids), error)
        return _Outcome.NEXT

    def _backoff(self, tries: int) -> float:
        """Seconds before retry number ``tries + 1``: doubling from ``retry_base`` up to ``retry_cap``."""
        return float(min(self._retry_cap, self._retry_base * 2 ** min(tries, 30)))

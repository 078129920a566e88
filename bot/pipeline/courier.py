"""One claimed chat's alerts: render -> paced sends in order -> settle each row while this process owns it.

429: the chat (or, when several chats are refused at once, the whole bot) waits ``retry_after`` and the
same message goes again. Network trouble: the chat's rows wait with exponential backoff, nothing is
dropped. Blocked or vanished chat: deactivated. Migrated group: subscriptions move to the supergroup and
the message follows. Rows not tried (stopping, a crash) go back to pending untouched.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from time import monotonic
from typing import ParamSpec

from bot.chat.digest import render_digest_messages
from bot.chat.i18n import Translator, translator
from bot.chat.language import stored_language
from bot.chat.render import RenderedMessage, render_alert, render_digest
from bot.offload import off_loop
from bot.ops.metrics import Metrics
from bot.pipeline.pacing import Pacer
from bot.pipeline.ports import OutboxStore
from bot.pipeline.transport import SendResult, Transport
from feeds.models import ChatKind
from feeds.values import PendingAlert

logger = logging.getLogger(__name__)

P = ParamSpec("P")
Clock = Callable[[], datetime]

_FLOOD_WINDOW = 1.0  # 429s for two different chats this close together look like the global limit
_MAX_TRIES_IN_PROCESS = 5  # 429 waits and migrations for one message before it goes back to the outbox
DB_RETRY_CAP = 30.0  # seconds: the longest pause between attempts while the database is unreachable
MAX_PERMANENT_FAILURES = 8  # refusals that retrying can't fix (not 429, not network) before a row is given up


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


def db_error(exc: BaseException) -> str:
    """One short line about a failed store call (never a traceback, never SQL)."""
    return f"{type(exc).__name__}: {str(exc).splitlines()[0][:160] if str(exc) else ''}"


class ChatCourier:
    """Sends claimed chats' alerts, each chat strictly in order, and settles their rows as ``owner``."""

    def __init__(
        self,
        store: OutboxStore,
        transport: Transport,
        pacer: Pacer,
        *,
        owner: str,
        clock: Clock,
        metrics: Metrics,
        group_threshold: int,
        retry_base: float,
        retry_cap: float,
        max_wait: float,
        default_language: str,
        translatable: bool,
    ) -> None:
        self._store = store
        self._transport = transport
        self._pacer = pacer
        self._owner = owner
        self._clock = clock
        self._metrics = metrics
        self._group_threshold = group_threshold
        self._retry_base = retry_base
        self._retry_cap = retry_cap
        self._max_wait = max_wait
        self._default_language = default_language
        self._translatable = translatable  # a translator is configured: alerts may carry Translate
        self._last_flood: tuple[float, int] | None = None
        self.stopping = False  # set by the claim loop: finish the message in flight, send no more

    async def send(self, chat_id: int, alerts: list[PendingAlert], *, digest: bool = False) -> int:
        """Send one claimed chat's alerts (its digest when ``digest``); returns messages sent."""
        target = _Target(chat_id, alerts[0].chat_kind, {alert.delivery_id for alert in alerts})
        try:
            return await self._send_chat(target, alerts, digest=digest)
        except Exception:
            logger.exception("chat_send_crashed chat=%s", chat_id)
            return 0
        finally:
            if target.unsettled:  # not tried (stopping, crashed): back to pending, untouched
                await self._settle(self._store.release_claims, self._owner, sorted(target.unsettled))

    async def _send_chat(self, target: _Target, alerts: list[PendingAlert], *, digest: bool = False) -> int:
        """Render the chat's alerts (grouped when many, or as its digest) and send them in order."""
        by_id = {alert.delivery_id: alert for alert in alerts}
        messages = await (self._render_digest(alerts) if digest else self._render(alerts))
        sent = 0
        for index, message in enumerate(messages):
            if self.stopping:
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
        chat = await off_loop(self._store.get_chat, chat_id)
        return translator(stored_language(chat, self._default_language))

    async def _render_digest(self, alerts: list[PendingAlert]) -> list[RenderedMessage]:
        """The chat's digest (every claimed slot at once) in its zone and language: at most 3 messages."""
        t = await self._translator(alerts[0].chat_id)
        zone = (await off_loop(self._store.chat_volume, alerts[0].chat_id)).zone
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
        zone = (await off_loop(self._store.chat_volume, alerts[0].chat_id)).zone
        messages = []
        for alert in alerts:
            sources = await off_loop(self._store.story_sources, alert.story_id)
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
                owner=self._owner,
            )

    async def _settle(self, fn: Callable[P, object], *args: P.args, **kwargs: P.kwargs) -> bool:
        """A store call that settles claimed rows, retried while the database is away (until stopping)."""
        failures = 0
        while True:
            try:
                await off_loop(fn, *args, **kwargs)
                return True
            except Exception as exc:
                failures += 1
                if self.stopping and failures > 3:
                    logger.warning("outbox_settle_abandoned error=%s", db_error(exc))
                    return False  # the lease returns the rows to pending
                delay = min(DB_RETRY_CAP, 0.25 * 2**failures)
                logger.warning("outbox_settle_failed error=%s retry_in=%.1f", db_error(exc), delay)
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
                await self._settle_rows(target, ids, self._store.mark_sent, ids, self._clock(), self._owner)
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
                cancelled = await off_loop(self._store.deactivate_chat, target.chat_id)
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
        await off_loop(self._store.migrate_chat, target.chat_id, new_chat_id, ChatKind.SUPERGROUP)
        logger.info("chat_migrated old=%s new=%s", target.chat_id, new_chat_id)
        target.chat_id, target.kind = new_chat_id, ChatKind.SUPERGROUP

    async def _retry_later(
        self, target: _Target, message: RenderedMessage, result: SendResult, delay: float, outcome: _Outcome
    ) -> _Outcome:
        not_before = self._clock() + timedelta(seconds=delay)
        error = result.error or "unknown error"
        ids = list(message.delivery_ids)
        await self._settle_rows(
            target, ids, self._store.mark_retry, ids, not_before=not_before, error=error, owner=self._owner
        )
        logger.warning(
            "alert_retry deliveries=%s delay=%.1f error=%s", len(message.delivery_ids), delay, error
        )
        return outcome

    async def _give_up(self, target: _Target, message: RenderedMessage, result: SendResult) -> _Outcome:
        """Telegram refused this message every time, for a reason retrying won't fix: stop trying."""
        error = result.error or "unknown error"
        ids = list(message.delivery_ids)
        await self._settle_rows(target, ids, self._store.give_up, ids, error, self._owner)
        logger.error("alert_given_up deliveries=%s error=%s", list(message.delivery_ids), error)
        return _Outcome.NEXT

    def _backoff(self, tries: int) -> float:
        """Seconds before retry number ``tries + 1``: doubling from ``retry_base`` up to ``retry_cap``."""
        return float(min(self._retry_cap, self._retry_base * 2 ** min(tries, 30)))

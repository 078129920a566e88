"""Pacing under Telegram's flood limits: one bucket for the whole bot, one per chat.

Each bucket is a token bucket in its GCRA form (a "theoretical arrival time" plus a burst tolerance), so a
waiting sender knows exactly how long to sleep and no coroutine spins. The global bucket hands out slots in
order (reservations), so hundreds of chats waiting at once wake one by one, not as a herd; a sliding
one-second window over the actual send times then catches senders that a busy event loop woke late together.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from time import monotonic

from feeds.models import ChatKind

logger = logging.getLogger(__name__)

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

_PRUNE_AT = 10_000


_ONE_TO_ONE = (ChatKind.PRIVATE, ChatKind.CONSOLE)  # paced like a private chat


class Bucket:
    """A token bucket: ``per_second`` sustained (plus ``margin`` s per send), up to ``burst`` at once."""

    def __init__(self, per_second: float, burst: int = 1, margin: float = 0.0) -> None:
        if per_second <= 0 or burst < 1 or margin < 0:
            raise ValueError("per_second must be > 0, burst >= 1, margin >= 0")
        self.interval = 1.0 / per_second + margin
        self.tolerance = (burst - 1) * self.interval
        self.tat = -math.inf  # theoretical arrival time of the next conforming send

    def ready_at(self, now: float) -> float:
        """Earliest time (>= now) a send conforms."""
        return max(now, self.tat - self.tolerance)

    def commit(self, at: float) -> None:
        """Record a send at ``at`` (which must conform)."""
        self.tat = max(self.tat, at) + self.interval

    def settle(self, at: float) -> None:
        """The send committed earlier was counted at ``at`` at the latest (its answer): space the next
        ones from there, as if it had been committed then."""
        self.tat = max(self.tat, at + self.interval)

    def block_until(self, until: float) -> None:
        """No send before ``until`` (after a 429), then a fresh burst."""
        self.tat = max(self.tat, until + self.tolerance)

    def idle(self, now: float) -> bool:
        """Whether the bucket is full again (its state can be forgotten)."""
        return self.tat <= now


class Pacer:
    """Global, per-private-chat and per-group pacing; ``acquire`` before every send.

    Defaults stay just under Telegram's limits: 28/s for the bot (of 30), 1/s per private chat with a burst of
    3, 20/min per group (and channel) spaced evenly, since Telegram counts groups over a sliding minute.
    ``chat_margin`` seconds are added to every per-chat interval to absorb network jitter. Besides the even
    global pace, no more than ``floor(global_per_second) + 1`` sends are ever counted in one second (29 by
    default, Telegram refuses the 31st), counting each send from its start until its answer."""

    def __init__(
        self,
        *,
        global_per_second: float = 28,
        private_per_second: float = 1.0,
        private_burst: int = 3,
        group_per_minute: float = 20,
        group_burst: int = 1,
        chat_margin: float = 0.05,
        clock: Clock = monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._global_rate = global_per_second
        self._global = Bucket(global_per_second)
        self._recent: deque[list[float]] = deque()  # [end] of sends in the last second; inf in flight
        self._per_window = math.floor(global_per_second) + 1  # a guard against bunching, not the pace
        self._blocked_until = -math.inf
        self._private = (private_per_second, private_burst, chat_margin)
        self._group = (group_per_minute / 60.0, group_burst, chat_margin)
        self._chats: dict[int, Bucket] = {}
        self._clock = clock
        self._sleep = sleep

    def share_with(self, senders: int) -> None:
        """Several deliver processes send for one bot token: take 1/``senders`` of the global budget."""
        rate = self._global_rate / max(1, senders)
        if abs(1.0 / rate - self._global.interval) > 1e-9:
            tat = self._global.tat
            self._global = Bucket(rate)
            self._global.tat = tat
            self._per_window = math.floor(rate) + 1
            logger.info("pacer_shared senders=%s global_per_second=%.2f", senders, rate)

    def _bucket(self, chat_id: int, kind: ChatKind) -> Bucket:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            if len(self._chats) >= _PRUNE_AT:
                self._prune()
            bucket = self._chats[chat_id] = Bucket(*(self._private if kind in _ONE_TO_ONE else self._group))
        return bucket

    def _prune(self) -> None:
        now = self._clock()
        self._chats = {chat: b for chat, b in self._chats.items() if not b.idle(now)}

    async def _sleep_until(self, at: float) -> None:
        delay = at - self._clock()
        if delay > 0:
            await self._sleep(delay)

    def _reserve_global(self) -> float:
        """Take the next global slot; returns when it starts."""
        at = max(self._global.ready_at(self._clock()), self._blocked_until)
        self._global.commit(at)
        return at

    async def acquire(self, chat_id: int, kind: ChatKind) -> None:
        """Wait until one message to ``chat_id`` is within every limit, and count it as sent now.

        Meant for one in-flight sender per chat (the sender keeps each chat's alerts in order)."""
        entry = await self._take(chat_id, kind)
        entry[0] = self._clock()

    @contextlib.asynccontextmanager
    async def slot(self, chat_id: int, kind: ChatKind) -> AsyncIterator[None]:
        """``acquire``, then send inside the block: the send counts until its answer arrives.

        Telegram counts a message when the request reaches it, somewhere between our start and its
        answer; counting it until the answer keeps slow requests (new connections) from bunching. The
        chat's own window is spaced from the answer too: a first request that took 0.6 s to arrive and a
        fourth that arrived at once are 0.45 s apart at Telegram although they left 1.05 s apart."""
        entry = await self._take(chat_id, kind)
        try:
            yield
        finally:
            entry[0] = answered = self._clock()
            self._bucket(chat_id, kind).settle(answered)

    async def _take(self, chat_id: int, kind: ChatKind) -> list[float]:
        """Wait for every limit; returns the send's window entry (``[inf]`` while in flight)."""
        bucket = self._bucket(chat_id, kind)
        while True:
            await self._sleep_until(bucket.ready_at(self._clock()))
            await self._sleep_until(self._reserve_global())
            await self._within_window()
            now = self._clock()
            if now >= self._blocked_until and bucket.ready_at(now) <= now:
                entry = [math.inf]
                self._recent.append(entry)
                bucket.commit(now)
                return entry

    async def _within_window(self) -> None:
        """Wait while a full second's worth of sends went out (or are in flight) in the last second.

        The global slots are evenly spaced, but a busy event loop can wake several senders late and
        together; Telegram counts actual messages per second, so this checks actual send times too."""
        while True:
            horizon = self._clock() - 1.0
            while self._recent and self._recent[0][0] <= horizon:
                self._recent.popleft()
            if sum(1 for (end,) in self._recent if end > horizon) < self._per_window:
                return
            ends = [end for (end,) in self._recent if horizon < end < math.inf]
            await self._sleep(min(ends) - horizon + 1e-4 if ends else 0.01)  # epsilon: progress

    def penalize(self, chat_id: int | None, seconds: float) -> None:
        """Telegram said "retry after ``seconds``": hold back that chat, or everything (``None``)."""
        until = self._clock() + max(0.0, seconds)
        if chat_id is None:
            self._blocked_until = max(self._blocked_until, until)
        else:
            self._chats.setdefault(chat_id, Bucket(*self._private)).block_until(until)
        logger.info("pacer_penalized chat=%s seconds=%s", chat_id, seconds)

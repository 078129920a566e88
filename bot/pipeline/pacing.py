"""Pacing under Telegram's flood limits: one bucket for the whole bot, one per chat.

Each bucket is a token bucket in its GCRA form (a "theoretical arrival time" plus a burst tolerance), so a
waiting sender knows exactly how long to sleep and no coroutine spins. Chats whose own window is open queue
for the global bucket; only the head of that queue sleeps until the next slot, so hundreds of chats waiting
at once wake one by one, not as a herd. The queue serves first the chat with the longest chain still ahead
(a group's four alerts need 9 s of its own window, a private chat's one alert none): the slow chains start
first, so the last seconds of a backlog are not left to them alone; a waiter is overtaken only by chats
that arrived less than ``CHAIN_PRIORITY_CAP`` seconds after it. A sliding one-second window over the
actual send times then catches senders that a busy event loop woke late together.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import math
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from time import monotonic

from feeds.models import ChatKind

logger = logging.getLogger(__name__)

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

_PRUNE_AT = 10_000
CHAIN_PRIORITY_CAP = 10.0  # seconds of a chat's remaining chain counted as priority (bounds the overtaking)


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

    def chain(self, now: float, messages: int) -> float:
        """Seconds from ``now`` until the last of ``messages`` sends conforms, sent as early as allowed."""
        return max(0.0, max(self.tat, now) + (messages - 1) * self.interval - self.tolerance - now)


@dataclass(order=True)
class _Waiter:
    """A chat queued for the global bucket: lower ``key`` first (arrival minus its chain), then FIFO."""

    key: float
    seq: int
    arrived: float = field(compare=False)
    turn: asyncio.Future[None] | None = field(default=None, compare=False)

    def wake(self) -> None:
        if self.turn is not None and not self.turn.done():
            self.turn.set_result(None)


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
        self._queue: list[_Waiter] = []  # heap: chats whose own window is open, waiting for a global slot
        self._seq = itertools.count()
        self._resting = 0
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

    @property
    def resting(self) -> int:
        """Senders now waiting out their own chat's window (they need no global slot before it ends)."""
        return self._resting

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

    async def _rest_until(self, at: float) -> None:
        if at > self._clock():
            self._resting += 1
            try:
                await self._sleep_until(at)
            finally:
                self._resting -= 1

    async def _global_turn(self, chain: float) -> None:
        """Queue for the global bucket and return once this chat holds the next slot (counted at once).

        Only the head of the queue sleeps on the clock; the others wait until a departing head wakes
        theirs. A slot counts from when it was due, not from when a late-woken head noticed it."""
        now = self._clock()
        waiter = _Waiter(now - min(chain, CHAIN_PRIORITY_CAP), next(self._seq), now)
        heapq.heappush(self._queue, waiter)
        try:
            while True:
                if self._queue[0] is waiter:
                    at = max(self._global.tat, waiter.arrived, self._blocked_until)
                    if at <= self._clock():
                        heapq.heappop(self._queue)
                        self._global.commit(at)
                        if self._queue:
                            self._queue[0].wake()
                        return
                    await self._sleep_until(at)
                else:
                    waiter.turn = asyncio.get_running_loop().create_future()
                    await waiter.turn
        except BaseException:
            if waiter in self._queue:  # cancelled while queued: leave, and let the next head know
                self._queue.remove(waiter)
                heapq.heapify(self._queue)
                if self._queue:
                    self._queue[0].wake()
            raise

    async def acquire(self, chat_id: int, kind: ChatKind, remaining: int = 1) -> None:
        """Wait until one message to ``chat_id`` is within every limit, and count it as sent now.

        Meant for one in-flight sender per chat (the sender keeps each chat's alerts in order);
        ``remaining`` is how many messages the chat has still to send, this one included."""
        entry = await self._take(chat_id, kind, remaining)
        entry[0] = self._clock()

    @contextlib.asynccontextmanager
    async def slot(self, chat_id: int, kind: ChatKind, remaining: int = 1) -> AsyncIterator[None]:
        """``acquire``, then send inside the block: the send counts until its answer arrives.

        Telegram counts a message when the request reaches it, somewhere between our start and its
        answer; counting it until the answer keeps slow requests (new connections) from bunching. The
        chat's own window is spaced from the answer too: a first request that took 0.6 s to arrive and a
        fourth that arrived at once are 0.45 s apart at Telegram although they left 1.05 s apart."""
        entry = await self._take(chat_id, kind, remaining)
        try:
            yield
        finally:
            entry[0] = answered = self._clock()
            self._bucket(chat_id, kind).settle(answered)

    async def _take(self, chat_id: int, kind: ChatKind, remaining: int) -> list[float]:
        """Wait for every limit; returns the send's window entry (``[inf]`` while in flight)."""
        bucket = self._bucket(chat_id, kind)
        while True:
            await self._rest_until(bucket.ready_at(self._clock()))
            await self._global_turn(bucket.chain(self._clock(), remaining))
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

"""Flood control per chat: a chat that sends too much at once gets one warning, then a short silence.

Counted when an update arrives (not when it is answered, since answers are paced): more than ``limit``
updates within ``window`` seconds, and the chat hears "slow down" once and is ignored for ``cooldown``
seconds; after that it starts afresh. Time comes from an injected clock.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from enum import Enum
from time import monotonic

logger = logging.getLogger(__name__)

_PRUNE_AT = 10_000


class Verdict(Enum):
    """What to do with one update of a chat."""

    ANSWER = "answer"
    WARN = "warn"  # the one "slow down" answer instead of this update's
    IGNORE = "ignore"  # cooling down: drop it


class FloodGuard:
    """Counts each chat's updates over a sliding window; see the module docstring."""

    def __init__(
        self,
        *,
        limit: int = 20,
        window: float = 10.0,
        cooldown: float = 30.0,
        clock: Callable[[], float] = monotonic,
    ) -> None:
        if limit < 1 or window <= 0 or cooldown <= 0:
            raise ValueError("limit must be >= 1, window and cooldown > 0")
        self.limit = limit
        self.window = window
        self.cooldown = cooldown
        self._clock = clock
        self._seen: dict[int, deque[float]] = {}
        self._cooling: dict[int, float] = {}  # chat -> ignored until

    def check(self, chat_id: int) -> Verdict:
        """Count one update of ``chat_id`` now and say what to do with it."""
        now = self._clock()
        until = self._cooling.get(chat_id)
        if until is not None:
            if now < until:
                return Verdict.IGNORE
            del self._cooling[chat_id]
            self._seen.pop(chat_id, None)
        if len(self._seen) >= _PRUNE_AT:
            self._prune(now)
        seen = self._seen.setdefault(chat_id, deque())
        while seen and seen[0] <= now - self.window:
            seen.popleft()
        if len(seen) >= self.limit:
            self._cooling[chat_id] = now + self.cooldown
            del self._seen[chat_id]
            logger.info(
                "chat_flooding chat=%s limit=%s window=%s cooldown=%s",
                chat_id,
                self.limit,
                self.window,
                self.cooldown,
            )
            return Verdict.WARN
        seen.append(now)
        return Verdict.ANSWER

    def _prune(self, now: float) -> None:
        horizon = now - self.window
        self._seen = {chat: seen for chat, seen in self._seen.items() if seen and seen[-1] > horizon}
        self._cooling = {chat: until for chat, until in self._cooling.items() if until > now}

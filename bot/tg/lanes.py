"""Updates of different chats are handled concurrently, each chat's in the order they arrived.

A python-telegram-bot update processor with one lane (a FIFO lock) per chat: one chat waiting out its
pacing never holds up another chat. ``admit`` sees every update the moment it arrives (before its lane)
and returns what to run for it: its handlers, something else (a flood warning), or a no-op.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

Work = Coroutine[Any, Any, Any]
Admit = Callable[[object, Work], Work]

MAX_CONCURRENT_UPDATES = 256


def lane_key(update: object) -> int | None:
    """The chat an update belongs to (the user for a button under an inline message); None: no lane."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user is not None else None


class ChatLanes(BaseUpdateProcessor):
    """Concurrent across chats, ordered within a chat; see the module docstring."""

    def __init__(self, admit: Admit | None = None, max_concurrent_updates: int = MAX_CONCURRENT_UPDATES):
        super().__init__(max_concurrent_updates)
        self._admit = admit
        self._lanes: dict[int, asyncio.Lock] = {}
        self._queued: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the update's work in its chat's lane, after every earlier update of that chat."""
        work: Awaitable[Any] = coroutine
        if self._admit is not None and asyncio.iscoroutine(coroutine):
            work = self._admit(update, coroutine)
        key = lane_key(update)
        if key is None:
            await work
            return
        lane = self._lanes.setdefault(key, asyncio.Lock())
        self._queued[key] = self._queued.get(key, 0) + 1
        try:
            async with lane:
                await work
        finally:
            self._queued[key] -= 1
            if not self._queued[key]:
                del self._queued[key]
                with contextlib.suppress(KeyError):
                    del self._lanes[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down (the application waits for running updates itself)."""

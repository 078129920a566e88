"""The bot role's leadership: one process long-polls Telegram at a time.

The leader holds the database's ``bot`` lock (a PostgreSQL session advisory lock; a file lock on SQLite,
where there is one process anyway). Other ``bot`` processes wait as hot standbys and retry every few
seconds; when the leader dies — even by ``kill -9`` — its session ends, the lock is free, and a standby
takes over. A leader that loses its database session (a server restart) stops polling at once and
competes again, so two processes never poll together (Telegram would answer 409 Conflict).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.offload import off_loop
from bot.ops.readiness import Readiness
from bot.tg.frontend import TelegramFrontend
from storage.store import InstanceLock, InstanceLockedError, Store, StoreUnavailableError

logger = logging.getLogger(__name__)

STANDBY_RETRY_SECONDS = 5.0
LEADER_CHECK_SECONDS = 5.0


class BotLeadership:
    """Runs the bot role: wait for the ``bot`` lock, long-poll while holding it."""

    def __init__(
        self,
        store: Store,
        frontend: TelegramFrontend,
        stop: asyncio.Event,
        readiness: Readiness | None = None,
        *,
        retry: float = STANDBY_RETRY_SECONDS,
    ) -> None:
        self._store = store
        self._frontend = frontend
        self._stop = stop
        self._readiness = readiness
        self._retry = retry
        self.leading = False
        self.refused_token = False

    async def run(self) -> None:
        """Lead whenever the lock can be had, until ``stop``."""
        while not self._stop.is_set():
            lock = await self._acquire()
            if lock is None:
                return
            try:
                await self._lead(lock)
            finally:
                self.leading = False
                await self._frontend.stop_polling()
                with contextlib.suppress(Exception):
                    await off_loop(lock.release)

    async def _acquire(self) -> InstanceLock | None:
        said = False
        while not self._stop.is_set():
            try:
                return await off_loop(self._store.lock_instance, "bot")
            except InstanceLockedError:
                if not said:
                    logger.info("bot_standby another process long-polls Telegram; taking over when it stops")
                    said = True
            except StoreUnavailableError as exc:
                logger.warning("bot_leadership_unavailable error=%s", exc)
            if self._readiness is not None:
                self._readiness.beat("bot")  # a standby is ready too: it is waiting as it should
            await self._wait(self._retry)
        return None

    async def _lead(self, lock: InstanceLock) -> None:
        await self._frontend.start_polling()
        self.leading = True
        logger.info("bot_leader long polling Telegram")
        while not self._stop.is_set():
            if self._readiness is not None:
                self._readiness.beat("bot")
            await self._wait(LEADER_CHECK_SECONDS)
            if not self._stop.is_set() and not await off_loop(lock.is_held):
                logger.warning("bot_leadership_lost the database session ended; polling stopped")
                return

    async def _wait(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), seconds)

"""The HTTP layer under python-telegram-bot: quiet about non-JSON answers, watchful for a refused token.

A Telegram 502 page is not JSON: the library would log a traceback for it before raising its one-line
error; here it just raises. A 401 while running means the token was revoked: ``TokenWatch`` logs that
once and stops the process (which then exits 2); the long poll answers "no updates" from then on, so the
library's polling loop neither dies with a traceback nor spins.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from telegram._utils.types import JSONDict, ODVInput
from telegram.error import TelegramError
from telegram.request import BaseRequest, HTTPXRequest, RequestData

logger = logging.getLogger(__name__)

_NO_UPDATES = b'{"ok": true, "result": []}'
REFUSED_POLL_PAUSE = 1.0  # seconds a refused long poll waits before answering "no updates"


class TokenWatch:
    """Notices Telegram refusing the token once the bot runs: logs one line, calls ``on_refused`` once."""

    def __init__(self, on_refused: Callable[[], None] = lambda: None) -> None:
        self._on_refused = on_refused
        self.armed = False  # at start a refusal is a start-up error, reported by the command line
        self.refused = False

    def report(self, method: str) -> None:
        """Telegram answered 401 to ``method``."""
        if not self.armed or self.refused:
            return
        self.refused = True
        logger.error("telegram_token_refused method=%s: Telegram no longer accepts the token", method)
        self._on_refused()


class WatchedRequest(HTTPXRequest):
    """``HTTPXRequest`` that reports 401 answers to a ``TokenWatch`` and parses JSON without logging."""

    def __init__(self, watch: TokenWatch, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._watch = watch

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """The answer of one call; after a refusal of the token, a long poll answers "no updates"."""
        code, payload = await super().do_request(
            url, method, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout
        )
        if code == HTTPStatus.UNAUTHORIZED and self._watch.armed:
            endpoint = url.rsplit("/", 1)[-1]
            self._watch.report(endpoint)
            if endpoint.lower() == "getupdates":
                await asyncio.sleep(REFUSED_POLL_PAUSE)
                return HTTPStatus.OK, _NO_UPDATES
        return code, payload

    @staticmethod
    def parse_json_payload(payload: bytes) -> JSONDict:
        """The JSON answer; a non-JSON one (a proxy's HTML error page) raises without a logged traceback."""
        try:
            parsed: JSONDict = json.loads(payload.decode("utf-8", "replace"))
        except ValueError:
            raise TelegramError("Invalid server response") from None
        return parsed

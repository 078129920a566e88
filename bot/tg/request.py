"""The HTTP layer under python-telegram-bot: every Bot API call counted, quiet about non-JSON answers,
watchful for a refused token.

``CountingRequest`` records ``wirewatch_telegram_requests_total{method,result}``: the method is the last
segment of the URL (never the token before it); results are ``ok``, ``retry_after`` (429), ``forbidden``
(403), ``bad_request`` (400), ``network`` (no answer, a timeout, or a 5xx) and ``error`` (anything else).
``on_ok`` hears the method of every call Telegram answered with 200 (readiness beats on ``getUpdates``).

``WatchedRequest`` adds: a Telegram 502 page is not JSON — the library would log a traceback for it before
raising its one-line error; here it just raises. A 401 while running means the token was revoked:
``TokenWatch`` logs that once and stops the process (which then exits 2); the long poll answers "no
updates" from then on, so the library's polling loop neither dies with a traceback nor spins.
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

from bot.ops.metrics import Metrics

logger = logging.getLogger(__name__)

OnOk = Callable[[str], None]


def api_method(url: str, http_method: str) -> str:
    """The Bot API method of a request URL (``…/bot<token>/sendMessage`` → ``sendMessage``)."""
    if http_method != "POST":
        return "download"  # file downloads: the URL path is a file path, not a method
    return url.rstrip("/").rsplit("/", 1)[-1]


def result_of(status_code: int) -> str:
    """The ``result`` label of an HTTP answer from the Bot API."""
    if status_code == 200:
        return "ok"
    if status_code >= 500:
        return "network"
    return {429: "retry_after", 403: "forbidden", 400: "bad_request"}.get(status_code, "error")


class CountingRequest(HTTPXRequest):
    """An ``HTTPXRequest`` that records each call's method and result in ``metrics``."""

    def __init__(self, metrics: Metrics, on_ok: OnOk | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._metrics = metrics
        self._on_ok = on_ok

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = HTTPXRequest.DEFAULT_NONE,
        write_timeout: Any = HTTPXRequest.DEFAULT_NONE,
        connect_timeout: Any = HTTPXRequest.DEFAULT_NONE,
        pool_timeout: Any = HTTPXRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send as ``HTTPXRequest`` does; count the answer (or the network failure)."""
        api = api_method(url, method)
        try:
            code, payload = await super().do_request(
                url,
                method,
                request_data,
                read_timeout=read_timeout,
                write_timeout=write_timeout,
                connect_timeout=connect_timeout,
                pool_timeout=pool_timeout,
            )
        except TelegramError:  # NetworkError, TimedOut: no answer from Telegram
            self._metrics.telegram_request(api, "network")
            raise
        self._metrics.telegram_request(api, result_of(code))
        if code == 200 and self._on_ok is not None:
            try:
                self._on_ok(api)
            except Exception:
                logger.exception("telegram_on_ok_failed method=%s", api)
        return code, payload


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


class WatchedRequest(CountingRequest):
    """A counting request that reports 401 answers to a ``TokenWatch`` and parses JSON without logging."""

    def __init__(self, watch: TokenWatch, metrics: Metrics, on_ok: OnOk | None = None, **kwargs: Any) -> None:
        super().__init__(metrics, on_ok, **kwargs)
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

"""Every Bot API call counted: python-telegram-bot's ``HTTPXRequest`` with a method/result tap.

``CountingRequest`` is given to the ``Application`` for ordinary calls and for ``getUpdates``, so the
deliver transport, the chat replies and the long poll are all counted in
``wirewatch_telegram_requests_total{method,result}``. The method is the last segment of the URL (never the
token before it); results are ``ok``, ``retry_after`` (429), ``forbidden`` (403), ``bad_request`` (400),
``network`` (no answer, a timeout, or a 5xx) and ``error`` (anything else, e.g. 401/404 for a bad token).
``on_ok`` hears the method of every call Telegram answered with 200 (readiness beats on ``getUpdates``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from telegram.error import TelegramError
from telegram.request import HTTPXRequest, RequestData

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

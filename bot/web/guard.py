"""The Mini App's gate, as aiohttp middlewares: security headers on every answer, JSON errors, bodies of at
most 16 KB, and per API call Telegram's init data checked (401), the chat allowed (403) and at most 60
calls a minute per user (429)."""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from aiohttp import web

from bot.chat.i18n import N_, Translator, translator
from bot.web.initdata import InitDataError, WebAppUser, validate_init_data

logger = logging.getLogger(__name__)

UNAUTHORIZED = N_("Open this page again from the bot's menu.")
TOO_LARGE = N_("The request is too large.")
INIT_DATA_HEADER = "X-Telegram-Init-Data"
MAX_BODY = 16 * 1024
CALLS_PER_MINUTE = 60
TELEGRAM_SCRIPT = "https://telegram.org/js/telegram-web-app.js"
CSP = (
    "default-src 'none'; script-src 'self' https://telegram.org; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'self' https://web.telegram.org https://webk.telegram.org https://webz.telegram.org"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
TRANSLATOR = web.RequestKey("translator", Translator)  # the user's translator, once known
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ApiError(Exception):
    """An answer other than success: HTTP status, a stable code and the message for the user — a msgid
    translated on the way out, or (``translated``) text already in the user's language."""

    def __init__(self, status: int, code: str, message: str, *, translated: bool = False) -> None:
        super().__init__(code)
        self.status, self.code, self.message, self.translated = status, code, message, translated

    def text(self, t: Translator) -> str:
        message = self.message
        return message if self.translated else t.gettext(message)


def error_response(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": code, "message": message}, status=status)


class RateLimit:
    """At most ``limit`` calls per ``window`` seconds per key (one process's count; ``clock``: monotonic)."""

    def __init__(
        self, limit: int = CALLS_PER_MINUTE, window: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._limit, self._window, self._clock = limit, window, clock
        self._calls: dict[int, deque[float]] = {}

    def allow(self, key: int) -> bool:
        now = self._clock()
        calls = self._calls.setdefault(key, deque())
        while calls and calls[0] <= now - self._window:
            calls.popleft()
        if len(calls) >= self._limit:
            return False
        calls.append(now)
        if len(self._calls) > 10_000:  # forget idle users
            self._calls = {k: v for k, v in self._calls.items() if v and v[-1] > now - self._window}
        return True


def authenticate(
    request: web.Request,
    token: str,
    max_age: timedelta,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> WebAppUser:
    """The user of the request's init data; ``ApiError`` 401 when it is missing, forged or stale."""
    try:
        return validate_init_data(request.headers.get(INIT_DATA_HEADER, ""), token, max_age, clock())
    except InitDataError as exc:
        logger.info("webapp_unauthorized path=%s reason=%s", request.path, exc)
        raise ApiError(401, "unauthorized", UNAUTHORIZED) from None


@web.middleware
async def secure(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Security headers on every answer; errors as JSON ``{"error", "message"}``; no body over 16 KB."""
    try:
        if (request.content_length or 0) > MAX_BODY:
            raise ApiError(413, "too_large", TOO_LARGE)
        response = await handler(request)
    except ApiError as exc:
        t: Translator = request.get(TRANSLATOR) or translator()
        response = error_response(exc.status, exc.code, exc.text(t))
    except web.HTTPRequestEntityTooLarge:
        response = error_response(413, "too_large", translator().gettext(TOO_LARGE))
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        response = error_response(exc.status, exc.reason.lower().replace(" ", "_"), exc.reason)
    response.headers.update(HEADERS)
    return response

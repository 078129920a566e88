"""Telegram's errors at start, as the one line and exit code the command line shows (never the token)."""

from __future__ import annotations

from telegram.error import InvalidToken, TelegramError

from feeds.urls import mask_url

EXIT_CONFIG = 2
EXIT_TELEGRAM = 4
_UNPARSED = ". Parsing the server response"  # python-telegram-bot's words before quoting a non-JSON body


def startup_failure(exc: BaseException, api_base_url: str) -> tuple[int, str] | None:
    """(exit code, message) for a Telegram error raised while starting, naming the URL that failed (its
    password masked; the token is never part of it); None for any other exception."""
    if isinstance(exc, InvalidToken):
        return EXIT_CONFIG, "config error: telegram.token: Telegram does not accept this token"
    if isinstance(exc, TelegramError):
        reason = str(exc).split(_UNPARSED, 1)[0]  # not the proxy's whole HTML error page
        return EXIT_TELEGRAM, f"Telegram unavailable at {mask_url(api_base_url)}: {reason}"
    return None

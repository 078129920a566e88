"""Telegram's errors at start, as the one line and exit code the command line shows (never the token)."""

from __future__ import annotations

from telegram.error import InvalidToken, TelegramError

EXIT_CONFIG = 2
EXIT_TELEGRAM = 4


def startup_failure(exc: BaseException) -> tuple[int, str] | None:
    """(exit code, message) for a Telegram error raised while starting; None for any other exception."""
    if isinstance(exc, InvalidToken):
        return EXIT_CONFIG, "config error: telegram.token: Telegram does not accept this token"
    if isinstance(exc, TelegramError):
        return EXIT_TELEGRAM, f"Telegram unavailable: {exc}"
    return None

"""Where rendered alerts go: Telegram (through python-telegram-bot) or a text stream for the console.

A transport never raises for Telegram's answers: it returns a ``SendResult`` that says what happened, and the
sender decides (mark sent, wait and retry, deactivate the chat, follow a migration, resend as plain text).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Protocol, TextIO

import telegram
from telegram import LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.render import html_to_terminal

logger = logging.getLogger(__name__)

_CHAT_GONE = ("chat not found", "user is deactivated", "bot was kicked", "peer_id_invalid", "group chat was")
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
_BAD_MARKUP = (
    "can't parse entities",
    "unsupported start tag",
    "message is too long",
    "text must be non-empty",
)


@dataclass(frozen=True, slots=True)
class SendResult:
    """What Telegram answered to one send.

    ``ok``: delivered. Otherwise exactly one reason is set: ``retry_after`` (429: wait that many seconds,
    then send the same message again), ``blocked`` (403 or the chat is gone: stop sending to it),
    ``migrated_to`` (the group is now this supergroup id: resend there), ``bad_markup`` (400 about our
    HTML: resend as plain text), ``transient`` (timeout, network error, 5xx: retry later with backoff).
    ``error`` carries Telegram's description for logs; a result with no reason set is a permanent error.
    ``used_fallback``: the HTML was refused and the plain-text fallback was sent instead (this result).
    """

    ok: bool
    retry_after: float | None = None
    blocked: bool = False
    migrated_to: int | None = None
    transient: bool = False
    bad_markup: bool = False
    error: str | None = None
    used_fallback: bool = False


SENT = SendResult(ok=True)


class Transport(Protocol):
    """Sends one HTML message to one chat."""

    async def send_html(
        self, chat_id: int, html: str, *, plain_text_fallback: str | None = None
    ) -> SendResult: ...


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def classify_error(exc: TelegramError) -> SendResult:
    """Map a python-telegram-bot exception to a ``SendResult``."""
    text = str(exc)
    if isinstance(exc, RetryAfter):
        with warnings.catch_warnings():  # PTB 22 warns about the int -> timedelta migration
            warnings.simplefilter("ignore")
            return SendResult(ok=False, retry_after=_seconds(exc.retry_after), error=text)
    if isinstance(exc, ChatMigrated):
        return SendResult(ok=False, migrated_to=int(exc.new_chat_id), error=text)
    if isinstance(exc, Forbidden):
        return SendResult(ok=False, blocked=True, error=text)
    if isinstance(exc, BadRequest):
        lowered = text.lower()
        if any(marker in lowered for marker in _CHAT_GONE):
            return SendResult(ok=False, blocked=True, error=text)
        if any(marker in lowered for marker in _BAD_MARKUP):
            return SendResult(ok=False, bad_markup=True, error=text)
        return SendResult(ok=False, error=text)
    if isinstance(exc, NetworkError):  # also TimedOut and PTB's mapping of 5xx answers
        return SendResult(ok=False, transient=True, error=text)
    return SendResult(ok=False, error=text)


class TelegramTransport:
    """Sends through ``telegram.Bot.send_message`` in HTML mode with link previews off."""

    def __init__(self, bot: telegram.Bot) -> None:
        self._bot = bot

    async def send_html(
        self, chat_id: int, html: str, *, plain_text_fallback: str | None = None
    ) -> SendResult:
        """Send ``html``; if Telegram rejects the markup and a fallback is given, send that as plain text."""
        result = await self._send(chat_id, html, ParseMode.HTML)
        if result.bad_markup and plain_text_fallback is not None:
            logger.warning("telegram_markup_rejected chat=%s error=%s", chat_id, result.error)
            fallback = await self._send(chat_id, plain_text_fallback, None)
            return replace(fallback, used_fallback=True)
        return result

    async def _send(self, chat_id: int, text: str, parse_mode: ParseMode | None) -> SendResult:
        try:
            await self._bot.send_message(
                chat_id, text, parse_mode=parse_mode, link_preview_options=_NO_PREVIEW
            )
        except TelegramError as exc:
            result = classify_error(exc)
            logger.info("telegram_send_failed chat=%s error=%s", chat_id, result.error)
            return result
        return SENT


class ConsoleTransport:
    """Prints each message as terminal text to ``out`` (for ``wirewatch console`` and the demo)."""

    def __init__(self, out: TextIO, chat_label: Callable[[int], str] | None = None) -> None:
        self._out = out
        self._label = chat_label or (lambda chat_id: f"chat {chat_id}")

    async def send_html(
        self, chat_id: int, html: str, *, plain_text_fallback: str | None = None
    ) -> SendResult:
        """Write the message as terminal text, headed by the chat label; always succeeds."""
        text = html_to_terminal(html)
        self._out.write(f"── to {self._label(chat_id)} ──\n{text}\n\n")
        self._out.flush()
        return SENT

"""The Telegram transport of the deliver stage: python-telegram-bot's answers mapped to ``SendResult``."""

from __future__ import annotations

import logging
import warnings
from dataclasses import replace
from datetime import timedelta

import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, LinkPreviewOptions, WebAppInfo
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.chat.buttons import Keyboard
from bot.chat.replies import Button
from bot.pipeline.transport import SENT, SendResult

logger = logging.getLogger(__name__)

_CHAT_GONE = ("chat not found", "user is deactivated", "bot was kicked", "peer_id_invalid", "group chat was")
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
_BAD_MARKUP = (
    "can't parse entities",
    "unsupported start tag",
    "message is too long",
    "text must be non-empty",
)


def inline_keyboard(buttons: Keyboard) -> InlineKeyboardMarkup | None:
    """Rows of ``Button`` as Telegram's inline keyboard (None: no buttons)."""
    if not buttons:
        return None
    return InlineKeyboardMarkup([[inline_button(b) for b in row] for row in buttons])


def inline_button(button: Button) -> InlineKeyboardButton:
    """One ``Button``: a callback button, one that opens a Mini App, or a link."""
    if button.web_app is not None:
        return InlineKeyboardButton(button.text, web_app=WebAppInfo(button.web_app))
    if button.url is not None:
        return InlineKeyboardButton(button.text, url=button.url)
    return InlineKeyboardButton(button.text, callback_data=button.data)


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
    if isinstance(exc, InvalidToken):
        return SendResult(ok=False, token_refused=True, error=text)
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
        self, chat_id: int, html: str, *, plain_text_fallback: str | None = None, buttons: Keyboard = ()
    ) -> SendResult:
        """Send ``html`` with its buttons; if Telegram rejects the markup and a fallback is given, send that
        as plain text."""
        markup = inline_keyboard(buttons)
        result = await self._send(chat_id, html, ParseMode.HTML, markup)
        if result.bad_markup and plain_text_fallback is not None:
            logger.warning("telegram_markup_rejected chat=%s error=%s", chat_id, result.error)
            fallback = await self._send(chat_id, plain_text_fallback, None, markup)
            return replace(fallback, used_fallback=True)
        return result

    async def send_photo(self, chat_id: int, photo: bytes, filename: str, caption_html: str) -> SendResult:
        """sendPhoto with an HTML caption."""
        try:
            await self._bot.send_photo(
                chat_id, InputFile(photo, filename=filename), caption=caption_html, parse_mode=ParseMode.HTML
            )
        except TelegramError as exc:
            result = classify_error(exc)
            logger.info("telegram_photo_failed chat=%s error=%s", chat_id, result.error)
            return result
        return SENT

    async def _send(
        self, chat_id: int, text: str, parse_mode: ParseMode | None, markup: InlineKeyboardMarkup | None
    ) -> SendResult:
        try:
            await self._bot.send_message(
                chat_id, text, parse_mode=parse_mode, link_preview_options=_NO_PREVIEW, reply_markup=markup
            )
        except TelegramError as exc:
            result = classify_error(exc)
            logger.info("telegram_send_failed chat=%s error=%s", chat_id, result.error)
            return result
        return SENT

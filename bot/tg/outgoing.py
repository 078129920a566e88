"""Replies to chats, under the same ``Pacer`` as the alerts: both count against Telegram's limits.

A 429 slows the chat down in the pacer (so alerts to it wait too) and the reply goes again; HTML that
Telegram refuses goes again as plain text.
"""

from __future__ import annotations

import logging
import warnings
from datetime import timedelta

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    LinkPreviewOptions,
    Message,
    ReplyParameters,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, RetryAfter

from bot.chat.render import html_to_plain
from bot.chat.replies import Attachment, Reply
from bot.pipeline.pacing import Pacer
from feeds.models import ChatKind

logger = logging.getLogger(__name__)

_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
ATTEMPTS = 3


def markup(reply: Reply) -> InlineKeyboardMarkup | None:
    """The reply's buttons as Telegram's inline keyboard."""
    if not reply.buttons:
        return None
    rows = [[InlineKeyboardButton(b.text, callback_data=b.data) for b in row] for row in reply.buttons]
    return InlineKeyboardMarkup(rows)


def reply_parameters(reply: Reply) -> ReplyParameters | None:
    """Send as a reply to ``reply.reply_to`` (still sent when that message is gone)."""
    if reply.reply_to is None:
        return None
    return ReplyParameters(reply.reply_to, allow_sending_without_reply=True)


def _seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns about the int -> timedelta migration
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class ReplySender:
    """Sends and edits replies through a shared ``Pacer``."""

    def __init__(self, bot: Bot, pacer: Pacer) -> None:
        self._bot = bot
        self._pacer = pacer

    async def send(self, chat_id: int, kind: ChatKind, reply: Reply) -> None:
        """Send ``reply`` (HTML, plain text if Telegram rejects the HTML); 429s are waited out, paced."""
        html: str | None = reply.html
        for attempt in range(1, ATTEMPTS + 1):
            try:
                async with self._pacer.slot(chat_id, kind):
                    if reply.attachment is not None:
                        await self._send_attachment(
                            chat_id, reply, reply.attachment, as_html=html is not None
                        )
                    elif html is None:
                        plain = html_to_plain(reply.html)
                        await self._bot.send_message(
                            chat_id,
                            plain,
                            reply_markup=markup(reply),
                            reply_parameters=reply_parameters(reply),
                        )
                    else:
                        await self._bot.send_message(
                            chat_id,
                            html,
                            parse_mode=ParseMode.HTML,
                            link_preview_options=_NO_PREVIEW,
                            reply_markup=markup(reply),
                            reply_parameters=reply_parameters(reply),
                        )
                return
            except RetryAfter as exc:
                if attempt == ATTEMPTS:
                    raise
                self._pacer.penalize(chat_id, _seconds(exc))
            except BadRequest as exc:
                if html is None or "parse entities" not in str(exc).lower():
                    raise
                logger.warning("reply_markup_rejected chat=%s error=%s", chat_id, exc)
                html = None

    async def _send_attachment(
        self, chat_id: int, reply: Reply, attachment: Attachment, *, as_html: bool
    ) -> None:
        """sendPhoto or sendDocument with the reply's HTML (or its plain text) as the caption."""
        upload = InputFile(attachment.data, filename=attachment.filename)
        send = self._bot.send_photo if attachment.kind == "photo" else self._bot.send_document
        caption, mode = (reply.html, ParseMode.HTML) if as_html else (html_to_plain(reply.html), None)
        await send(chat_id, upload, caption=caption, parse_mode=mode, reply_markup=markup(reply))

    async def edit(self, message: Message, kind: ChatKind, reply: Reply) -> None:
        """Replace ``message`` with ``reply`` (the refreshed /list under its buttons), paced."""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                async with self._pacer.slot(message.chat.id, kind):
                    await message.edit_text(reply.html, parse_mode=ParseMode.HTML, reply_markup=markup(reply))
                return
            except RetryAfter as exc:
                if attempt == ATTEMPTS:
                    raise
                self._pacer.penalize(message.chat.id, _seconds(exc))

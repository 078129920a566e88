"""The file a command replies to (``/import``'s OPML document), fetched from Telegram with a hard cap.

Telegram's ``file_size`` may be missing or wrong, so the download itself stops at the cap: no more than
``MAX_OPML_BYTES`` + one chunk is ever read. A failure (getFile refused, the download broken) is one log
line (the error's kind, never the file URL: it holds the bot token) and ``FileUnavailable`` for the chat.
"""

from __future__ import annotations

import logging

import httpx
from telegram import Bot, Message
from telegram.error import TelegramError

from bot.chat.replies import FileTooLarge, FileUnavailable
from feeds.opml import MAX_BYTES as MAX_OPML_BYTES

logger = logging.getLogger(__name__)

DOWNLOAD_TIMEOUT_SECONDS = 30.0


async def download_document(bot: Bot, message: Message | None) -> bytes | None:
    """The document of ``message`` (getFile, then the file download), None when it carries none;
    ``FileTooLarge`` past the OPML cap (as announced, or as read); ``FileUnavailable`` when Telegram
    does not hand it over."""
    document = message.document if message is not None else None
    if message is None or document is None:
        return None
    if document.file_size is not None and document.file_size > MAX_OPML_BYTES:
        raise FileTooLarge
    try:
        file = await bot.get_file(document.file_id)
        if file.file_size is not None and file.file_size > MAX_OPML_BYTES:
            raise FileTooLarge
        if not file.file_path:
            raise FileUnavailable
        return await read_capped(file.file_path, MAX_OPML_BYTES)
    except (TelegramError, httpx.HTTPError, FileUnavailable) as exc:
        logger.warning("document_download_failed chat=%s error=%s", message.chat.id, type(exc).__name__)
        raise FileUnavailable from None


async def read_capped(url: str, cap: int) -> bytes:
    """GET ``url``, reading at most ``cap`` bytes (``FileTooLarge`` past it, whatever the headers say)."""
    data = bytearray()
    async with (
        httpx.AsyncClient(timeout=DOWNLOAD_TIMEOUT_SECONDS) as client,
        client.stream("GET", url) as response,
    ):
        response.raise_for_status()
        async for chunk in response.aiter_bytes():
            data += chunk
            if len(data) > cap:
                raise FileTooLarge
    return bytes(data)

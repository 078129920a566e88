"""Where rendered alerts go, as the deliver stage sees it: a ``Transport`` that answers with a ``SendResult``.

A transport never raises for the messenger's answers: it returns a ``SendResult`` that says what happened,
and the deliver stage decides (mark sent, wait and retry, deactivate the chat, follow a migration). The
Telegram transport lives in the adapter (``bot.tg.transport``); the console's is here.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TextIO

from bot.chat.buttons import Keyboard
from bot.chat.render import html_to_terminal


@dataclass(frozen=True, slots=True)
class SendResult:
    """What Telegram answered to one send.

    ``ok``: delivered. Otherwise exactly one reason is set: ``retry_after`` (429: wait that many seconds,
    then send the same message again), ``blocked`` (403 or the chat is gone: stop sending to it),
    ``migrated_to`` (the group is now this supergroup id: resend there), ``bad_markup`` (400 about our
    HTML: resend as plain text), ``transient`` (timeout, network error, 5xx: retry later with backoff).
    ``error`` carries Telegram's description for logs; a result with no reason set is a permanent error.
    ``used_fallback``: the HTML was refused and the plain-text fallback was sent instead (this result).
    ``token_refused`` (401: the bot's token is no longer accepted): nothing is settled, the process stops.
    """

    ok: bool
    retry_after: float | None = None
    blocked: bool = False
    migrated_to: int | None = None
    transient: bool = False
    bad_markup: bool = False
    error: str | None = None
    used_fallback: bool = False
    token_refused: bool = False


SENT = SendResult(ok=True)


class Transport(Protocol):
    """Sends one HTML message to one chat, with optional rows of inline buttons."""

    async def send_html(
        self, chat_id: int, html: str, *, plain_text_fallback: str | None = None, buttons: Keyboard = ()
    ) -> SendResult: ...


class PhotoTransport(Protocol):
    """Sends one picture with an HTML caption to one chat (spike alerts)."""

    async def send_photo(
        self, chat_id: int, photo: bytes, filename: str, caption_html: str
    ) -> SendResult: ...


class ConsoleTransport:
    """Prints each message as terminal text to ``out`` (for ``wirewatch console`` and the demo)."""

    def __init__(
        self,
        out: TextIO,
        chat_label: Callable[[int], str] | None = None,
        files: Path | None = None,
        *,
        heading: Callable[[int], str] | None = None,
    ) -> None:
        """``heading`` (a chat id → the whole line, e.g. translated) wins over ``── to <chat_label> ──``."""
        self._out = out
        label = chat_label or (lambda chat_id: f"chat {chat_id}")
        self._heading = heading or (lambda chat_id: f"── to {label(chat_id)} ──")
        self._files = files or Path(tempfile.gettempdir()) / "wirewatch"

    async def send_html(
        self, chat_id: int, html: str, *, plain_text_fallback: str | None = None, buttons: Keyboard = ()
    ) -> SendResult:
        """Write the message as terminal text, headed by the chat label, buttons as ``[label]``; succeeds."""
        text = html_to_terminal(html)
        if buttons:
            text += "\n" + "\n".join("  ".join(f"[{b.text}]" for b in row) for row in buttons)
        self._out.write(f"{self._heading(chat_id)}\n{text}\n\n")
        self._out.flush()
        return SENT

    async def send_photo(self, chat_id: int, photo: bytes, filename: str, caption_html: str) -> SendResult:
        """Save the picture into the files folder and print its path above the caption."""
        self._files.mkdir(parents=True, exist_ok=True)
        stem, dot, suffix = filename.rpartition(".")
        handle, name = tempfile.mkstemp(
            prefix=f"{stem or 'photo'}-", suffix=f"{dot}{suffix}", dir=self._files
        )
        with os.fdopen(handle, "wb") as out:
            out.write(photo)
        text = html_to_terminal(caption_html)
        self._out.write(f"{self._heading(chat_id)}\n[photo: {name}]\n{text}\n\n")
        self._out.flush()
        return SENT

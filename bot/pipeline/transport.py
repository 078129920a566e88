"""Where rendered alerts go, as the deliver stage sees it: a ``Transport`` that answers with a ``SendResult``.

A transport never raises for the messenger's answers: it returns a ``SendResult`` that says what happened,
and the deliver stage decides (mark sent, wait and retry, deactivate the chat, follow a migration). The
Telegram transport lives in the adapter (``bot.tg.transport``); the console's is here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TextIO

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


class ConsoleTransport:
    """Prints each message as terminal text to ``out`` (for ``wirewatch console`` and the demo)."""

    def __init__(
        self,
        out: TextIO,
        chat_label: Callable[[int], str] | None = None,
        *,
        heading: Callable[[int], str] | None = None,
    ) -> None:
        """``heading`` (a chat id → the whole line, e.g. translated) wins over ``── to <chat_label> ──``."""
        self._out = out
        label = chat_label or (lambda chat_id: f"chat {chat_id}")
        self._heading = heading or (lambda chat_id: f"── to {label(chat_id)} ──")

    async def send_html(
        self, chat_id: int, html: str, *, plain_text_fallback: str | None = None
    ) -> SendResult:
        """Write the message as terminal text, headed by the chat label; always succeeds."""
        text = html_to_terminal(html)
        self._out.write(f"{self._heading(chat_id)}\n{text}\n\n")
        self._out.flush()
        return SENT

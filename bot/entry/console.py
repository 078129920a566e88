"""``wirewatch console``: the same chat as in Telegram, in the terminal; alerts print as they arrive."""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path
from typing import TextIO

from bot.chat.context import ChatContext
from bot.chat.i18n import Translator, translator
from bot.chat.language import resolve_language
from bot.chat.render import html_to_terminal
from bot.chat.replies import Attachment, Button, ButtonAnswer, Reply
from bot.chat.service import ChatService
from bot.entry.runtime import open_runtime
from bot.entry.stages import Outlet, build_stages, make_pacer
from bot.offload import off_loop
from bot.pipeline.supervisor import Supervisor
from bot.pipeline.transport import ConsoleTransport
from bot.settings import Settings
from feeds.models import ChatKind
from storage.db.engine import redact_url
from storage.store import Store

CONSOLE_CHAT_ID = 0
CONSOLE_CONTEXT = ChatContext(CONSOLE_CHAT_ID, ChatKind.CONSOLE, user_id=None)
PROMPT = "you> "
QUIT = {"/quit", "/exit", "quit", "exit"}
CONSOLE_ROLES = frozenset({"fetch", "match", "deliver"})  # the console itself is the chat's front end


def save_attachment(attachment: Attachment, folder: Path) -> Path:
    """Write a reply's file into ``folder`` (a fresh name each time); returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    stem, dot, suffix = attachment.filename.rpartition(".")
    handle, name = tempfile.mkstemp(prefix=f"{stem or 'file'}-", suffix=f"{dot}{suffix}", dir=folder)
    with os.fdopen(handle, "wb") as out:
        out.write(attachment.data)
    return Path(name)


def reply_as_text(reply: Reply, files: Path | None = None, t: Translator | None = None) -> str:
    """A reply as terminal text; a file is saved (into ``files``, else a temp folder) and its path shown;
    inline buttons become a hint line (in ``t``'s language)."""
    text = html_to_terminal(reply.html)
    if reply.attachment is not None:
        where = save_attachment(reply.attachment, files or Path(tempfile.gettempdir()) / "wirewatch")
        text = f"[{reply.attachment.kind}: {where}]\n{text}"
    buttons = [button.text for row in reply.buttons for button in row]
    if buttons:
        hint = (t or translator()).gettext(
            "(buttons: type the command instead, e.g. /unsubscribe ID or /lang en)"
        )
        text += "\n" + "  ".join(f"[{b}]" for b in buttons) + "\n" + hint
    return text


async def console_language(store: Store, language: str | None, default: str) -> Translator:
    """Give the console chat ``language`` (``--lang``) when set; the translator it is answered in."""
    if language is not None:
        await off_loop(store.touch_chat, CONSOLE_CHAT_ID, ChatKind.CONSOLE)
        await off_loop(store.set_chat_language, CONSOLE_CHAT_ID, language)
        return translator(language)
    chat = await off_loop(store.get_chat, CONSOLE_CHAT_ID)
    return translator(resolve_language(chat.language if chat else None, None, default))


class ConsoleChat:
    """Turns typed lines into chat-service calls and prints the answers."""

    def __init__(
        self, service: ChatService, out: TextIO, echo_input: bool = False, files: Path | None = None
    ) -> None:
        self._service = service
        self._out = out
        self._echo_input = echo_input
        self._files = files

    async def say(self, line: str) -> Reply:
        """Handle one typed line like a Telegram message and print the answer."""
        line = line.strip()
        if self._echo_input:
            self._out.write(f"{PROMPT}{line}\n")
        if line.startswith("/"):
            command, _, args = line[1:].partition(" ")
            reply = await self._service.handle(CONSOLE_CONTEXT, command.partition("@")[0], args)
        else:
            reply = await self._service.text(CONSOLE_CONTEXT, line)
        t = await self._service.translator_for(CONSOLE_CONTEXT) if reply.buttons else None
        self._out.write(reply_as_text(reply, self._files, t) + "\n\n")
        self._out.flush()
        return reply

    async def press(self, button: Button) -> ButtonAnswer:
        """Press an inline button of an answer, as Telegram would: print its notice and the message that
        replaces the one it was under."""
        if self._echo_input:
            self._out.write(f"{PROMPT}[{button.text}]\n")
        answer = await self._service.callback(CONSOLE_CONTEXT, button.data)
        edit = answer.edit
        if edit is None:
            self._out.write(f"({answer.notice})\n\n")
        else:
            t = await self._service.translator_for(CONSOLE_CONTEXT) if edit.buttons else None
            self._out.write(reply_as_text(edit, self._files, t) + "\n\n")
        self._out.flush()
        return answer


async def _read_lines(stdin: TextIO, chat: ConsoleChat, out: TextIO) -> None:
    while True:
        out.write(PROMPT)
        out.flush()
        line = await off_loop(stdin.readline)
        if not line or line.strip() in QUIT:
            return
        if line.strip():
            await chat.say(line)


async def run_console(settings: Settings, stdin: TextIO, out: TextIO, language: str | None = None) -> int:
    """Chat until end of input or /quit, with the fetch, match and deliver stages of ``run`` in the
    background, delivering to the terminal.

    ``language`` (``--lang``) becomes the console chat's language, as ``/lang`` would make it."""
    async with open_runtime(settings) as runtime:
        t = await console_language(runtime.store, language, settings.chat.default_language)
        chat = ConsoleChat(runtime.service, out)
        transport = ConsoleTransport(out, heading=lambda chat_id: t.gettext("── to you (alert) ──"))
        outlet = Outlet(transport, make_pacer(settings.delivery), (ChatKind.CONSOLE,))
        stages = build_stages(runtime, CONSOLE_ROLES, outlet)
        banner = t.ngettext(
            "Wirewatch console: %(count)s feed, database %(database)s",
            "Wirewatch console: %(count)s feeds, database %(database)s",
            len(settings.feeds),
            count=len(settings.feeds),
            database=redact_url(settings.database.url),
        )
        out.write(banner + "\n" + t.gettext("Type /help for commands, /quit to leave.") + "\n\n")
        stop = asyncio.Event()
        supervisor = Supervisor(stop)
        stages.start(supervisor, stop)
        try:
            await _read_lines(stdin, chat, out)
        finally:
            stop.set()
            await stages.stop(supervisor)
    return 0

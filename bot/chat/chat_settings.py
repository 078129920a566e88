"""The chat's own settings: /lang (with its buttons), /pause and /resume."""

from __future__ import annotations

from typing import ClassVar

from bot.chat.context import ButtonRoute, ChatContext, Command, chat_translator, refuse_unless_manager
from bot.chat.i18n import LANGUAGES, NATIVE_NAMES, translator
from bot.chat.language import parse_language_argument
from bot.chat.ports import SettingsStore
from bot.chat.replies import Button, Reply, echo, usage
from bot.offload import off_loop

LANGUAGE_PREFIX = "lang:"


class SettingsCommands:
    """The language a chat is answered in, and whether its alerts are paused."""

    def __init__(self, store: SettingsStore) -> None:
        self._store = store

    async def lang(self, ctx: ChatContext, args: str) -> Reply:
        """/lang [en|zh-hans|zh-hant] — show the chat's language with buttons, or set it (groups: admins)."""
        t = chat_translator(ctx)
        if not args:
            current = NATIVE_NAMES[t.language]
            buttons = tuple(Button(NATIVE_NAMES[tag], f"{LANGUAGE_PREFIX}{tag.lower()}") for tag in LANGUAGES)
            return Reply(
                t.gettext("This chat's language: %(language)s. Choose one:", language=current), (buttons,)
            )
        language = parse_language_argument(args)
        if language is None:
            unknown = t.gettext("I don't speak <code>%(language)s</code>.", language=echo(args, 20))
            return Reply(f"{unknown}\n{usage('lang', t)}")
        if refusal := await refuse_unless_manager(ctx, t):
            return refusal
        await off_loop(self._store.set_chat_language, ctx.chat_id, language)
        name = NATIVE_NAMES[language]
        return Reply(translator(language).gettext("This chat's language is now %(language)s.", language=name))

    async def pause(self, ctx: ChatContext, args: str) -> Reply:
        """/pause — stop alerts for this chat, keeping its subscriptions."""
        t = chat_translator(ctx)
        if refusal := await refuse_unless_manager(ctx, t):
            return refusal
        await off_loop(self._store.set_paused, ctx.chat_id, True)
        return Reply(t.gettext("Alerts paused. Your subscriptions are kept; /resume turns alerts back on."))

    async def resume(self, ctx: ChatContext, args: str) -> Reply:
        """/resume — alerts on again (for releases first seen from now on)."""
        t = chat_translator(ctx)
        if refusal := await refuse_unless_manager(ctx, t):
            return refusal
        await off_loop(self._store.set_paused, ctx.chat_id, False)
        return Reply(t.gettext("Alerts resumed. Releases that came while paused are in /recent."))

    COMMANDS: ClassVar[tuple[Command[SettingsCommands], ...]] = (
        Command(("lang",), lang),
        Command(("pause",), pause),
        Command(("resume",), resume),
    )
    BUTTONS: ClassVar[tuple[ButtonRoute[SettingsCommands], ...]] = (ButtonRoute(LANGUAGE_PREFIX, lang),)

"""The chat's router, transport-free: a command and its argument text in, a ``Reply`` out.

It refuses chats outside the allow-list, touches the chat, picks the language it is answered in and
dispatches to the command group that declared the command or button. The Telegram adapter, the console and
the tests all drive this same service.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from bot.chat.allowed import AllowedChats
from bot.chat.app_command import DEEP_LINK
from bot.chat.context import ChatContext, IndexUpdates, notice_of
from bot.chat.feed_commands import FeedCommands
from bot.chat.groups import Groups, compose
from bot.chat.i18n import DEFAULT_LANGUAGE, N_, Translator, translator
from bot.chat.language import from_telegram, resolve_language
from bot.chat.ports import ChatServiceStore, ItemTranslator
from bot.chat.replies import ButtonAnswer, Reply, echo
from bot.offload import off_loop
from feeds.models import ChatKind
from feeds.values import StoreUnavailableError

logger = logging.getLogger(__name__)

UNAVAILABLE = N_("The database is not answering right now. Please try again in a minute.")


class ChatService:
    """Every chat command, by composition of the command groups; methods take plain values and return
    what to say. ``wake``: called when a change released held alerts (``/quiet off``, a new schedule), so
    the sender looks at once; ``connect_sender`` sets it once the sender exists."""

    def __init__(
        self,
        store: ChatServiceStore,
        matcher: IndexUpdates,
        *,
        admins: frozenset[int] = frozenset(),
        allowed_chats: frozenset[int] = frozenset(),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        default_language: str = DEFAULT_LANGUAGE,
        feeds: FeedCommands | None = None,
        wake: Callable[[], None] | None = None,
        webapp_url: str | None = None,
        translator: ItemTranslator | None = None,
    ) -> None:
        self._wake = wake
        self._store = store
        self._allowed_chats = AllowedChats.of(allowed_chats)
        self._default_language = default_language
        self._routes = compose(
            store,
            matcher,
            admins=admins,
            clock=clock,
            feeds=feeds,
            wake_sender=self.wake_sender,
            webapp_url=webapp_url,
            translator=translator,
        )

    def connect_sender(self, wake: Callable[[], None]) -> None:
        """Wake this sender when held alerts are released."""
        self._wake = wake

    def wake_sender(self) -> None:
        """Ask the sender to look at the outbox now (no-op without one)."""
        if self._wake is not None:
            self._wake()

    @property
    def groups(self) -> Groups:
        """The command groups, for front ends that call their services directly (the Mini App)."""
        return self._routes.groups

    async def session(self, ctx: ChatContext, *, touch: bool = True) -> ChatContext:
        """Touch the chat, remember its sender's language and resolve the language it is answered in (the
        caller checked ``allows``); ``touch=False`` (the Mini App's many reads): a stored, active chat is
        only read. ``StoreUnavailableError`` when the database does not answer."""
        chat = None if touch else await off_loop(self._store.get_chat, ctx.chat_id)
        if chat is None or not chat.active:
            chat = await off_loop(self._store.touch_chat, ctx.chat_id, ctx.kind)
        sender_language = from_telegram(ctx.language_code)
        if sender_language and sender_language != chat.sender_language:
            await off_loop(self._store.set_sender_language, ctx.chat_id, sender_language)
        return replace(ctx, language=self._translator(ctx, chat.language).language)

    async def handle(self, ctx: ChatContext, command: str, args: str) -> Reply:
        """Dispatch one command (without the slash or @botname); every input gets a reply."""
        if refusal := self._refusal(ctx):
            return refusal
        try:
            ctx = await self.session(ctx)
            t = translator(ctx.language or DEFAULT_LANGUAGE)
            if command.lower() == "start" and args.strip() == DEEP_LINK:  # the group's link to /app
                command, args = DEEP_LINK, ""
            handler = self._routes.commands.get(command.lower())
            if handler is None:
                return Reply(
                    t.gettext(
                        "Unknown command /%(command)s. Send /help to see what I can do.",
                        command=echo(command, 40),
                    )
                )
            return await handler(ctx, args.strip())
        except StoreUnavailableError as exc:
            logger.warning("command_failed_database command=%s error=%s", command[:40], exc)
            return Reply(self._translator(ctx, None).gettext(UNAVAILABLE))

    async def text(self, ctx: ChatContext, text: str) -> Reply:
        """A message that is not a command."""
        if refusal := self._refusal(ctx):
            return refusal
        t = await self._chat_translator(ctx)
        return Reply(
            t.gettext(
                "I answer commands. Try <code>/subscribe Binzhou</code> to get alerts, "
                "<code>/recent Binzhou</code> to search, or /help."
            )
        )

    async def button(self, ctx: ChatContext, data: str) -> Reply:
        """An inline button press (the unsubscribe buttons of /list, the language buttons of /lang, the
        feeds offered by /addfeed)."""
        if refusal := self._refusal(ctx):
            return refusal
        ctx = await self._resolved(ctx)
        if route := self._routes.button(data):
            return await route.press(ctx, data.removeprefix(route.prefix))
        t = await self._chat_translator(ctx)
        return Reply(t.gettext("That button has expired. Send /list for fresh ones."))

    async def callback(self, ctx: ChatContext, data: str) -> ButtonAnswer:
        """Any button press: alert buttons act on their alert; /list's unsubscribe buttons refresh the list,
        /lang's and /addfeed's replace the message. Every press gets a notice (also when the database is
        away)."""
        if refusal := self._refusal(ctx):
            return ButtonAnswer(notice_of(refusal))
        try:
            ctx = await self._resolved(ctx)
            if alert := self._routes.answer(data):
                return await alert.answer(ctx, data)
            reply = await self.button(ctx, data)
            route = self._routes.button(data)
            return ButtonAnswer(notice_of(reply), edit=await route.edit(ctx, reply) if route else None)
        except StoreUnavailableError as exc:
            logger.warning("button_failed_database error=%s", exc)
            return ButtonAnswer(self._translator(ctx, None).gettext(UNAVAILABLE))

    def allows(self, chat_id: int) -> bool:
        """Whether the chat may use the bot (``telegram.allowed_chats``; empty: every chat)."""
        return self._allowed_chats.allows(chat_id)

    async def joined(self, chat_id: int, kind: ChatKind) -> bool:
        """The bot was added to a chat: remember it, unless it is not allowed; whether it was remembered."""
        if not self.allows(chat_id):
            logger.info("chat_join_ignored chat=%s reason=not_allowed", chat_id)
            return False
        await off_loop(self._store.touch_chat, chat_id, kind)
        return True

    async def slow_down(self, ctx: ChatContext, seconds: int) -> Reply:
        """The one answer to a chat that sends commands faster than it should."""
        t = await self._chat_translator(ctx)
        return Reply(
            t.gettext(
                "You are sending messages too fast. I will ignore this chat for %(seconds)s seconds.",
                seconds=seconds,
            )
        )

    def failure(self, ctx: ChatContext) -> Reply:
        """The answer when handling a message failed unexpectedly (asks nothing of the database)."""
        t = self._translator(ctx, None)
        return Reply(t.gettext("Sorry, something went wrong on my side. Please try again."))

    async def translator_for(self, ctx: ChatContext) -> Translator:
        """The translator this chat is answered in now: its /lang choice, the sender's, the default."""
        return await self._chat_translator(ctx)

    def _refusal(self, ctx: ChatContext) -> Reply | None:
        """The answer to a chat that is not allowed; None when it is."""
        if ctx.kind is ChatKind.CONSOLE or self.allows(ctx.chat_id):
            return None
        t = self._translator(ctx, None)
        return Reply(t.gettext("Sorry, this Wirewatch bot is private to its owner's chats."))

    def _translator(self, ctx: ChatContext, chat_language: str | None) -> Translator:
        return translator(resolve_language(chat_language, ctx.language_code, self._default_language))

    async def _chat_translator(self, ctx: ChatContext) -> Translator:
        """The chat's translator: resolved already (``ctx.language``), else from the stored chat."""
        if ctx.language is not None:
            return translator(ctx.language)
        chat = await off_loop(self._store.get_chat, ctx.chat_id)
        return self._translator(ctx, chat.language if chat else None)

    async def _resolved(self, ctx: ChatContext) -> ChatContext:
        """``ctx`` with the language the chat is answered in."""
        return replace(ctx, language=(await self._chat_translator(ctx)).language)

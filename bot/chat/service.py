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

from bot.chat.alert_actions import AlertButtons
from bot.chat.chat_settings import SettingsCommands
from bot.chat.context import ChatContext, Handler, IndexUpdates, notice_of
from bot.chat.feed_commands import FeedCommands, FeedRules
from bot.chat.help_command import HelpCommands
from bot.chat.i18n import DEFAULT_LANGUAGE, N_, Translator, translator
from bot.chat.insight import Insight
from bot.chat.insight_commands import InsightCommands
from bot.chat.language import from_telegram, resolve_language
from bot.chat.ports import ChatServiceStore
from bot.chat.recent import RecentSearch
from bot.chat.replies import ButtonAnswer, Reply, echo
from bot.chat.subscriptions import SubscriptionCommands
from bot.chat.volume_chat import VolumeCommands
from bot.offload import off_loop
from feeds.guard import UrlPolicy
from feeds.models import ChatKind
from feeds.values import StoreUnavailableError

logger = logging.getLogger(__name__)

GROUPS = (HelpCommands, SubscriptionCommands, InsightCommands, SettingsCommands, FeedCommands, VolumeCommands)
COMMAND_NAMES = tuple(name for group in GROUPS for command in group.COMMANDS for name in command.names)
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
    ) -> None:
        self._wake = wake
        self._store = store
        self._allowed_chats = allowed_chats
        self._default_language = default_language
        insight = Insight(store, clock)
        volume = VolumeCommands(store, clock, self.wake_sender)
        subscriptions = SubscriptionCommands(store, matcher, insight, clock)
        settings = SettingsCommands(store)
        feeds = feeds or FeedCommands(store, None, UrlPolicy(), FeedRules(), admins, clock)
        alerts = AlertButtons(store, matcher, volume, clock)
        recent = InsightCommands(insight, RecentSearch(store), clock)
        self._handlers: dict[str, Handler] = {}
        for commands in (
            [command.bind(HelpCommands(admins)) for command in HelpCommands.COMMANDS],
            [command.bind(subscriptions) for command in SubscriptionCommands.COMMANDS],
            [command.bind(recent) for command in InsightCommands.COMMANDS],
            [command.bind(settings) for command in SettingsCommands.COMMANDS],
            [command.bind(feeds) for command in FeedCommands.COMMANDS],
            [command.bind(volume) for command in VolumeCommands.COMMANDS],
        ):
            for names in commands:
                self._handlers.update(names)
        self._buttons = [
            *(route.bind(subscriptions) for route in SubscriptionCommands.BUTTONS),
            *(route.bind(settings) for route in SettingsCommands.BUTTONS),
            *(route.bind(feeds) for route in FeedCommands.BUTTONS),
        ]
        self._answers = [route.bind(alerts) for route in AlertButtons.ANSWERS]

    def connect_sender(self, wake: Callable[[], None]) -> None:
        """Wake this sender when held alerts are released."""
        self._wake = wake

    def wake_sender(self) -> None:
        """Ask the sender to look at the outbox now (no-op without one)."""
        if self._wake is not None:
            self._wake()

    async def handle(self, ctx: ChatContext, command: str, args: str) -> Reply:
        """Dispatch one command (without the slash or @botname); every input gets a reply."""
        if refusal := self._refusal(ctx):
            return refusal
        try:
            chat = await off_loop(self._store.touch_chat, ctx.chat_id, ctx.kind)
            sender_language = from_telegram(ctx.language_code)
            if sender_language and sender_language != chat.sender_language:
                await off_loop(self._store.set_sender_language, ctx.chat_id, sender_language)
            t = self._translator(ctx, chat.language)
            handler = self._handlers.get(command.lower())
            if handler is None:
                return Reply(
                    t.gettext(
                        "Unknown command /%(command)s. Send /help to see what I can do.",
                        command=echo(command, 40),
                    )
                )
            return await handler(replace(ctx, language=t.language), args.strip())
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
        for route in self._buttons:
            if data.startswith(route.prefix):
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
            for answers in self._answers:
                if data.startswith(answers.prefixes):
                    return await answers.answer(ctx, data)
            reply = await self.button(ctx, data)
            for route in self._buttons:
                if data.startswith(route.prefix):
                    return ButtonAnswer(notice_of(reply), edit=await route.edit(ctx, reply))
            return ButtonAnswer(notice_of(reply))
        except StoreUnavailableError as exc:
            logger.warning("button_failed_database error=%s", exc)
            return ButtonAnswer(self._translator(ctx, None).gettext(UNAVAILABLE))

    def allows(self, chat_id: int) -> bool:
        """Whether the chat may use the bot (``telegram.allowed_chats``; empty: every chat)."""
        return not self._allowed_chats or chat_id in self._allowed_chats

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

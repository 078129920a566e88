"""The chat, transport-free: a command and its argument text in, a ``Reply`` out.

The Telegram adapter, the console and the tests all drive this same service.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from html import escape
from typing import Protocol

from bot.chat.alert_actions import AlertActions, notice_of
from bot.chat.buttons import is_alert_callback
from bot.chat.feed_commands import ADDFEED_PREFIX, FeedCommands, FeedRules
from bot.chat.i18n import DEFAULT_LANGUAGE, LANGUAGES, NATIVE_NAMES, Translator, translator
from bot.chat.insight import Insight, split_trend_args
from bot.chat.language import from_telegram, parse_language_argument, resolve_language
from bot.chat.query_text import describe, query_error_text
from bot.chat.recent import RecentSearch, render_recent
from bot.chat.replies import Button, ButtonAnswer, Reply, echo, help_text, usage
from bot.chat.trend_view import DEFAULT_DAYS, MAX_DAYS, MAX_QUERIES
from bot.offload import off_loop
from feeds.guard import UrlPolicy
from feeds.models import ChatKind, Subscription
from feeds.query import Query, QueryError, parse_query
from feeds.values import DuplicateSubscriptionError, StoreUnavailableError
from storage.store import Store

logger = logging.getLogger(__name__)

MAX_SUBSCRIPTIONS_PER_CHAT = 50
UNSUBSCRIBE_PREFIX = "unsub:"
LANGUAGE_PREFIX = "lang:"
# command (as typed) → the ChatService method that answers it
COMMAND_METHODS = {
    "start": "help",
    "help": "help",
    "subscribe": "subscribe",
    "sub": "subscribe",
    "unsubscribe": "unsubscribe",
    "unsub": "unsubscribe",
    "list": "list",
    "recent": "recent",
    "test": "test",
    "trend": "trend",
    "spike": "spike",
    "pause": "pause",
    "resume": "resume",
    "feeds": "feeds",
    "lang": "lang",
    "addfeed": "addfeed",
    "removefeed": "removefeed",
    "export": "export",
    "import": "import_feeds",
    "tz": "tz",
    "digest": "digest",
    "quiet": "quiet",
    "mute": "mute",
    "unmute": "unmute",
    "status": "status",
}
COMMAND_NAMES = tuple(COMMAND_METHODS)


class IndexUpdates(Protocol):
    """Where the chat reports subscription changes (the match stage's in-memory index)."""

    def add(self, subscription: Subscription, query: Query | None = None) -> None: ...

    def remove(self, subscription_id: int) -> None: ...


async def _always_allowed() -> bool:
    return True


async def _no_document() -> bytes | None:
    return None


@dataclass(frozen=True, slots=True)
class ChatContext:
    """Who is talking: the chat, its kind, the user, and how to ask whether the user administers the chat.

    ``language_code`` is the sender's Telegram language; ``language`` is the one the chat is answered in
    (resolved by the service from the chat's setting, that code and the configured default)."""

    chat_id: int
    kind: ChatKind
    user_id: int | None
    is_chat_admin: Callable[[], Awaitable[bool]] = _always_allowed
    language_code: str | None = None
    language: str | None = None
    replied_document: Callable[[], Awaitable[bytes | None]] = _no_document  # the file a message replies to

    @property
    def is_group(self) -> bool:
        return self.kind in (ChatKind.GROUP, ChatKind.SUPERGROUP)


class ChatService(AlertActions):
    """Every chat command; methods take plain values and return what to say.

    ``wake``: called when a change released held alerts (``/quiet off``, a new schedule), so the sender
    looks at once; ``connect_sender`` sets it once the sender exists."""

    def __init__(
        self,
        store: Store,
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
        self._feeds = feeds or FeedCommands(store, None, UrlPolicy(), FeedRules(), admins, clock)
        self._matcher = matcher
        self._admins = admins
        self._allowed_chats = allowed_chats
        self._clock = clock
        self._default_language = default_language
        self._recent = RecentSearch(store)
        self._insight = Insight(store, clock)
        self._handlers: dict[str, Callable[[ChatContext, str], Awaitable[Reply]]] = {
            name: getattr(self, method) for name, method in COMMAND_METHODS.items()
        }

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
            ctx = replace(ctx, language=t.language)
            handler = self._handlers.get(command.lower())
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
            t = self._translator(ctx, None)
            return Reply(t.gettext("The database is not answering right now. Please try again in a minute."))

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

    async def help(self, ctx: ChatContext, args: str) -> Reply:
        """/start, /help — what the bot does, every command, the query language."""
        return Reply(help_text(is_admin=self._is_admin(ctx), t=await self._chat_translator(ctx)))

    async def subscribe(self, ctx: ChatContext, args: str) -> Reply:
        """/subscribe QUERY — validate, store and index a subscription."""
        t = await self._chat_translator(ctx)
        if not args:
            return Reply(usage("subscribe", t))
        if refusal := await self._refuse_unless_manager(ctx, t):
            return refusal
        try:
            query = parse_query(args)
        except QueryError as exc:
            return Reply(_bad_query(t, exc, "subscribe"))
        count = await off_loop(self._store.count_subscriptions, ctx.chat_id)
        if count >= MAX_SUBSCRIPTIONS_PER_CHAT:
            return Reply(
                t.gettext(
                    "This chat already has %(limit)s subscriptions, the most it can hold. "
                    "Remove one with /unsubscribe first.",
                    limit=MAX_SUBSCRIPTIONS_PER_CHAT,
                )
            )
        try:
            sub = await off_loop(self._store.add_subscription, ctx.chat_id, query.text, self._clock())
        except DuplicateSubscriptionError as dup:
            return Reply(
                t.gettext(
                    "You are already subscribed to <code>%(query)s</code> (#%(id)s).",
                    query=echo(dup.existing.query),
                    id=dup.existing.id,
                )
            )
        self._matcher.add(sub, query)
        return Reply(
            t.gettext(
                "Subscribed #%(id)s: <code>%(query)s</code>\n"
                "Understood as: %(meaning)s\n"
                "You will be alerted about new releases from now on; /recent shows what is already here.",
                id=sub.id,
                query=echo(query.text),
                meaning=escape(describe(query, t), quote=False),
            )
        )

    async def unsubscribe(self, ctx: ChatContext, args: str) -> Reply:
        """/unsubscribe ID|QUERY — remove a subscription by its id or its exact text."""
        t = await self._chat_translator(ctx)
        if not args:
            return Reply(usage("unsubscribe", t))
        if refusal := await self._refuse_unless_manager(ctx, t):
            return refusal
        ident = args.removeprefix("#")
        if ident.isdecimal() and len(ident) < 19:
            removed = await off_loop(self._store.remove_subscription, ctx.chat_id, int(ident))
        else:
            removed = await off_loop(self._store.remove_subscription_by_query, ctx.chat_id, args)
        if removed is None:
            return Reply(
                t.gettext(
                    "No subscription <code>%(query)s</code> in this chat. /list shows the ones you have.",
                    query=echo(args),
                )
            )
        self._matcher.remove(removed.id)
        query = echo(removed.query)
        return Reply(t.gettext("Unsubscribed #%(id)s: <code>%(query)s</code>", id=removed.id, query=query))

    async def button(self, ctx: ChatContext, data: str) -> Reply:
        """An inline button press (the unsubscribe buttons of /list, the language buttons of /lang)."""
        if refusal := self._refusal(ctx):
            return refusal
        if data.startswith(UNSUBSCRIBE_PREFIX):
            return await self.unsubscribe(ctx, data.removeprefix(UNSUBSCRIBE_PREFIX))
        if data.startswith(LANGUAGE_PREFIX):
            return await self.lang(ctx, data.removeprefix(LANGUAGE_PREFIX))
        if data.startswith(ADDFEED_PREFIX):
            return await self._feeds.press(ctx, data, await self._chat_translator(ctx))
        t = await self._chat_translator(ctx)
        return Reply(t.gettext("That button has expired. Send /list for fresh ones."))

    async def callback(self, ctx: ChatContext, data: str) -> ButtonAnswer:
        """Any button press: alert buttons act on their alert; /list's unsubscribe buttons refresh the list,
        /lang's replace the message. Every press gets a notice (also when the database is away)."""
        if refusal := self._refusal(ctx):
            return ButtonAnswer(notice_of(refusal))
        try:
            if is_alert_callback(data):
                return await self.alert_button(ctx, data)
            reply = await self.button(ctx, data)
            if data.startswith(UNSUBSCRIBE_PREFIX):
                return ButtonAnswer(notice_of(reply), edit=await self.list(ctx, ""))
            if data.startswith((LANGUAGE_PREFIX, ADDFEED_PREFIX)):
                return ButtonAnswer(notice_of(reply), edit=reply)
            return ButtonAnswer(notice_of(reply))
        except StoreUnavailableError as exc:
            logger.warning("button_failed_database error=%s", exc)
            t = self._translator(ctx, None)
            return ButtonAnswer(
                t.gettext("The database is not answering right now. Please try again in a minute.")
            )

    async def list(self, ctx: ChatContext, args: str) -> Reply:
        """/list — this chat's subscriptions, each with an unsubscribe button."""
        t = await self._chat_translator(ctx)
        subs = await off_loop(self._store.list_subscriptions, ctx.chat_id)
        chat = await off_loop(self._store.get_chat, ctx.chat_id)
        if not subs:
            return Reply(t.gettext("No subscriptions yet.") + " " + usage("subscribe", t))
        lines = [t.gettext("<b>Subscriptions (%(count)s)</b>", count=len(subs))]
        lines.extend(await self._insight.list_lines(ctx.chat_id, subs, t))
        if chat is not None and chat.paused:
            lines.append("\n" + t.gettext("Alerts are paused. /resume turns them back on."))
        return Reply("\n".join(lines), tuple(_unsubscribe_buttons(subs)))

    async def recent(self, ctx: ChatContext, args: str) -> Reply:
        """/recent [QUERY] — newest stored releases (10, last 7 days), matching QUERY when given."""
        t = await self._chat_translator(ctx)
        query = None
        if args:
            try:
                query = parse_query(args)
            except QueryError as exc:
                return Reply(_bad_query(t, exc, "recent"))
        since = self._clock() - timedelta(days=7)
        items = await off_loop(self._recent.find, query, since, 10)
        return Reply(render_recent(items, args, days=7, t=t))

    async def test(self, ctx: ChatContext, args: str) -> Reply:
        """/test QUERY — what the query would have matched in the last 7 days; nothing is subscribed."""
        t = await self._chat_translator(ctx)
        if not args:
            return Reply(usage("test", t))
        try:
            query = parse_query(args)
        except QueryError as exc:
            return Reply(_bad_query(t, exc, "test"))
        return await self._insight.test(ctx.chat_id, query, t)

    async def trend(self, ctx: ChatContext, args: str) -> Reply:
        """/trend QUERY|ID [DAYS], or up to four separated by ``|`` — a chart of stories per day."""
        t = await self._chat_translator(ctx)
        parts, days = split_trend_args(args)
        if not parts:
            return Reply(usage("trend", t))
        if days is not None and not 1 <= days <= MAX_DAYS:
            bad = t.gettext("DAYS must be from 1 to %(limit)s.", limit=MAX_DAYS)
            return Reply(f"{bad}\n{usage('trend', t)}")
        if len(parts) > MAX_QUERIES:
            many = t.gettext("A chart compares at most %(limit)s queries.", limit=MAX_QUERIES)
            return Reply(f"{many}\n{usage('trend', t)}")
        queries = []
        for text in await self._insight.resolve(ctx.chat_id, parts):
            try:
                queries.append(parse_query(text))
            except QueryError as exc:
                return Reply(_bad_query(t, exc, "trend"))
        return await self._insight.trend(ctx.chat_id, queries, days or DEFAULT_DAYS, t)

    async def spike(self, ctx: ChatContext, args: str) -> Reply:
        """/spike ID on|off — an extra alert (with the chart) on a subscription's unusually busy day."""
        t = await self._chat_translator(ctx)
        ident, _, switch = args.removeprefix("#").partition(" ")
        switch = switch.strip().lower()
        if not ident.isdecimal() or len(ident) >= 19 or switch not in ("on", "off"):
            return Reply(usage("spike", t))
        if refusal := await self._refuse_unless_manager(ctx, t):
            return refusal
        sub = await off_loop(self._store.set_spike_alerts, ctx.chat_id, int(ident), switch == "on")
        if sub is None:
            return Reply(
                t.gettext("No subscription #%(id)s in this chat. /list shows the ones you have.", id=ident)
            )
        if sub.spike_alerts:
            return Reply(
                t.gettext(
                    "Spike alerts on for #%(id)s <code>%(query)s</code>: when its stories of a day exceed "
                    "the 7-day average by two standard deviations (and are at least 3), you get one extra "
                    "alert with the chart, at most one a day.",
                    id=sub.id,
                    query=echo(sub.query),
                )
            )
        return Reply(
            t.gettext(
                "Spike alerts off for #%(id)s <code>%(query)s</code>.", id=sub.id, query=echo(sub.query)
            )
        )

    async def pause(self, ctx: ChatContext, args: str) -> Reply:
        """/pause — stop alerts for this chat, keeping its subscriptions."""
        t = await self._chat_translator(ctx)
        if refusal := await self._refuse_unless_manager(ctx, t):
            return refusal
        await off_loop(self._store.set_paused, ctx.chat_id, True)
        return Reply(t.gettext("Alerts paused. Your subscriptions are kept; /resume turns alerts back on."))

    async def resume(self, ctx: ChatContext, args: str) -> Reply:
        """/resume — alerts on again (for releases first seen from now on)."""
        t = await self._chat_translator(ctx)
        if refusal := await self._refuse_unless_manager(ctx, t):
            return refusal
        await off_loop(self._store.set_paused, ctx.chat_id, False)
        return Reply(t.gettext("Alerts resumed. Releases that came while paused are in /recent."))

    async def feeds(self, ctx: ChatContext, args: str) -> Reply:
        """/feeds — feed health, for the bot's admins only."""
        t = await self._chat_translator(ctx)
        if not self._is_admin(ctx):
            return Reply(t.gettext("/feeds is for the bot's administrators only."))
        from bot.chat.feed_report import render_feed_health

        feeds = await off_loop(self._store.list_feeds)
        return Reply(render_feed_health(feeds, self._clock(), t))

    async def addfeed(self, ctx: ChatContext, args: str) -> Reply:
        """/addfeed URL [NAME] — see ``FeedCommands.addfeed``."""
        return await self._feeds.addfeed(ctx, args, await self._chat_translator(ctx))

    async def removefeed(self, ctx: ChatContext, args: str) -> Reply:
        """/removefeed NAME|ID — see ``FeedCommands.removefeed``."""
        return await self._feeds.removefeed(ctx, args, await self._chat_translator(ctx))

    async def export(self, ctx: ChatContext, args: str) -> Reply:
        """/export — every feed as an OPML document (administrators)."""
        return await self._feeds.export(ctx, args, await self._chat_translator(ctx))

    async def import_feeds(self, ctx: ChatContext, args: str) -> Reply:
        """/import, replying to an OPML document (administrators)."""
        return await self._feeds.import_opml(ctx, args, await self._chat_translator(ctx))

    async def lang(self, ctx: ChatContext, args: str) -> Reply:
        """/lang [en|zh-hans|zh-hant] — show the chat's language with buttons, or set it (groups: admins)."""
        t = await self._chat_translator(ctx)
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
        if refusal := await self._refuse_unless_manager(ctx, t):
            return refusal
        await off_loop(self._store.set_chat_language, ctx.chat_id, language)
        name = NATIVE_NAMES[language]
        return Reply(translator(language).gettext("This chat's language is now %(language)s.", language=name))

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

    def _refusal(self, ctx: ChatContext) -> Reply | None:
        """The answer to a chat that is not allowed; None when it is."""
        if ctx.kind is ChatKind.CONSOLE or self.allows(ctx.chat_id):
            return None
        t = self._translator(ctx, None)
        return Reply(t.gettext("Sorry, this Wirewatch bot is private to its owner's chats."))

    async def translator_for(self, ctx: ChatContext) -> Translator:
        """The translator this chat is answered in now: its /lang choice, the sender's, the default."""
        return await self._chat_translator(ctx)

    def _is_admin(self, ctx: ChatContext) -> bool:
        """Bot administrators: the configured user ids, and the operator at the console."""
        return ctx.kind is ChatKind.CONSOLE or ctx.user_id in self._admins

    def _translator(self, ctx: ChatContext, chat_language: str | None) -> Translator:
        return translator(resolve_language(chat_language, ctx.language_code, self._default_language))

    async def _chat_translator(self, ctx: ChatContext) -> Translator:
        """The chat's translator: resolved already by ``handle``, else from the stored chat."""
        if ctx.language is not None:
            return translator(ctx.language)
        chat = await off_loop(self._store.get_chat, ctx.chat_id)
        return self._translator(ctx, chat.language if chat else None)

    async def _refuse_unless_manager(self, ctx: ChatContext, t: Translator) -> Reply | None:
        if not ctx.is_group or await ctx.is_chat_admin():
            return None
        return Reply(
            t.gettext(
                "Only this group's administrators can change its subscriptions and settings. "
                "Anyone may /list and /recent."
            )
        )


def _bad_query(t: Translator, error: QueryError, command: str) -> str:
    """The refusal of a query that does not parse, with the command's usage line."""
    reason = t.gettext("That query doesn't work: %(reason)s.", reason=query_error_text(error, t))
    return f"{reason}\n{usage(command, t)}"


def _unsubscribe_buttons(subs: list[Subscription]) -> list[tuple[Button, ...]]:
    buttons = [Button(f"✖ #{s.id} {s.query[:24]}", f"{UNSUBSCRIBE_PREFIX}{s.id}") for s in subs]
    return [tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]

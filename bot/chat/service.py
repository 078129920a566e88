"""The chat, transport-free: a command and its argument text in, a ``Reply`` out.

The Telegram adapter, the console and the tests all drive this same service.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import escape
from typing import Protocol

from bot.chat.recent import RecentSearch, render_recent
from bot.chat.replies import USAGE, Button, Reply, echo, help_text
from bot.offload import off_loop
from feeds.models import ChatKind, Subscription
from feeds.query import Query, QueryError, parse_query
from storage.store import DuplicateSubscriptionError, Store, StoreUnavailableError

logger = logging.getLogger(__name__)

MAX_SUBSCRIPTIONS_PER_CHAT = 50
UNSUBSCRIBE_PREFIX = "unsub:"
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
    "pause": "pause",
    "resume": "resume",
    "feeds": "feeds",
}
COMMAND_NAMES = tuple(COMMAND_METHODS)


class IndexUpdates(Protocol):
    """Where the chat reports subscription changes (the match stage's in-memory index)."""

    def add(self, subscription: Subscription, query: Query | None = None) -> None: ...

    def remove(self, subscription_id: int) -> None: ...


async def _always_allowed() -> bool:
    return True


@dataclass(frozen=True, slots=True)
class ChatContext:
    """Who is talking: the chat, its kind, the user, and how to ask whether the user administers the chat."""

    chat_id: int
    kind: ChatKind
    user_id: int | None
    is_chat_admin: Callable[[], Awaitable[bool]] = _always_allowed

    @property
    def is_group(self) -> bool:
        return self.kind in (ChatKind.GROUP, ChatKind.SUPERGROUP)


class ChatService:
    """Every chat command; methods take plain values and return what to say."""

    def __init__(
        self,
        store: Store,
        matcher: IndexUpdates,
        *,
        admins: frozenset[int] = frozenset(),
        allowed_chats: frozenset[int] = frozenset(),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._matcher = matcher
        self._admins = admins
        self._allowed_chats = allowed_chats
        self._clock = clock
        self._recent = RecentSearch(store)
        self._handlers: dict[str, Callable[[ChatContext, str], Awaitable[Reply]]] = {
            name: getattr(self, method) for name, method in COMMAND_METHODS.items()
        }

    async def handle(self, ctx: ChatContext, command: str, args: str) -> Reply:
        """Dispatch one command (without the slash or @botname); every input gets a reply."""
        if self._allowed_chats and ctx.chat_id not in self._allowed_chats:
            return Reply("Sorry, this Wirewatch bot is private to its owner's chats.")
        try:
            await off_loop(self._store.touch_chat, ctx.chat_id, ctx.kind)
            handler = self._handlers.get(command.lower())
            if handler is None:
                return Reply(f"Unknown command /{echo(command, 40)}. Send /help to see what I can do.")
            return await handler(ctx, args.strip())
        except StoreUnavailableError as exc:
            logger.warning("command_failed_database command=%s error=%s", command[:40], exc)
            return Reply("The database is not answering right now. Please try again in a minute.")

    async def text(self, ctx: ChatContext, text: str) -> Reply:
        """A message that is not a command."""
        return Reply(
            "I answer commands. Try <code>/subscribe Binzhou</code> to get alerts, "
            "<code>/recent Binzhou</code> to search, or /help."
        )

    async def help(self, ctx: ChatContext, args: str) -> Reply:
        """/start, /help — what the bot does, every command, the query language."""
        return Reply(help_text(is_admin=self._is_admin(ctx)))

    async def subscribe(self, ctx: ChatContext, args: str) -> Reply:
        """/subscribe QUERY — validate, store and index a subscription."""
        if not args:
            return Reply(USAGE["subscribe"])
        if refusal := await self._refuse_unless_manager(ctx):
            return refusal
        try:
            query = parse_query(args)
        except QueryError as exc:
            return Reply(f"That query doesn't work: {escape(str(exc), quote=False)}.\n{USAGE['subscribe']}")
        if await off_loop(self._store.count_subscriptions, ctx.chat_id) >= MAX_SUBSCRIPTIONS_PER_CHAT:
            return Reply(
                f"This chat already has {MAX_SUBSCRIPTIONS_PER_CHAT} subscriptions, the most it can hold. "
                "Remove one with /unsubscribe first."
            )
        try:
            sub = await off_loop(self._store.add_subscription, ctx.chat_id, query.text, self._clock())
        except DuplicateSubscriptionError as dup:
            return Reply(
                f"You are already subscribed to <code>{echo(dup.existing.query)}</code> (#{dup.existing.id})."
            )
        self._matcher.add(sub, query)
        return Reply(
            f"Subscribed #{sub.id}: <code>{echo(query.text)}</code>\n"
            f"Understood as: {escape(query.describe(), quote=False)}\n"
            "You will be alerted about new releases from now on; /recent shows what is already here."
        )

    async def unsubscribe(self, ctx: ChatContext, args: str) -> Reply:
        """/unsubscribe ID|QUERY — remove a subscription by its id or its exact text."""
        if not args:
            return Reply(USAGE["unsubscribe"])
        if refusal := await self._refuse_unless_manager(ctx):
            return refusal
        ident = args.removeprefix("#")
        if ident.isdecimal() and len(ident) < 19:
            removed = await off_loop(self._store.remove_subscription, ctx.chat_id, int(ident))
        else:
            removed = await off_loop(self._store.remove_subscription_by_query, ctx.chat_id, args)
        if removed is None:
            return Reply(
                f"No subscription <code>{echo(args)}</code> in this chat. /list shows the ones you have."
            )
        self._matcher.remove(removed.id)
        return Reply(f"Unsubscribed #{removed.id}: <code>{echo(removed.query)}</code>")

    async def button(self, ctx: ChatContext, data: str) -> Reply:
        """An inline button press (the unsubscribe buttons of /list)."""
        if data.startswith(UNSUBSCRIBE_PREFIX):
            return await self.unsubscribe(ctx, data.removeprefix(UNSUBSCRIBE_PREFIX))
        return Reply("That button has expired. Send /list for fresh ones.")

    async def list(self, ctx: ChatContext, args: str) -> Reply:
        """/list — this chat's subscriptions, each with an unsubscribe button."""
        subs = await off_loop(self._store.list_subscriptions, ctx.chat_id)
        chat = await off_loop(self._store.get_chat, ctx.chat_id)
        if not subs:
            return Reply("No subscriptions yet. " + USAGE["subscribe"])
        lines = [f"<b>Subscriptions ({len(subs)})</b>"]
        lines.extend(f"#{s.id} <code>{echo(s.query, 60)}</code>" for s in subs)
        if chat is not None and chat.paused:
            lines.append("\nAlerts are paused. /resume turns them back on.")
        return Reply("\n".join(lines), tuple(_unsubscribe_buttons(subs)))

    async def recent(self, ctx: ChatContext, args: str) -> Reply:
        """/recent [QUERY] — newest stored releases (10, last 7 days), matching QUERY when given."""
        query = None
        if args:
            try:
                query = parse_query(args)
            except QueryError as exc:
                return Reply(f"That query doesn't work: {escape(str(exc), quote=False)}.\n{USAGE['recent']}")
        since = self._clock() - timedelta(days=7)
        items = await off_loop(self._recent.find, query, since, 10)
        return Reply(render_recent(items, args, days=7))

    async def pause(self, ctx: ChatContext, args: str) -> Reply:
        """/pause — stop alerts for this chat, keeping its subscriptions."""
        if refusal := await self._refuse_unless_manager(ctx):
            return refusal
        await off_loop(self._store.set_paused, ctx.chat_id, True)
        return Reply("Alerts paused. Your subscriptions are kept; /resume turns alerts back on.")

    async def resume(self, ctx: ChatContext, args: str) -> Reply:
        """/resume — alerts on again (for releases first seen from now on)."""
        if refusal := await self._refuse_unless_manager(ctx):
            return refusal
        await off_loop(self._store.set_paused, ctx.chat_id, False)
        return Reply("Alerts resumed. Releases that came while paused are in /recent.")

    async def feeds(self, ctx: ChatContext, args: str) -> Reply:
        """/feeds — feed health, for the bot's admins only."""
        if not self._is_admin(ctx):
            return Reply("/feeds is for the bot's administrators only.")
        from bot.chat.feed_report import render_feed_health

        feeds = await off_loop(self._store.list_feeds)
        return Reply(render_feed_health(feeds, self._clock()))

    def _is_admin(self, ctx: ChatContext) -> bool:
        """Bot administrators: the configured user ids, and the operator at the console."""
        return ctx.kind is ChatKind.CONSOLE or ctx.user_id in self._admins

    async def _refuse_unless_manager(self, ctx: ChatContext) -> Reply | None:
        if not ctx.is_group or await ctx.is_chat_admin():
            return None
        return Reply(
            "Only this group's administrators can change its subscriptions. Anyone may /list and /recent."
        )


def _unsubscribe_buttons(subs: list[Subscription]) -> list[tuple[Button, ...]]:
    buttons = [Button(f"✖ #{s.id} {s.query[:24]}", f"{UNSUBSCRIBE_PREFIX}{s.id}") for s in subs]
    return [tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]

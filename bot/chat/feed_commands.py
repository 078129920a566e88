"""The feed commands of the chat: /feeds, /addfeed and its buttons, /removefeed, /export and /import.

Who may add is ``[telegram] feed_adders`` (the bot's administrators, or everyone; in a group, its
administrators), at most ``max_feeds_per_chat`` feeds per chat. A feed is removed by the chat that added it
or by an administrator; feeds from the config are managed there. Transport-free like the rest of the chat.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import ClassVar

from bot.chat.context import ButtonRoute, ChatContext, Command, admin_id_hint, chat_translator, is_bot_admin
from bot.chat.feed_import import export_feeds, guard_reason, import_feeds, render_report
from bot.chat.feed_intake import FoundFeed, FoundPage, Unusable, add_found, normalize_url, probe
from bot.chat.feed_report import added_text, render_feed_health
from bot.chat.i18n import N_, Translator
from bot.chat.ports import FeedStore
from bot.chat.replies import Attachment, Button, FileTooLarge, FileUnavailable, Reply, echo, usage
from bot.offload import off_loop
from feeds.fetch import Fetcher
from feeds.guard import UrlPolicy
from feeds.models import ChatKind, FeedOrigin, FeedState
from feeds.opml import OpmlError, parse_opml
from feeds.sources import clean_feed_name
from feeds.urls import mask_url
from feeds.values import DuplicateFeedError

logger = logging.getLogger(__name__)

ADDFEED_PREFIX = "addfeed:"
MAX_REPORT_LINES = 15
UNUSABLE = {
    "not_a_feed": N_("not a feed"),
    "no_feed_links": N_("not a feed, and the page links no feed"),
    "too_large": N_("too large"),
    "timeout": N_("timed out"),
    "unreachable": N_("unreachable"),
}


@dataclass(frozen=True, slots=True)
class FeedRules:
    """``[telegram] feed_adders`` and ``max_feeds_per_chat``, the new feeds' interval, the story window."""

    adders: str = "admins"
    max_per_chat: int = 20
    interval_seconds: int = 300
    story_window: timedelta = timedelta(hours=72)


def unusable_text(found: Unusable, t: Translator) -> str:
    """Why a URL gives no feed, in the chat's words: ``HTTP 404``, ``refused: private address`` …"""
    if found.reason == "http":
        return found.detail
    if found.reason == "refused":
        return t.gettext("refused: %(reason)s", reason=guard_reason(found.detail, t))
    return t.gettext(UNUSABLE[found.reason])


def _with_hint(refusal: str, ctx: ChatContext, t: Translator) -> str:
    """A refusal for non-administrators, with the user's own id and the setting to change."""
    hint = admin_id_hint(ctx, t)
    return f"{refusal}\n{hint}" if hint else refusal


def private_only(command: str, t: Translator) -> Reply:
    """The one line a group sees when an administrator asks there for the feed list (its URLs are for
    administrators only, not for every member): a pointer to the private chat."""
    return Reply(
        t.gettext("The feed list stays private: send %(command)s to me in a private chat.", command=command)
    )


class FeedCommands:
    """Feed commands; ``fetcher`` None: adding by URL is not available (the command says so); ``admins``:
    the bot's administrators, who see feed health and manage every feed."""

    def __init__(
        self,
        store: FeedStore,
        fetcher: Fetcher | None,
        policy: UrlPolicy,
        rules: FeedRules,
        admins: frozenset[int],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._fetcher = fetcher
        self._policy = policy
        self._rules = rules
        self._admins = admins
        self._clock = clock

    def is_admin(self, ctx: ChatContext) -> bool:
        """The bot's administrators and the operator at the console."""
        return is_bot_admin(ctx, self._admins)

    async def feeds(self, ctx: ChatContext, args: str) -> Reply:
        """/feeds — feed health, for the bot's admins only."""
        t = chat_translator(ctx)
        if not self.is_admin(ctx):
            return Reply(_with_hint(t.gettext("/feeds is for the bot's administrators only."), ctx, t))
        if ctx.is_group:
            return private_only("/feeds", t)
        feeds = await off_loop(self._store.list_feeds)
        return Reply(render_feed_health(feeds, self._clock(), t))

    async def addfeed(self, ctx: ChatContext, args: str) -> Reply:
        """/addfeed URL [NAME] — fetch once through the guard; add the feed, or offer a page's feeds."""
        t = chat_translator(ctx)
        if not args:
            return Reply(usage("addfeed", t))
        url_text, _, name_text = args.partition(" ")
        name = " ".join(name_text.split()) or None
        if name is not None:
            try:
                name = clean_feed_name(name)
            except ValueError:
                return Reply(t.gettext("a name has 1 to 64 characters and no control characters"))
        return await self._add(ctx, normalize_url(url_text), name, t, page_allowed=True)

    async def press(self, ctx: ChatContext, ident: str) -> Reply:
        """A button under a list of a page's feeds (its data after the prefix): add that one (offers are kept
        per chat for a day)."""
        t = chat_translator(ctx)
        offer = None
        if ident.isdecimal() and len(ident) < 19:
            offer = await off_loop(self._store.feed_offer, ctx.chat_id, int(ident), self._clock())
        if offer is None:
            return Reply(t.gettext("That button has expired. Send /addfeed again."))
        return await self._add(ctx, offer.url, offer.name, t, page_allowed=False)

    async def _add(
        self, ctx: ChatContext, url: str, name: str | None, t: Translator, page_allowed: bool
    ) -> Reply:
        if refusal := await self._refuse_adding(ctx, t):
            return refusal
        if self._fetcher is None:
            return Reply(t.gettext("Feeds can't be added here."))
        now = self._clock()
        found = await probe(self._fetcher, url, now)
        if isinstance(found, FoundPage) and page_allowed and len(found.feeds) == 1:
            found = await probe(self._fetcher, found.feeds[0].url, now)
        if isinstance(found, FoundPage):
            if not page_allowed:
                found = Unusable("not_a_feed")
            else:
                return await self._offer(ctx, found, name, t, now)
        if isinstance(found, Unusable):
            reason = unusable_text(found, t)
            return Reply(
                t.gettext(
                    "Not added: <code>%(url)s</code>: %(reason)s.", url=echo(mask_url(url)), reason=reason
                )
            )
        return await self._store_found(ctx, found, name, t, now)

    async def _store_found(
        self, ctx: ChatContext, found: FoundFeed, name: str | None, t: Translator, now: datetime
    ) -> Reply:
        try:
            feed = await off_loop(
                add_found,
                self._store,
                found,
                name=name,
                origin=FeedOrigin.CHAT,
                added_by_chat=ctx.chat_id,
                interval_seconds=self._rules.interval_seconds,
                now=now,
                story_window=self._rules.story_window,
            )
        except DuplicateFeedError as dup:
            paused = dup.reason == "url" and dup.existing.paused_at is not None
            if paused and await off_loop(self._store.resume_feed, dup.existing.id, now):
                return Reply(
                    t.gettext(
                        "Feed <b>%(name)s</b> (#%(id)s) was paused; it answers again, so it is polled "
                        "from now on.",
                        name=echo(dup.existing.name),
                        id=dup.existing.id,
                    )
                )
            if dup.reason == "url":
                return Reply(
                    t.gettext(
                        "This feed is polled already, as <b>%(name)s</b> (#%(id)s).",
                        name=echo(dup.existing.name),
                        id=dup.existing.id,
                    )
                )
            return Reply(
                t.gettext(
                    "Another feed is called <b>%(name)s</b>. Send /addfeed URL NAME with another name.",
                    name=echo(dup.existing.name),
                )
            )
        zone = None if found.newest is None else (await off_loop(self._store.chat_volume, ctx.chat_id)).zone
        return Reply(added_text(feed, found, t, zone))

    async def _offer(
        self, ctx: ChatContext, page: FoundPage, name: str | None, t: Translator, now: datetime
    ) -> Reply:
        found = [(feed.url, feed.title or mask_url(feed.url)) for feed in page.feeds]
        offers = await off_loop(self._store.offer_feeds, ctx.chat_id, found, name, now)
        lines = [
            t.gettext(
                "<code>%(url)s</code> is a page that links %(count)s feeds. Which one shall I add?",
                url=echo(mask_url(page.page_url)),
                count=len(offers),
            )
        ]
        lines.extend(
            f"• {echo(offer.title, 60)}\n  <code>{echo(mask_url(offer.url))}</code>" for offer in offers
        )
        buttons = tuple(
            (Button(f"➕ {offer.title[:40]}", f"{ADDFEED_PREFIX}{offer.id}"),) for offer in offers
        )
        return Reply("\n".join(lines), buttons)

    async def _refuse_adding(self, ctx: ChatContext, t: Translator) -> Reply | None:
        if not self.is_admin(ctx):
            if self._rules.adders != "everyone":
                return Reply(_with_hint(t.gettext("Only the bot's administrators can add feeds."), ctx, t))
            if ctx.is_group and not await ctx.is_chat_admin():
                return Reply(t.gettext("Only this group's administrators can add feeds."))
        count = await off_loop(self._store.count_feeds_added_by, ctx.chat_id)
        if count >= self._rules.max_per_chat and ctx.kind is not ChatKind.CONSOLE:
            return Reply(
                t.gettext(
                    "This chat has added %(limit)s feeds, the most it may. "
                    "Remove one with /removefeed first.",
                    limit=self._rules.max_per_chat,
                )
            )
        return None

    async def removefeed(self, ctx: ChatContext, args: str) -> Reply:
        """/removefeed NAME|ID — stop polling a feed added from chat, the CLI or OPML; its items stay."""
        t = chat_translator(ctx)
        if not args:
            return Reply(usage("removefeed", t))
        feed = await off_loop(self._find, args)
        if feed is None:
            return Reply(t.gettext("No feed <code>%(name)s</code>.", name=echo(args)))
        name = echo(feed.name)
        if feed.origin is FeedOrigin.CONFIG:
            return Reply(
                t.gettext(
                    "<b>%(name)s</b> comes from the config file: it is added and removed there.", name=name
                )
            )
        if not self.is_admin(ctx) and not (
            feed.added_by_chat == ctx.chat_id and (not ctx.is_group or await ctx.is_chat_admin())
        ):
            return Reply(
                t.gettext(
                    "Only the chat that added <b>%(name)s</b>, or an administrator, can remove it.", name=name
                )
            )
        removed = await off_loop(self._store.remove_feed, feed.id, self._clock())
        if removed is None:
            return Reply(t.gettext("No feed <code>%(name)s</code>.", name=echo(args)))
        return Reply(t.gettext("Removed feed <b>%(name)s</b>. Its releases stay in /recent.", name=name))

    def _find(self, text: str) -> FeedState | None:
        feed = self._store.find_feed_by_name(text)
        ident = text.strip().removeprefix("#")
        if feed is None and ident.isdecimal() and len(ident) < 19:
            feed = self._store.get_feed(int(ident))
        return feed

    async def export(self, ctx: ChatContext, args: str) -> Reply:
        """/export — every feed as an OPML document (administrators)."""
        t = chat_translator(ctx)
        if not self.is_admin(ctx):
            return Reply(
                _with_hint(t.gettext("/export and /import are for the bot's administrators only."), ctx, t)
            )
        if ctx.is_group:
            return private_only("/export", t)
        data, count = await off_loop(export_feeds, self._store, self._clock())
        caption = t.ngettext(
            "%(count)s feed, as OPML. Reply /import to such a file to add its feeds.",
            "%(count)s feeds, as OPML. Reply /import to such a file to add its feeds.",
            count,
            count=count,
        )
        return Reply(caption, attachment=Attachment("document", data, "wirewatch-feeds.opml"))

    async def import_opml(self, ctx: ChatContext, args: str) -> Reply:
        """/import as a reply to an OPML document — add its feeds, one report line per outline."""
        t = chat_translator(ctx)
        if not self.is_admin(ctx):
            return Reply(
                _with_hint(t.gettext("/export and /import are for the bot's administrators only."), ctx, t)
            )
        try:
            data = await ctx.replied_document()
        except FileTooLarge:
            return Reply(t.gettext("That file is too large for an OPML list (at most 1 MB)."))
        except FileUnavailable:
            return Reply(
                t.gettext("I couldn't get that file from Telegram. Send it again and reply /import to it.")
            )
        if data is None:
            return Reply(t.gettext("Send /import as a reply to an OPML file."))
        try:
            outlines = parse_opml(data)
        except OpmlError as exc:
            return Reply(t.gettext("I can't read that file: %(reason)s", reason=echo(str(exc))))
        lines = await off_loop(
            import_feeds,
            self._store,
            self._policy,
            outlines,
            origin=FeedOrigin.OPML,
            interval_seconds=self._rules.interval_seconds,
            now=self._clock(),
            added_by_chat=ctx.chat_id,
            limit=None if ctx.kind is ChatKind.CONSOLE else self._rules.max_per_chat,
        )
        if not lines:
            return Reply(t.gettext("That OPML file lists no feeds."))
        return Reply(render_report(lines, t, limit=MAX_REPORT_LINES))

    COMMANDS: ClassVar[tuple[Command[FeedCommands], ...]] = (
        Command(("feeds",), feeds),
        Command(("addfeed",), addfeed),
        Command(("removefeed",), removefeed),
        Command(("export",), export),
        Command(("import",), import_opml),
    )
    BUTTONS: ClassVar[tuple[ButtonRoute[FeedCommands], ...]] = (ButtonRoute(ADDFEED_PREFIX, press),)

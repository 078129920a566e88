"""The subscription commands: /subscribe, /unsubscribe, /list (with its unsubscribe buttons) and /spike."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from html import escape
from typing import ClassVar

from bot.chat.alias_offers import AliasOffers, offer_text
from bot.chat.context import (
    ButtonRoute,
    ChatContext,
    Command,
    IndexUpdates,
    bad_query,
    chat_translator,
    refuse_unless_manager,
)
from bot.chat.i18n import Translator
from bot.chat.insight import Insight
from bot.chat.ports import SubscriptionStore
from bot.chat.query_text import describe
from bot.chat.replies import Button, Reply, echo, usage
from bot.offload import off_loop
from feeds.models import Subscription
from feeds.query import QueryError, parse_query
from feeds.values import DuplicateSubscriptionError, StoreUnavailableError

logger = logging.getLogger(__name__)

MAX_SUBSCRIPTIONS_PER_CHAT = 50
UNSUBSCRIBE_PREFIX = "unsub:"


class SubscriptionCommands:
    """A chat's subscriptions: stored through ``store``, reported to the match stage's index."""

    def __init__(
        self,
        store: SubscriptionStore,
        matcher: IndexUpdates,
        insight: Insight,
        clock: Callable[[], datetime],
        offers: AliasOffers | None = None,
    ) -> None:
        self._store = store
        self._matcher = matcher
        self._insight = insight
        self._clock = clock
        self._offers = offers

    async def subscribe(self, ctx: ChatContext, args: str) -> Reply:
        """/subscribe QUERY — validate, store and index a subscription."""
        t = chat_translator(ctx)
        if not args:
            return Reply(usage("subscribe", t))
        if refusal := await refuse_unless_manager(ctx, t):
            return refusal
        try:
            query = parse_query(args)
        except QueryError as exc:
            return Reply(bad_query(t, exc, "subscribe"))
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
        text = t.gettext(
            "Subscribed #%(id)s: <code>%(query)s</code>\n"
            "Understood as: %(meaning)s\n"
            "You will be alerted about new releases from now on; /recent shows what is already here.",
            id=sub.id,
            query=echo(query.text),
            meaning=escape(describe(query, t), quote=False),
        )
        buttons = await self._alias_buttons(sub, t)
        return Reply(f"{text}\n\n{offer_text(t)}" if buttons else text, buttons)

    async def _alias_buttons(self, sub: Subscription, t: Translator) -> tuple[tuple[Button, ...], ...]:
        """The alias offer under a new subscription; none when the database fails now (it is stored)."""
        if self._offers is None:
            return ()
        try:
            return await self._offers.buttons(sub, t)
        except StoreUnavailableError as exc:
            logger.warning("alias_offer_failed subscription=%s error=%s", sub.id, exc)
            return ()

    async def unsubscribe(self, ctx: ChatContext, args: str) -> Reply:
        """/unsubscribe ID|QUERY — remove a subscription by its id or its exact text."""
        t = chat_translator(ctx)
        if not args:
            return Reply(usage("unsubscribe", t))
        if refusal := await refuse_unless_manager(ctx, t):
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

    async def list(self, ctx: ChatContext, args: str) -> Reply:
        """/list — this chat's subscriptions, each with an unsubscribe button."""
        t = chat_translator(ctx)
        subs = await off_loop(self._store.list_subscriptions, ctx.chat_id)
        chat = await off_loop(self._store.get_chat, ctx.chat_id)
        if not subs:
            return Reply(t.gettext("No subscriptions yet.") + " " + usage("subscribe", t))
        lines = [t.gettext("<b>Subscriptions (%(count)s)</b>", count=len(subs))]
        lines.extend(await self._insight.list_lines(ctx.chat_id, subs, t))
        if chat is not None and chat.paused:
            lines.append("\n" + t.gettext("Alerts are paused. /resume turns them back on."))
        return Reply("\n".join(lines), tuple(_unsubscribe_buttons(subs)))

    async def fresh_list(self, ctx: ChatContext, answer: Reply) -> Reply:
        """After an unsubscribe button: the list again, in place of the one the button was under."""
        return await self.list(ctx, "")

    async def spike(self, ctx: ChatContext, args: str) -> Reply:
        """/spike ID on|off — an extra alert (with the chart) on a subscription's unusually busy day."""
        t = chat_translator(ctx)
        ident, _, switch = args.removeprefix("#").partition(" ")
        switch = switch.strip().lower()
        if not ident.isdecimal() or len(ident) >= 19 or switch not in ("on", "off"):
            return Reply(usage("spike", t))
        if refusal := await refuse_unless_manager(ctx, t):
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

    COMMANDS: ClassVar[tuple[Command[SubscriptionCommands], ...]] = (
        Command(("subscribe", "sub"), subscribe),
        Command(("unsubscribe", "unsub"), unsubscribe),
        Command(("list",), list),
        Command(("spike",), spike),
    )
    BUTTONS: ClassVar[tuple[ButtonRoute[SubscriptionCommands], ...]] = (
        ButtonRoute(UNSUBSCRIBE_PREFIX, unsubscribe, edit=fresh_list),
    )


def _unsubscribe_buttons(subs: list[Subscription]) -> list[tuple[Button, ...]]:
    buttons = [Button(f"✖ #{s.id} {s.query[:24]}", f"{UNSUBSCRIBE_PREFIX}{s.id}") for s in subs]
    return [tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]
